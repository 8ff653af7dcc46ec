//! Sign-in driven by a real browser and a real client library: runs
//! `tests/python/test_signin_browser.py` (headless Chromium from Debian's
//! packages through Selenium, Authlib as the client) against a real server.
//!
//! The Python interpreter is `REGISTRAR_TEST_PYTHON` (a virtualenv with
//! `tests/python/requirements.txt`); Chromium and its driver are
//! `/usr/bin/chromium` and `/usr/bin/chromedriver` (`.ci/run` installs
//! them), or `REGISTRAR_CHROMIUM` / `REGISTRAR_CHROMEDRIVER`. Without them
//! (or without Selenium in that interpreter) the test says SKIPPED on the
//! terminal, except under `CI=true`, where a missing tool fails it
//! (`support::missing_tool`).

use crate::support::signin::{PASSWORD, create_user};
use crate::support::*;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::Command;

const PYTHON_ENV: &str = "REGISTRAR_TEST_PYTHON";

/// The tools, or why they are missing.
fn tools() -> Result<(String, PathBuf, PathBuf), String> {
    let python = std::env::var(PYTHON_ENV)
        .ok()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| format!("{PYTHON_ENV} is not set"))?;
    let path = |env: &str, default: &str| {
        std::env::var(env)
            .ok()
            .filter(|p| !p.is_empty())
            .map_or_else(|| PathBuf::from(default), PathBuf::from)
    };
    let chromium = path("REGISTRAR_CHROMIUM", "/usr/bin/chromium");
    let driver = path("REGISTRAR_CHROMEDRIVER", "/usr/bin/chromedriver");
    for p in [&chromium, &driver] {
        if !p.exists() {
            return Err(format!(
                "{} is missing (apt-get install chromium chromium-driver)",
                p.display()
            ));
        }
    }
    let imports = Command::new(&python)
        .args(["-c", "import selenium, authlib, pytest"])
        .output()
        .map_err(|e| format!("{PYTHON_ENV} ({python}) does not run: {e}"))?;
    if !imports.status.success() {
        return Err(format!(
            "{PYTHON_ENV} ({python}) lacks Selenium, Authlib or pytest \
             (pip install -r tests/python/requirements.txt)"
        ));
    }
    Ok((python, chromium, driver))
}

#[tokio::test]
async fn browser_and_authlib_sign_in_for_spa_native_and_web_clients() {
    let (python, chromium, driver) = match tools() {
        Ok(t) => t,
        Err(why) => {
            missing_tool(&why);
            return;
        }
    };
    let app = spawn_app().await;
    let email = "browser.user@example.com";
    create_user(&app, &app.admin.token, email, false).await;
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/test_signin_browser.py"
    );
    let admin = app.admin.clone();
    let base = app.base.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", file])
            .env("REGISTRAR_BASE_URL", base)
            .env("REGISTRAR_ADMIN_ID", admin.client_id)
            .env("REGISTRAR_ADMIN_SECRET", admin.client_secret)
            .env("REGISTRAR_USER_EMAIL", email)
            .env("REGISTRAR_USER_PASSWORD", PASSWORD)
            .env("REGISTRAR_CHROMIUM", chromium)
            .env("REGISTRAR_CHROMEDRIVER", driver)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            // Selenium Manager must never try to fetch a browser or driver.
            .env("SE_OFFLINE", "true")
            .output()
            .expect("run the Python interpreter named by REGISTRAR_TEST_PYTHON")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "browser tests failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        summary.contains("5 passed"),
        "all five browser tests ran and passed: {stdout}"
    );
    assert!(
        !summary.contains("skipped"),
        "no browser test may skip: {summary}"
    );
    let _ = writeln!(std::io::stderr(), "browser (Chromium + Authlib): {summary}");
}
