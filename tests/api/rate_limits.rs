//! Rate limits (contract §4) with low limits: Tier 1 for GETs, Tier 2 for
//! other management methods, per caller and tenant; the token endpoint per
//! client. Each test sends requests until the first 429 (bounded), so it
//! never depends on how fast the machine is: the whole allowance is usable
//! at once, and only a 20-second pause between two requests could refill it.

use crate::support::process::Server;
use crate::support::*;
use registrar::ops::OpsConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn limited_app(tier1: u32, tier2: u32) -> TestApp {
    TestApp::spawn_with_ops(
        test_settings(),
        OpsConfig {
            rate_limit_tier1: tier1,
            rate_limit_tier2: tier2,
            ..Default::default()
        },
    )
    .await
}

fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()
        .get("retry-after")
        .expect("a 429 carries Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After is whole seconds")
}

/// Sends `make()` until the first 429 (at most `max` times); returns how
/// many succeeded before it, the 429's Retry-After and its body.
async fn until_limited<F>(max: usize, make: F) -> (usize, u64, Value)
where
    F: Fn() -> reqwest::RequestBuilder,
{
    for i in 0..max {
        let res = make().send().await.unwrap();
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            let secs = retry_after(&res);
            let (_, body) = read(res).await;
            return (i, secs, body);
        }
        assert!(res.status().is_success(), "request {i}: {}", res.status());
    }
    panic!("no 429 after {max} requests");
}

#[tokio::test]
async fn gets_over_tier1_get_429_with_retry_after_and_the_error_body() {
    let app = limited_app(3, 1000).await;
    let (ok, secs, body) = until_limited(10, || {
        app.http
            .get(app.url("/api/core/oauth-clients"))
            .bearer_auth(&app.admin.token)
    })
    .await;
    assert_eq!(ok, 3, "the whole per-minute allowance is usable at once");
    assert!((1..=60).contains(&secs), "Retry-After {secs}");
    assert_error_code(StatusCode::TOO_MANY_REQUESTS, &body, "HTTP-429");
    // Tier 2 has its own allowance, and so has every other caller.
    let c = app.web_client(&app.admin.token, "still allowed").await;
    assert!(c["clientId"].is_string());
    let other = app.new_tenant("globex").await;
    let (status, _) = app.list(&other.token, "").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "another tenant's caller is not limited"
    );
}

#[tokio::test]
async fn writes_count_against_tier2_per_caller() {
    let app = limited_app(1000, 3).await;
    // A second caller in the same tenant (its creation is the admin's first write).
    let second = app
        .token_with_scopes(&app.admin, &["oauth-clients:write"])
        .await;
    let (ok, _, body) = until_limited(10, || {
        app.http
            .post(app.url("/api/core/oauth-clients"))
            .bearer_auth(&app.admin.token)
            .json(&json!({"appType":"spa","clientName":"x"}))
    })
    .await;
    assert_eq!(ok, 2, "three writes per minute, one already spent");
    assert_eq!(body["errors"][0]["code"], "HTTP-429");
    // PATCH and DELETE are Tier 2 too; GET is not.
    let (status, _) = app.list(&app.admin.token, "").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .delete_client(&app.admin.token, "0123456789abcdefghijklmnopqrstuv")
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // The other caller of the same tenant has its own allowance.
    let (status, c) = app
        .create_client(&second, json!({"appType":"spa","clientName":"y"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
}

#[tokio::test]
async fn token_endpoint_is_limited_per_authenticated_client() {
    // The admin's token at start-up spent one of its three.
    let app = limited_app(1000, 3).await;
    let c = app.web_client(&app.admin.token, "other").await;
    let (ok, secs, body) = until_limited(10, || {
        app.http
            .post(app.url("/oauth/token"))
            .basic_auth(&app.admin.client_id, Some(&app.admin.client_secret))
            .form(&[("grant_type", "client_credentials")])
    })
    .await;
    assert_eq!(ok, 2);
    assert!(secs >= 1);
    assert_eq!(
        body["error"], "temporarily_unavailable",
        "an RFC 6749 body: {body}"
    );
    // A wrong secret is still just invalid_client: only authenticated
    // requests are counted, so nobody can spend another client's allowance.
    let (status, body) = app.token_request(&app.admin.client_id, "wrong", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, body) = app
        .token_request(
            c["clientId"].as_str().unwrap(),
            c["clientSecret"].as_str().unwrap(),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "another client is not limited: {body}"
    );
}

#[tokio::test]
async fn zero_disables_the_limits() {
    let app = limited_app(0, 0).await;
    for i in 0..40 {
        let (status, _) = app.list(&app.admin.token, "").await;
        assert_eq!(status, StatusCode::OK, "request {i}");
    }
}

#[tokio::test]
async fn serve_options_set_the_limits() {
    let db = TestDb::fresh().await;
    let admin = crate::support::process::tenant_create(&db.url, "acme");
    let server = Server::start(
        &db.url,
        &["--rate-limit-tier1", "2", "--rate-limit-tier2", "0"],
    );
    let http = reqwest::Client::new();
    let token = crate::support::process::token(
        &http,
        &server.base,
        admin["clientId"].as_str().unwrap(),
        admin["clientSecret"].as_str().unwrap(),
    )
    .await;
    let (ok, _, body) = until_limited(10, || {
        http.get(format!("{}/api/core/oauth-clients", server.base))
            .bearer_auth(&token)
    })
    .await;
    assert_eq!(ok, 2);
    assert_eq!(body["errors"][0]["code"], "HTTP-429");
}
