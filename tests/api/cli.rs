//! The CLI contract (§2), against the real binary: `tenant create` output,
//! the ready line, port 0, and graceful shutdown.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_registrar");

fn tenant_create(db: &str, name: &str) -> Value {
    let out = Command::new(BIN)
        .args(["tenant", "create", name, "--database-url", db])
        .output()
        .expect("run registrar");
    assert!(
        out.status.success(),
        "tenant create failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout.lines().count(),
        1,
        "exactly one line on stdout: {stdout:?}"
    );
    let v: Value = serde_json::from_str(&stdout).expect("stdout is one JSON object");
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 3, "{v}");
    for k in ["tenantId", "clientId", "clientSecret"] {
        assert!(v[k].as_str().is_some_and(|s| !s.is_empty()), "{k} in {v}");
    }
    v
}

/// Starts `registrar serve` on port 0 and returns it with its base URL, read
/// from the ready line on stderr.
pub fn start_server(db: &str, extra: &[&str]) -> (Child, String) {
    let mut child = crate::helpers::serve_command(db)
        .args(extra)
        .spawn()
        .expect("spawn registrar serve");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if !sent && let Some(addr) = crate::helpers::ready_address(&line) {
                let _ = tx.send(addr);
                sent = true;
            }
        }
    });
    let base = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("ready line `listening on http://ADDR` on stderr");
    (child, base)
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    for _ in 0..100 {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("server did not stop on SIGTERM");
}

#[tokio::test]
async fn tenant_create_serve_on_port_zero_token_and_sigterm() {
    let db = TestDb::fresh().await;
    let first = tenant_create(&db.url, "acme");
    let (mut child, base) = start_server(&db.url, &[]);
    assert!(
        !base.ends_with(":0"),
        "the ready line shows the real port: {base}"
    );
    // tenant create works while serve runs on the same database.
    let second = tenant_create(&db.url, "globex");
    let http = reqwest::Client::new();
    for t in [&first, &second] {
        let res = http
            .post(format!("{base}/oauth/token"))
            .basic_auth(t["clientId"].as_str().unwrap(), t["clientSecret"].as_str())
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        let (status, tok) = read(res).await;
        assert_eq!(status, StatusCode::OK, "{tok}");
        let res = http
            .get(format!("{base}/api/core/oauth-clients"))
            .bearer_auth(tok["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        let (status, list) = read(res).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            list["data"][0]["clientId"], t["clientId"],
            "each tenant sees its own admin client"
        );
    }
    let status = terminate(&mut child);
    assert!(status.success(), "exit 0 after SIGTERM, got {status}");
}

#[test]
fn help_lists_every_serve_option() {
    let out = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for opt in [
        "--listen",
        "--database-url",
        "--public-url",
        "--rate-limit-tier1",
        "--rate-limit-tier2",
        "--token-ttl",
        "--log-format",
        "REGISTRAR_LISTEN",
        "REGISTRAR_DATABASE_URL",
        "REGISTRAR_PUBLIC_URL",
        "REGISTRAR_RATE_LIMIT_TIER1",
        "REGISTRAR_RATE_LIMIT_TIER2",
        "REGISTRAR_TOKEN_TTL",
        "REGISTRAR_LOG_FORMAT",
    ] {
        assert!(help.contains(opt), "serve --help lacks {opt}");
    }
    let out = Command::new(BIN).arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("serve") && help.contains("tenant"));
}

#[test]
fn json_log_format_writes_one_json_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("r.db").display());
    let (mut child, base) = start_server(&db, &["--log-format", "json"]);
    assert!(base.starts_with("http://127.0.0.1:"));
    terminate(&mut child);
}

#[test]
fn bad_database_url_fails_with_a_message() {
    let out = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            "mysql://x",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported database URL"));
}

#[test]
fn the_ready_line_survives_a_quiet_log_filter() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("q.db").display());
    let mut child = crate::helpers::serve_command(&db)
        .env("RUST_LOG", "error")
        .spawn()
        .expect("spawn registrar serve");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("listening on http://127.0.0.1:") {
                let _ = tx.send(line);
            }
        }
    });
    let line = rx.recv_timeout(Duration::from_secs(30));
    terminate(&mut child);
    assert!(
        line.is_ok(),
        "RUST_LOG=error must not silence the ready line"
    );
}
