//! A bounded schemathesis run against the real binary and its own
//! `/openapi.json`: no server errors, every status, header, content type and
//! body as documented, schema-invalid input refused, unsupported methods
//! answered 405 with `Allow`, and the stateful create/read/delete links.
//!
//! Schemathesis comes from PyPI; `.ci/run` installs a pinned version in a
//! virtual environment and names the executable in `REGISTRAR_SCHEMATHESIS`.
//! Without that variable the test says SKIPPED and passes, so a plain
//! `cargo test` on a machine without Python still works; under `CI=true` it
//! fails instead (`support::require_tool`). The server runs on this target's
//! backend.
//!
//! `tests/schemathesis.toml` configures the checks: `positive_data_acceptance`
//! is off (the schema cannot express every rule, so schema-valid clients may
//! rightly get a 400), and size refusals (413, 414, 431) count as rejections.

use crate::support::process::{Server, tenant_create, token};
use crate::support::{TestDb, require_tool};
use std::process::Command;

pub const ENV: &str = "REGISTRAR_SCHEMATHESIS";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_failures_against_the_description() {
    let Some(exe) = require_tool(ENV, "a schemathesis executable; .ci/run installs one") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::fresh().await;
    let admin = tenant_create(&db.url, "schemathesis");
    // No rate limits: schemathesis sends many requests, bad credentials
    // among them, from one address.
    let server = Server::start(
        &db.url,
        &[
            "--rate-limit-tier1",
            "0",
            "--rate-limit-tier2",
            "0",
            "--auth-failures-per-minute",
            "0",
        ],
    );
    let http = reqwest::Client::new();
    let token = token(
        &http,
        &server.base,
        admin["clientId"].as_str().unwrap(),
        admin["clientSecret"].as_str().unwrap(),
    )
    .await;
    let max_examples =
        std::env::var("REGISTRAR_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "20".into());
    let base = server.base.clone();
    let report = dir.path().join("report");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(exe)
            .arg("--config-file")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/schemathesis.toml"
            ))
            .arg("run")
            .arg(format!("{base}/openapi.json"))
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .args(["--max-examples", &max_examples])
            .args([
                "--seed",
                "20261101",
                // One worker: with two, hypothesis parses lambda sources
                // from two threads at once, and CPython 3.11's `ast.parse`
                // is not thread-safe ("AST constructor recursion depth
                // mismatch", a runtime error of the tool that CI met once).
                "--workers",
                "1",
                "--request-timeout",
                "30",
            ])
            .arg("--report-dir")
            .arg(&report)
            .env("NO_COLOR", "1")
            .current_dir(dir.path())
            .output()
            .expect("run schemathesis")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "schemathesis found failures:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("passed"),
        "schemathesis ran no test case:\n{stdout}"
    );
    drop(server);
}
