//! `GET /metrics`: Prometheus text with request counts and latency
//! histograms by route and status, tokens issued, authentication failures,
//! connections and pool statistics.

use crate::support::*;
use reqwest::StatusCode;

async fn scrape(app: &TestApp) -> String {
    let res = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    res.text().await.unwrap()
}

fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|r| r.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no series `{series}` in\n{text}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn metrics_count_requests_tokens_and_authentication_failures() {
    let app = spawn_app().await;
    let before = scrape(&app).await;
    // The harness got the admin's token at start-up.
    assert_eq!(value(&before, "registrar_tokens_issued_total"), 1.0);

    app.web_client(&app.admin.token, "a").await;
    app.web_client(&app.admin.token, "b").await;
    let (status, _) = app.get_client(&app.admin.token, "nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.list("not-a-token", "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app.token_request(&app.admin.client_id, "wrong", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.token(&app.admin.client_id, &app.admin.client_secret, None)
        .await;

    let text = scrape(&app).await;
    let create = r#"route="/api/core/oauth-clients",method="POST",status="201""#;
    assert_eq!(
        value(&text, &format!("http_requests_total{{{create}}}")),
        2.0
    );
    assert_eq!(
        value(
            &text,
            &format!("http_request_duration_seconds_count{{{create}}}")
        ),
        2.0
    );
    assert_eq!(
        value(
            &text,
            &format!("http_request_duration_seconds_bucket{{{create},le=\"+Inf\"}}")
        ),
        2.0
    );
    let get404 = r#"route="/api/core/oauth-clients/{id}",method="GET",status="404""#;
    assert_eq!(
        value(&text, &format!("http_requests_total{{{get404}}}")),
        1.0
    );
    assert_eq!(value(&text, "registrar_tokens_issued_total"), 2.0);
    assert_eq!(
        value(
            &text,
            r#"registrar_authentication_failures_total{api="management"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &text,
            r#"registrar_authentication_failures_total{api="oauth"}"#
        ),
        1.0
    );
    assert!(value(&text, "registrar_http_connections_open") >= 1.0);
    assert_eq!(value(&text, "registrar_http_connections_max"), 1024.0);
    assert!(
        text.lines()
            .any(|l| l.starts_with("registrar_db_pool_max_connections{pool=")),
        "pool statistics are exported"
    );
    // Every sample line is `name{labels} value` or `name value`.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (_, v) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("bad line {line}"));
        assert!(v.parse::<f64>().is_ok(), "bad value in {line}");
    }
}
