//! Interoperability with an OAuth client library none of us wrote: runs the
//! Authlib tests of `tests/python` against a real server.
//!
//! The Python interpreter is named by `REGISTRAR_TEST_PYTHON` (`.ci/run` makes
//! a virtualenv with the pinned `tests/python/requirements.txt` and sets it).
//! Without it the test says SKIPPED on the terminal, past the output capture,
//! so a skip is never silent; under `CI=true` it fails instead
//! (`support::require_tool`).

use crate::support::*;
use std::io::Write as _;
use std::process::Command;

pub const PYTHON_ENV: &str = "REGISTRAR_TEST_PYTHON";

#[tokio::test]
async fn authlib_client_credentials_private_key_jwt_and_refusals() {
    let Some(python) = require_tool(
        PYTHON_ENV,
        "a Python with tests/python/requirements.txt; .ci/run makes a virtualenv",
    ) else {
        return;
    };
    let app = spawn_app().await;
    // Only this file: the sign-in tests beside it have a runner of their own
    // (`browser.rs`).
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/test_authlib_interop.py"
    );
    let admin = app.admin.clone();
    let base = app.base.clone();
    // pytest blocks: run it off the runtime, which goes on serving.
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", dir])
            .env("REGISTRAR_BASE_URL", base)
            .env("REGISTRAR_ADMIN_ID", admin.client_id)
            .env("REGISTRAR_ADMIN_SECRET", admin.client_secret)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
            .expect("run the Python interpreter named by REGISTRAR_TEST_PYTHON")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "Authlib tests failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    // pytest exits 0 only when tests ran; check they did, and how many.
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(summary.contains(" passed"), "no pytest summary: {stdout}");
    assert!(
        !summary.contains("skipped"),
        "no Authlib test may skip: {summary}"
    );
    let _ = writeln!(std::io::stderr(), "interop (Authlib): {summary}");
}
