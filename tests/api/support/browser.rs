//! The tools of the browser tests: the Python interpreter with Selenium
//! (`REGISTRAR_TEST_PYTHON`, a virtualenv with `tests/python/requirements.txt`),
//! Debian's Chromium and its WebDriver (`/usr/bin/chromium`,
//! `/usr/bin/chromedriver`, or `REGISTRAR_CHROMIUM` / `REGISTRAR_CHROMEDRIVER`)
//! and axe-core from `tests/browser/node_modules` (`npm ci` there). `.ci/run`
//! installs all of them; nothing is downloaded at run time.
//!
//! A missing tool makes the test say SKIPPED on the terminal, except under
//! `CI=true`, where it fails the test.

use std::io::Write as _;
use std::path::PathBuf;

pub struct BrowserTools {
    pub python: String,
    pub chromium: PathBuf,
    pub driver: PathBuf,
    pub axe: PathBuf,
}

fn path_from(env: &str, default: &str) -> PathBuf {
    std::env::var(env)
        .ok()
        .filter(|p| !p.is_empty())
        .map_or_else(|| PathBuf::from(default), PathBuf::from)
}

fn find() -> Result<BrowserTools, String> {
    let python = std::env::var("REGISTRAR_TEST_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .ok_or("REGISTRAR_TEST_PYTHON is not set")?;
    let chromium = path_from("REGISTRAR_CHROMIUM", "/usr/bin/chromium");
    let driver = path_from("REGISTRAR_CHROMEDRIVER", "/usr/bin/chromedriver");
    let axe = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/browser/node_modules/axe-core/axe.min.js"
    ));
    for (p, fix) in [
        (&chromium, "apt-get install chromium chromium-driver"),
        (&driver, "apt-get install chromium chromium-driver"),
        (&axe, "npm ci --prefix tests/browser"),
    ] {
        if !p.exists() {
            return Err(format!("{} is missing ({fix})", p.display()));
        }
    }
    Ok(BrowserTools {
        python,
        chromium,
        driver,
        axe,
    })
}

/// The tools, or `None` after saying SKIPPED (a failure under `CI=true`).
pub fn tools(test: &str) -> Option<BrowserTools> {
    match find() {
        Ok(t) => Some(t),
        Err(why) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true: {test} cannot run: {why}"
            );
            let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
            None
        }
    }
}
