//! Slow clients (issue 12, point 3): real clients over raw TCP that trickle
//! a request body one byte a second, hold connections from one address, or
//! sit idle on a keep-alive connection. The server keeps answering others
//! and cuts the slow ones.

use crate::support::*;
use registrar::ops::OpsConfig;
use registrar::ops::limits::ServerLimits;
use reqwest::StatusCode;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// Bytes a trickling client promises in `Content-Length` (it sends one a
/// second, so it would take this many seconds to finish).
const PROMISED: usize = 60;

/// What became of a trickling client.
#[derive(Debug)]
struct Trickled {
    /// The answer, if the server sent one (status line, headers and body).
    answer: Option<String>,
    /// Body bytes sent before the server answered or closed.
    sent: usize,
}

/// Sends a request's headers with `Content-Length: PROMISED`, then its body
/// one byte a second, until the server answers or closes the connection.
fn trickle(addr: &str, path: &str, bearer: Option<&str>) -> Trickled {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    let auth = bearer.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let content_type = if path.starts_with("/oauth") {
        "application/x-www-form-urlencoded"
    } else {
        "application/json"
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: {content_type}\r\nContent-Length: {PROMISED}\r\n\r\n"
    );
    s.write_all(head.as_bytes()).unwrap();
    let mut answer = Vec::new();
    for sent in 0..PROMISED {
        if s.write_all(b" ").is_err() {
            return Trickled { answer: None, sent };
        }
        // Waits a second for an answer: the trickle's pace.
        let mut buf = [0u8; 4096];
        match s.read(&mut buf) {
            Ok(0) => return finish(answer, sent),
            Ok(n) => {
                answer.extend_from_slice(&buf[..n]);
                // The rest of the answer, up to the close.
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                loop {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => return finish(answer, sent + 1),
                        Ok(n) => answer.extend_from_slice(&buf[..n]),
                    }
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return finish(answer, sent + 1),
        }
    }
    finish(answer, PROMISED)
}

fn finish(answer: Vec<u8>, sent: usize) -> Trickled {
    Trickled {
        answer: (!answer.is_empty()).then(|| String::from_utf8_lossy(&answer).into_owned()),
        sent,
    }
}

fn host_port(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").to_owned()
}

/// A client whose connections come from another loopback address
/// (127.0.0.2), so it is not counted with the slow clients of 127.0.0.1.
fn other_address_client() -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

#[tokio::test]
async fn trickling_bodies_are_cut_with_408_and_others_are_still_served() {
    // Four connections in all, and the four trickling clients come from one
    // address that may hold all of them: only the body timeout frees them.
    let app = TestApp::spawn_with_ops(
        test_settings(),
        OpsConfig {
            limits: ServerLimits {
                max_connections: 4,
                max_connections_per_address: 4,
                body_read_timeout: Duration::from_secs(2),
                request_timeout: Duration::from_secs(120),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;
    let addr = host_port(&app);
    let token = app.admin.token.clone();
    let slow: Vec<_> = (0..4)
        .map(|i| {
            let (addr, token) = (addr.clone(), token.clone());
            std::thread::spawn(move || {
                if i % 2 == 0 {
                    trickle(&addr, "/oauth/token", None)
                } else {
                    trickle(&addr, "/api/core/oauth-clients", Some(&token))
                }
            })
        })
        .collect();
    // Meanwhile another client is served: the trickling ones hold the four
    // connections only until their bodies time out.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let res = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
        .get(app.url("/health"))
        .send()
        .await
        .expect("/health answered while four clients trickle");
    assert_eq!(res.status(), StatusCode::OK);
    for (i, t) in slow.into_iter().enumerate() {
        let t = tokio::task::spawn_blocking(move || t.join().unwrap())
            .await
            .unwrap();
        assert!(
            t.sent < PROMISED,
            "client {i} was cut before finishing: {t:?}"
        );
        let answer = t
            .answer
            .unwrap_or_else(|| panic!("client {i} got no answer"));
        assert!(answer.starts_with("HTTP/1.1 408"), "client {i}: {answer}");
        assert!(
            answer.to_ascii_lowercase().contains("connection: close"),
            "{answer}"
        );
        if i % 2 == 0 {
            assert!(answer.contains("\"error\":\"invalid_request\""), "{answer}");
        } else {
            let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
            let body: serde_json::Value = serde_json::from_str(body)
                .unwrap_or_else(|e| panic!("client {i}: the body is not JSON ({e}): {answer}"));
            assert_error_code(StatusCode::REQUEST_TIMEOUT, &body, "HTTP-408");
        }
    }
}

#[tokio::test]
async fn one_address_cannot_take_every_connection() {
    let app = TestApp::spawn_with_ops(
        test_settings(),
        OpsConfig {
            limits: ServerLimits {
                max_connections: 4,
                max_connections_per_address: 2,
                body_read_timeout: Duration::from_secs(120),
                request_timeout: Duration::from_secs(120),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;
    let addr: std::net::SocketAddr = host_port(&app).parse().unwrap();
    // Four connections from 127.0.0.3 (nobody else's address here) that send
    // half a request and wait.
    let mut held = Vec::new();
    for _ in 0..4 {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.3:0".parse().unwrap()).unwrap();
        let mut s = socket.connect(addr).await.unwrap();
        let _ = s
            .write_all(b"POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 60\r\n\r\n")
            .await;
        let mut buf = [0u8; 64];
        let closed = match tokio::time::timeout(Duration::from_secs(3), s.read(&mut buf)).await {
            Err(_) => false,
            Ok(Ok(0) | Err(_)) => true,
            Ok(Ok(_)) => false,
        };
        held.push((s, closed));
    }
    let closed: Vec<bool> = held.iter().map(|(_, c)| *c).collect();
    assert_eq!(
        closed,
        vec![false, false, true, true],
        "the third and fourth connection of one address are closed at once"
    );
    // Another address still gets in while the two are held.
    let (status, _) = read(
        other_address_client()
            .get(app.url("/health"))
            .send()
            .await
            .expect("another address is served"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, metrics) = {
        let res = other_address_client()
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap();
        (res.status(), res.text().await.unwrap())
    };
    assert!(
        metrics.contains("registrar_http_connections_refused_total 2"),
        "{metrics}"
    );
    drop(held);
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_before_the_header_timeout() {
    let app = TestApp::spawn_with_ops(
        test_settings(),
        OpsConfig {
            limits: ServerLimits {
                keep_alive_timeout: Duration::from_secs(1),
                header_read_timeout: Duration::from_secs(60),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;
    let addr = host_port(&app);
    let (first, closed_after) = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(&addr).unwrap();
        s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut buf = [0u8; 4096];
        let n = s.read(&mut buf).unwrap();
        let first = String::from_utf8_lossy(&buf[..n]).into_owned();
        // Now idle: the server closes it after the keep-alive timeout, long
        // before the 60 s header timeout (or this read's 30 s).
        let start = Instant::now();
        let closed = matches!(s.read(&mut buf), Ok(0));
        (first, closed.then(|| start.elapsed()))
    })
    .await
    .unwrap();
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    let after = closed_after.expect("the idle connection was closed");
    assert!(
        after < Duration::from_secs(30),
        "closed by the keep-alive timeout: {after:?}"
    );
}
