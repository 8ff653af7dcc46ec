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
        let ids: Vec<&str> = list["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["clientId"].as_str())
            .collect();
        assert_eq!(ids.len(), 2, "the admin client and the console: {list}");
        assert!(
            ids.contains(&t["clientId"].as_str().unwrap()),
            "each tenant sees its own admin client: {list}"
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

#[test]
fn json_log_format_writes_one_json_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("r.db").display());
    let mut server = Server::start(&db, &["--log-format", "json"]);
    assert!(server.base.starts_with("http://127.0.0.1:"));
    terminate(&mut server.child);
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
    let mut child = serve_command(&db)
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
