//! The web console in a real browser: runs
//! `tests/python/test_console_browser.py` (headless Chromium from Debian's
//! packages through Selenium, axe-core from `tests/browser/`) against a real
//! server with an administrator, a user who is not one, and the tenant's
//! console client registered by the same code as `tenant create`.
//!
//! The server's access tokens live 20 seconds, so the console's renewal is
//! exercised within the run. Figures (time to the first screen) are written
//! to `<target>/tmp/console-browser.jsonl` for `bench/console.sh`; the
//! screenshots go to `<target>/tmp/console-screenshots/`, or to
//! `docs/console/` with `REGISTRAR_UPDATE_SCREENSHOTS=1`.

use crate::support::browser::tools;
use crate::support::signin::{PASSWORD, create_user};
use crate::support::*;
use registrar::state::Settings;
use std::io::Write as _;
use std::process::Command;

/// The pytest tests in the module; all must run and pass.
const TESTS: usize = 18;

#[tokio::test]
async fn the_console_in_a_real_browser() {
    let Some(tools) = tools("console_browser::the_console_in_a_real_browser") else {
        return;
    };
    let app = TestApp::spawn_with(Settings {
        token_ttl: 20,
        ..test_settings()
    })
    .await;
    let admin_email = "ada@example.com";
    let user_email = "bob@example.com";
    create_user(&app, &app.admin.token, admin_email, true).await;
    create_user(&app, &app.admin.token, user_email, false).await;
    let tmp = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let out = tmp.join(format!("console-browser-{}.jsonl", backend_name()));
    let _ = std::fs::remove_file(&out);
    let shots = if std::env::var("REGISTRAR_UPDATE_SCREENSHOTS").as_deref() == Ok("1") {
        concat!(env!("CARGO_MANIFEST_DIR"), "/docs/console").into()
    } else {
        tmp.join("console-screenshots")
    };
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/test_console_browser.py"
    );
    let console_url = format!(
        "{}/console/?client_id={}",
        app.base, app.admin.console_client_id
    );
    let admin = app.admin.clone();
    let base = app.base.clone();
    let run = tokio::task::spawn_blocking(move || {
        Command::new(&tools.python)
            .args(["-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", file])
            .env("REGISTRAR_BASE_URL", base)
            .env("REGISTRAR_CONSOLE_URL", console_url)
            .env("REGISTRAR_ADMIN_ID", admin.client_id)
            .env("REGISTRAR_ADMIN_SECRET", admin.client_secret)
            .env("REGISTRAR_ADMIN_EMAIL", admin_email)
            .env("REGISTRAR_USER_EMAIL", user_email)
            .env("REGISTRAR_USER_PASSWORD", PASSWORD)
            .env("REGISTRAR_AXE", &tools.axe)
            .env("REGISTRAR_CONSOLE_OUT", &out)
            .env("REGISTRAR_SCREENSHOTS", shots)
            .env("REGISTRAR_CHROMIUM", &tools.chromium)
            .env("REGISTRAR_CHROMEDRIVER", &tools.driver)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            // Selenium Manager must never try to fetch a browser or driver.
            .env("SE_OFFLINE", "true")
            .output()
            .expect("run the Python interpreter named by REGISTRAR_TEST_PYTHON")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "console browser tests failed ({}):\n{stdout}\n{}",
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        summary.contains(&format!("{TESTS} passed")),
        "every console browser test ran and passed: {stdout}"
    );
    assert!(
        !summary.contains("skipped"),
        "no browser test may skip: {summary}"
    );
    let _ = writeln!(std::io::stderr(), "console in Chromium: {summary}");
}

fn backend_name() -> &'static str {
    if is_postgres() { "postgres" } else { "sqlite" }
}
