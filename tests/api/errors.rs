//! Framework-level errors carry the reference's error body too: unknown
//! routes, wrong methods, and the request id.

use crate::support::*;
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn unknown_route_is_404_with_error_body() {
    let app = spawn_app().await;
    for path in [
        "/nope",
        "/api/core/oauth-clients/abc/extra/deep",
        "/api/core/other",
    ] {
        let res = app
            .http
            .get(app.url(path))
            .bearer_auth(&app.admin.token)
            .send()
            .await
            .unwrap();
        let (status, body) = read(res).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_error(&body, StatusCode::NOT_FOUND);
        assert_eq!(body["errors"][0]["code"], "HTTP-404");
    }
}

#[tokio::test]
async fn wrong_method_is_405_with_allow_header_and_body() {
    let app = spawn_app().await;
    let cases = [
        (Method::PUT, "/api/core/oauth-clients"),
        (Method::DELETE, "/api/core/oauth-clients"),
        (Method::TRACE, "/api/core/oauth-clients"),
        (
            Method::PUT,
            "/api/core/oauth-clients/0123456789abcdefghij0123456789ab",
        ),
        (
            Method::GET,
            "/api/core/oauth-clients/0123456789abcdefghij0123456789ab/client-secrets",
        ),
        (
            Method::from_bytes(b"FROB").unwrap(),
            "/api/core/oauth-clients",
        ),
        (Method::GET, "/oauth/token"),
    ];
    for (method, path) in cases {
        let res = app
            .http
            .request(method.clone(), app.url(path))
            .bearer_auth(&app.admin.token)
            .send()
            .await
            .unwrap();
        let allow = res
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_owned());
        let (status, body) = read(res).await;
        assert_eq!(
            status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}: {body}"
        );
        assert_error(&body, StatusCode::METHOD_NOT_ALLOWED);
        let allow = allow.unwrap_or_else(|| panic!("{method} {path}: no Allow header"));
        assert!(!allow.contains(method.as_str()), "{allow}");
    }
}

#[tokio::test]
async fn trace_id_matches_the_request_id_header() {
    let app = spawn_app().await;
    let res = app
        .http
        .get(app.url("/api/core/oauth-clients/x"))
        .bearer_auth(&app.admin.token)
        .send()
        .await
        .unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let (_, body) = read(res).await;
    assert_eq!(body["traceId"], id);
    let res = app.http.get(app.url("/health")).send().await.unwrap();
    assert!(
        res.headers().contains_key("x-request-id"),
        "successes carry a request id too"
    );
}

#[tokio::test]
async fn health_answers_without_a_token() {
    let app = spawn_app().await;
    let (status, body) = read(app.http.get(app.url("/health")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
}
