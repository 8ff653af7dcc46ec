//! Server limits: header size and count, URI length, request time,
//! connections and the header read timeout, each with its error answer.

use crate::support::*;
use registrar::ops::OpsConfig;
use registrar::ops::limits::ServerLimits;
use reqwest::StatusCode;
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn host_port(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").to_owned()
}

#[tokio::test]
async fn large_header_sections_get_431_with_the_error_body() {
    let app = spawn_app().await;
    let big = "x".repeat(20 * 1024);
    let res = app
        .http
        .get(app.url("/api/core/oauth-clients"))
        .bearer_auth(&app.admin.token)
        .header("x-padding", &big)
        .send()
        .await
        .unwrap();
    let (status, body) = read(res).await;
    assert_eq!(status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert_error(&body, status);
    assert_eq!(body["errors"][0]["code"], "HTTP-431");

    let mut req = app.http.get(app.url("/health"));
    for i in 0..120 {
        req = req.header(format!("x-h{i}"), "v");
    }
    let (status, body) = read(req.send().await.unwrap()).await;
    assert_eq!(
        status,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "too many fields"
    );
    assert_error(&body, status);

    // The token service answers in its own (RFC 6749) form.
    let (status, body) = read(
        app.http
            .post(app.url("/oauth/token"))
            .header("x-padding", &big)
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert_eq!(body["error"], "invalid_request", "{body}");
}

#[tokio::test]
async fn long_uris_get_414_and_huge_headers_are_cut_off_by_the_parser() {
    let app = spawn_app().await;
    let q = "a".repeat(9000);
    let (status, body) = app.list(&app.admin.token, &format!("filter={q}")).await;
    assert_eq!(status, StatusCode::URI_TOO_LONG);
    assert_error(&body, status);

    // Beyond the parser's hard cap the HTTP layer itself refuses (no body).
    let res = app
        .http
        .get(app.url("/health"))
        .header("x-padding", "y".repeat(100 * 1024))
        .send()
        .await;
    if let Ok(res) = res {
        assert_eq!(res.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    }
    let (status, _) = read(app.http.get(app.url("/health")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "the server is fine afterwards");
}

#[tokio::test]
async fn a_request_over_the_time_limit_gets_503_with_the_error_body() {
    let app = TestApp::spawn_with_ops(
        test_settings(),
        OpsConfig {
            limits: ServerLimits {
                request_timeout: Duration::from_millis(300),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;
    // Hold the database's write lock so the create cannot finish.
    let lock = WriteLock::take(&app).await;
    let (status, body) = app
        .create_client(
            &app.admin.token,
            json!({"appType":"spa","clientName":"slow"}),
        )
        .await;
    assert_error_code(status, &body, "HTTP-503");
    assert!(
        body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("not completed within")
    );
    lock.release().await;
    // The timed-out request's `BEGIN` may still sit in SQLite's busy handler
    // until its next retry (up to 100 ms apart), and a loaded test machine
    // may take more of the 300 ms: a write may need a few tries, but the
    // server must serve writes again within a few seconds.
    let mut last = None;
    for _ in 0..10 {
        let (status, body) = app
            .create_client(
                &app.admin.token,
                json!({"appType":"spa","clientName":"fast"}),
            )
            .await;
        if status == StatusCode::CREATED {
            return;
        }
        assert_error_code(status, &body, "HTTP-503");
        last = Some(body);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("writes never worked again after the lock was released: {last:?}");
}

/// An open write transaction on the test's database, from outside the server.
enum WriteLock {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl WriteLock {
    async fn take(app: &TestApp) -> WriteLock {
        use sqlx::Connection as _;
        if app.db.sqlite_path().is_some() {
            let mut c = sqlx::SqliteConnection::connect(&app.db.url).await.unwrap();
            sqlx::query("BEGIN IMMEDIATE")
                .execute(&mut c)
                .await
                .unwrap();
            WriteLock::Sqlite(c)
        } else {
            let pool = sqlx::PgPool::connect(&app.db.url).await.unwrap();
            let mut tx = pool.begin().await.unwrap();
            sqlx::query("LOCK TABLE clients IN ACCESS EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await
                .unwrap();
            WriteLock::Postgres(tx)
        }
    }
    async fn release(self) {
        match self {
            WriteLock::Sqlite(mut c) => {
                sqlx::query("ROLLBACK").execute(&mut c).await.unwrap();
            }
            WriteLock::Postgres(tx) => tx.rollback().await.unwrap(),
        }
    }
}

/// Reads until the peer closes the connection or `deadline` passes.
fn read_to_close(s: &mut TcpStream, deadline: Instant) -> (Vec<u8>, bool) {
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) => return (out, true),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return (out, true),
        }
    }
    (out, false)
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let app = TestApp::spawn_with_ops(
        test_settings(),
        OpsConfig {
            limits: ServerLimits {
                header_read_timeout: Duration::from_millis(500),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;
    let addr = host_port(&app);
    let closed = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n").unwrap();
        read_to_close(&mut s, Instant::now() + Duration::from_secs(30)).1
    })
    .await
    .unwrap();
    assert!(closed, "the server closed the slow connection");
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_until_one_closes() {
    let app = TestApp::spawn_with_ops(
        test_settings(),
        OpsConfig {
            limits: ServerLimits {
                max_connections: 1,
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;
    let addr = host_port(&app);
    let (served_while_held, served_after) = tokio::task::spawn_blocking(move || {
        // The first connection takes the only slot and keeps it.
        let holder = TcpStream::connect(&addr).unwrap();
        let mut waiting = TcpStream::connect(&addr).unwrap();
        waiting
            .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        // Nothing may come back while the slot is held. (A slow machine can
        // only make this pass more easily, never fail it wrongly.)
        let (early, _) = read_to_close(&mut waiting, Instant::now() + Duration::from_millis(700));
        drop(holder);
        let (late, _) = read_to_close(&mut waiting, Instant::now() + Duration::from_secs(30));
        (early, late)
    })
    .await
    .unwrap();
    assert!(
        served_while_held.is_empty(),
        "answered beyond the connection limit"
    );
    assert!(
        String::from_utf8_lossy(&served_after).starts_with("HTTP/1.1 200"),
        "served once a slot was free: {}",
        String::from_utf8_lossy(&served_after)
    );
}

#[tokio::test]
async fn serve_options_set_the_server_limits_and_are_documented_in_help() {
    let out = std::process::Command::new(crate::support::process::BIN)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for opt in [
        "--max-connections",
        "REGISTRAR_MAX_CONNECTIONS",
        "--request-timeout",
        "REGISTRAR_REQUEST_TIMEOUT",
    ] {
        assert!(help.contains(opt), "serve --help lacks {opt}");
    }
    let db = TestDb::fresh().await;
    let server = crate::support::process::Server::start(
        &db.url,
        &["--max-connections", "7", "--request-timeout", "5"],
    );
    let text = reqwest::get(format!("{}/metrics", server.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.lines()
            .any(|l| l == "registrar_http_connections_max 7"),
        "{text}"
    );
}
