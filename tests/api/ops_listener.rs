//! `--ops-listen` (issue 12, point 8): `/metrics` on a separate listener,
//! 404 on the main one; `/health` stays public.

use crate::support::process::Server;
use crate::support::*;
use reqwest::StatusCode;

/// The address of the operations listener, from its start-up line.
fn ops_address(server: &Server) -> String {
    let lines = server.wait_for_log_lines("operations listener", 1);
    let line = lines
        .iter()
        .find(|l| l.contains("operations listener"))
        .unwrap_or_else(|| panic!("no operations listener line in {lines:#?}"));
    let at = line.find("on http://").expect("an address") + "on ".len();
    line[at..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '"')
        .collect()
}

#[tokio::test]
async fn ops_listen_moves_metrics_off_the_main_listener() {
    let db = TestDb::fresh().await;
    let server = Server::start(&db.url, &["--ops-listen", "127.0.0.1:0"]);
    let ops = ops_address(&server);
    assert_ne!(ops, server.base);
    let http = reqwest::Client::new();

    let (status, body) = read(
        http.get(format!("{}/metrics", server.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_error(&body, status);
    assert_eq!(body["errors"][0]["code"], "HTTP-404");

    let res = http.get(format!("{ops}/metrics")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    assert!(text.contains("http_requests_total"), "{text}");
    assert!(text.contains("registrar_http_connections_open"), "{text}");

    for base in [&server.base, &ops] {
        let res = http.get(format!("{base}/health")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "/health on {base}");
    }
    // The operations listener serves nothing else.
    let res = http
        .get(format!("{ops}/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_ops_listen_metrics_stay_on_the_main_listener() {
    let db = TestDb::fresh().await;
    let server = Server::start(&db.url, &[]);
    let res = reqwest::get(format!("{}/metrics", server.base))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}
