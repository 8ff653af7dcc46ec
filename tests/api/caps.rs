//! Caps and work before limits (contract §4, issue 12 point 4): at most 100
//! scopes, RSA keys of at most 4096 bits with e = 65537, two candidate keys
//! without `kid`, a client's rate limit checked before its assertion's `jti`
//! is written, introspection and revocation limited, failed authentications
//! counted per remote address, and a per-tenant quota of clients decided by
//! one statement.

use crate::support::keys::{ClientKey, key_client, post_assertion};
use crate::support::*;
use jsonwebtoken::Algorithm;
use registrar::ops::OpsConfig;
use registrar::state::Settings;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn scopes(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("scope:{i}")).collect()
}

#[tokio::test]
async fn at_most_100_scopes_are_allowed_or_requested() {
    let app = spawn_app().await;
    let body = |n| json!({"appType":"web","clientName":"many","allowedGrantTypes":["client_credentials"],"allowedScopes":scopes(n)});
    let (status, err) = app.create_client(&app.admin.token, body(101)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["errors"][0]["code"], "OAUTH-CLIENTS-2");
    assert!(
        err["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("allowedScopes: must hold at most 100"),
        "{err}"
    );
    let (status, c) = app.create_client(&app.admin.token, body(100)).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let (id, secret) = (
        c["clientId"].as_str().unwrap(),
        c["clientSecret"].as_str().unwrap(),
    );
    // A patch to 101 is refused the same way.
    let (status, err) = app
        .patch(
            &app.admin.token,
            id,
            json!([{"op":"replace","path":"/allowedScopes","value":scopes(101)}]),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    // All 100 may be requested; a 101st (even a repeat) is too many.
    let (status, tok) = app
        .token_request(id, secret, Some(&scopes(100).join(" ")))
        .await;
    assert_eq!(status, StatusCode::OK, "{tok}");
    let too_many = format!("{} scope:0", scopes(100).join(" "));
    let (status, err) = app.token_request(id, secret, Some(&too_many)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["error"], "invalid_scope");
}

#[tokio::test]
async fn rsa_keys_are_2048_to_4096_bits_with_e_65537() {
    use base64::Engine as _;
    let app = spawn_app().await;
    let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let key = |bytes: usize, e: &str| {
        let mut n = vec![0xC1u8; bytes];
        n[bytes - 1] |= 1;
        json!({"kty":"RSA","use":"sig","alg":"RS256","kid":"k","n":enc.encode(&n),"e":e})
    };
    let client = |k: Value| json!({"appType":"web","clientName":"k","allowedAuthMethods":["private_key_jwt"],"publicKeys":[k]});
    for (name, k, field) in [
        ("8192 bits", key(1024, "AQAB"), "publicKeys[0].n"),
        ("4104 bits", key(513, "AQAB"), "publicKeys[0].n"),
        ("e = 3", key(256, "Aw"), "publicKeys[0].e"),
        ("e = 2^32 + 1", key(256, "AQAAAAE"), "publicKeys[0].e"),
    ] {
        let (status, err) = app.create_client(&app.admin.token, client(k)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {err}");
        let detail = err["errors"][0]["detail"].as_str().unwrap();
        assert!(detail.starts_with(field), "{name}: {detail}");
    }
    let (status, c) = app
        .create_client(&app.admin.token, client(key(512, "AQAB")))
        .await;
    assert_eq!(status, StatusCode::CREATED, "4096 bits: {c}");
}

#[tokio::test]
async fn without_kid_at_most_two_keys_are_tried() {
    let app = spawn_app().await;
    let keys = [
        ClientKey::rsa("k1", Algorithm::RS256),
        ClientKey::rsa("k2", Algorithm::RS256),
        ClientKey::rsa("k3", Algorithm::RS256),
    ];
    let c = key_client(&app, &["private_key_jwt"], &[&keys[0], &keys[1], &keys[2]]).await;
    let id = c["clientId"].as_str().unwrap();
    let url = app.url("/oauth/token");
    let grant = [("grant_type", "client_credentials")];
    let no_kid = |k: &ClientKey| {
        let mut h = k.header();
        h.kid = None;
        k.sign_with(&h, &crate::support::keys::claims(id, &url))
    };
    for (i, expected) in [
        (0, StatusCode::OK),
        (1, StatusCode::OK),
        (2, StatusCode::UNAUTHORIZED),
    ] {
        let (status, body) = post_assertion(&app, &url, None, &no_kid(&keys[i]), &grant).await;
        assert_eq!(status, expected, "key {} without kid: {body}", i + 1);
    }
    let (status, body) =
        post_assertion(&app, &url, None, &keys[2].assertion(id, &url), &grant).await;
    assert_eq!(status, StatusCode::OK, "the third key with its kid: {body}");
}

/// A server with the given rate limits (0 disables).
async fn limited(tier2: u32, failures: u32) -> TestApp {
    TestApp::spawn_with_ops(
        test_settings(),
        OpsConfig {
            rate_limit_tier2: tier2,
            auth_failures_per_minute: failures,
            ..Default::default()
        },
    )
    .await
}

/// Rows of `client_assertion_jtis` for one client.
async fn stored_jtis(app: &TestApp, client: &str) -> i64 {
    let sql = "SELECT count(*) FROM client_assertion_jtis WHERE client_id = $1";
    if is_postgres() {
        let pool = sqlx::PgPool::connect(&app.db.url).await.unwrap();
        let n = sqlx::query_scalar(sql)
            .bind(client)
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        n
    } else {
        let pool = sqlx::SqlitePool::connect(&app.db.url).await.unwrap();
        let n = sqlx::query_scalar(sql)
            .bind(client)
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        n
    }
}

#[tokio::test]
async fn a_client_over_its_limit_writes_no_jti() {
    // The admin's two tokens (setup) use other buckets: 2 per client here.
    let app = limited(2, 0).await;
    let key = ClientKey::ec("e");
    let c = key_client(&app, &["private_key_jwt"], &[&key]).await;
    let id = c["clientId"].as_str().unwrap();
    let url = app.url("/oauth/token");
    let grant = [("grant_type", "client_credentials")];
    for _ in 0..2 {
        let (status, body) =
            post_assertion(&app, &url, None, &key.assertion(id, &url), &grant).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    assert_eq!(stored_jtis(&app, id).await, 2);
    let (status, body) = post_assertion(&app, &url, None, &key.assertion(id, &url), &grant).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"], "temporarily_unavailable");
    assert_eq!(
        stored_jtis(&app, id).await,
        2,
        "the refused assertion's jti was not written"
    );
}

#[tokio::test]
async fn introspection_and_revocation_are_limited_per_client_in_buckets_of_their_own() {
    let app = limited(2, 0).await;
    let c = app.web_client(&app.admin.token, "rs").await;
    let (id, secret) = (
        c["clientId"].as_str().unwrap(),
        c["clientSecret"].as_str().unwrap(),
    );
    let token = app.token(id, secret, None).await;
    for path in ["/oauth/introspect", "/oauth/revoke"] {
        let call = || {
            app.http
                .post(app.url(path))
                .basic_auth(id, Some(secret))
                .form(&[("token", "x.y.z")])
                .send()
        };
        for _ in 0..2 {
            assert_eq!(call().await.unwrap().status(), StatusCode::OK, "{path}");
        }
        let res = call().await.unwrap();
        assert!(res.headers().contains_key("retry-after"), "{path}");
        let (status, body) = read(res).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{path}: {body}");
        assert_eq!(body["error"], "temporarily_unavailable");
    }
    // The token bucket is its own: one token request is still left.
    let (status, body) = app.token_request(id, secret, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    drop(token);
}

#[tokio::test]
async fn an_address_that_fails_to_authenticate_too_often_is_refused_for_a_while() {
    let app = limited(0, 3).await;
    let wrong = |app: &TestApp| {
        app.http
            .post(app.url("/oauth/token"))
            .basic_auth(&app.admin.client_id, Some("wrong"))
            .form(&[("grant_type", "client_credentials")])
            .send()
    };
    for _ in 0..3 {
        assert_eq!(
            wrong(&app).await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // Refused now, even with the right secret, and told when to come back.
    let res = app
        .http
        .post(app.url("/oauth/token"))
        .basic_auth(&app.admin.client_id, Some(&app.admin.client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0);
    let (status, body) = read(res).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"], "temporarily_unavailable");
    // The management API refuses the address too (the same count), with its
    // own error body.
    let (status, body) = app.list(&app.admin.token, "").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_error(&body, status);
    assert_eq!(body["errors"][0]["code"], "HTTP-429");
    assert_eq!(body["errors"][0]["title"], "API rate limit reached.");
    // Another address is not.
    let other = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let res = other
        .get(app.url("/api/core/oauth-clients"))
        .bearer_auth(&app.admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn refused_bearer_tokens_count_against_the_address() {
    let app = limited(0, 2).await;
    for _ in 0..2 {
        let (status, _) = app.list("not.a.token", "").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = app.list(&app.admin.token, "").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(
        body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("too many refused access tokens from this address"),
        "{body}"
    );
}

#[tokio::test]
async fn a_tenant_has_at_most_its_quota_of_clients_even_under_concurrent_creates() {
    let app = TestApp::spawn_with(Settings {
        max_clients_per_tenant: 12,
        ..test_settings()
    })
    .await;
    // The admin client is one of the twelve; 20 creates race for 11 places.
    let url = app.url("/api/core/oauth-clients");
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (http, url, token) = (app.http.clone(), url.clone(), app.admin.token.clone());
            tokio::spawn(async move {
                let body = json!({"appType":"spa","clientName":format!("c{i}")});
                read(
                    http.post(url)
                        .bearer_auth(token)
                        .json(&body)
                        .send()
                        .await
                        .unwrap(),
                )
                .await
            })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let created: Vec<&Value> = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(created.len(), 11, "exactly the free places were taken");
    for (status, body) in results.iter().filter(|(s, _)| *s != StatusCode::CREATED) {
        assert_error_code(*status, body, "OAUTH-CLIENTS-14");
    }
    let (_, page) = app
        .list(&app.admin.token, "totalResults=true&limit=1")
        .await;
    assert_eq!(page["totalResults"], 12);
    // Another tenant has its own quota; a deletion frees a place.
    let other = app.new_tenant("other").await;
    let (status, _) = app
        .create_client(&other.token, json!({"appType":"spa","clientName":"x"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let gone = created[0]["clientId"].as_str().unwrap();
    assert_eq!(
        app.delete_client(&app.admin.token, gone).await.0,
        StatusCode::NO_CONTENT
    );
    let (status, body) = app
        .create_client(
            &app.admin.token,
            json!({"appType":"spa","clientName":"again"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}
