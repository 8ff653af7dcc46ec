//! The CLI contract (§2), against the real binary: `tenant create` output,
//! the ready line, port 0, and graceful shutdown.

use crate::support::process::{BIN, Server, serve_command, tenant_create, terminate};
use crate::support::*;
use reqwest::StatusCode;
use std::io::{BufRead, BufReader};
use std::process::Command;
use std::time::Duration;

#[tokio::test]
async fn tenant_create_serve_on_port_zero_token_and_sigterm() {
    let db = TestDb::fresh().await;
    let first = tenant_create(&db.url, "acme");
    let mut server = Server::start(&db.url, &[]);
    let base = server.base.clone();
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
    let status = terminate(&mut server.child);
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

#[tokio::test]
async fn json_log_format_writes_one_json_object_per_line() {
    let db = TestDb::fresh().await;
    let mut server = Server::start(&db.url, &["--log-format", "json"]);
    let res = reqwest::get(format!("{}/health", server.base))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let request_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    server.wait_for_log_lines(&request_id, 1);
    assert!(server.terminate(), "exit 0 after SIGTERM");
    let lines = server.logs.lock().unwrap().clone();
    assert!(
        lines.len() >= 2,
        "the ready line and an access line: {lines:?}"
    );
    let mut events = Vec::new();
    for line in &lines {
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("a stderr line is not one JSON object ({e}): {line}"));
        assert!(v.is_object(), "{line}");
        for field in ["timestamp", "level", "target"] {
            assert!(v[field].is_string(), "{field} missing in {line}");
        }
        events.push(v);
    }
    assert!(
        events
            .iter()
            .any(|v| v.to_string().contains("listening on http://127.0.0.1:")),
        "the ready line is a JSON object too: {lines:?}"
    );
    let access = events
        .iter()
        .find(|v| v["request_id"] == request_id.as_str())
        .unwrap_or_else(|| panic!("no access line for {request_id}: {lines:?}"));
    assert_eq!(access["target"], "registrar::access", "{access}");
    assert_eq!(access["method"], "GET", "{access}");
    assert_eq!(access["route"], "/health", "{access}");
    assert_eq!(access["status"], 200, "{access}");
    let latency: f64 = access["latency_ms"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("latency_ms is a decimal: {access}"));
    assert!(latency >= 0.0, "{access}");
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

#[tokio::test]
async fn the_ready_line_survives_a_quiet_log_filter() {
    let db = TestDb::fresh().await;
    let mut child = serve_command(&db.url)
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
