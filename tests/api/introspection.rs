//! Contract §5: token introspection (RFC 7662) and revocation (RFC 7009):
//! client authentication, what is active, tenant isolation, and a revoked
//! token refused by the management API at once, on every instance.

use crate::support::keys::{ClientKey, key_client, post_assertion};
use crate::support::*;
use jsonwebtoken::Algorithm;
use registrar::domain::time::Timestamp;
use registrar::signing::AccessClaims;
use registrar::signing::KeyRing;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// POSTs `token` to `path` with HTTP Basic credentials.
async fn call(
    app: &TestApp,
    path: &str,
    id: &str,
    secret: &str,
    token: &str,
) -> (StatusCode, Value) {
    let res = app
        .http
        .post(app.url(path))
        .basic_auth(id, Some(secret))
        .form(&[("token", token), ("token_type_hint", "access_token")])
        .send()
        .await
        .unwrap();
    read(res).await
}

async fn introspect(app: &TestApp, who: &Tenant, token: &str) -> Value {
    let (status, body) = call(
        app,
        "/oauth/introspect",
        &who.client_id,
        &who.client_secret,
        token,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn revoke(app: &TestApp, id: &str, secret: &str, token: &str) {
    let (status, body) = call(app, "/oauth/revoke", id, secret, token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// A new `web` client of `tenant` with the read scope, as (id, secret, token).
async fn reader(app: &TestApp, tenant: &Tenant) -> (String, String, String) {
    let (status, c) = app
        .create_client(
            &tenant.token,
            json!({"appType":"web","clientName":"reader","allowedGrantTypes":["client_credentials"],"allowedScopes":["oauth-clients:read"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let (id, secret) = (
        c["clientId"].as_str().unwrap().to_owned(),
        c["clientSecret"].as_str().unwrap().to_owned(),
    );
    let token = app.token(&id, &secret, None).await;
    (id, secret, token)
}

#[tokio::test]
async fn introspection_reports_an_active_token_and_what_it_carries() {
    let app = spawn_app().await;
    let (id, _, token) = reader(&app, &app.admin).await;
    let res = app
        .http
        .post(app.url("/oauth/introspect"))
        .basic_auth(&app.admin.client_id, Some(&app.admin.client_secret))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    let (status, body) = read(res).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["active"], true, "{body}");
    assert_eq!(body["client_id"], id.as_str());
    assert_eq!(body["sub"], id.as_str());
    assert_eq!(body["scope"], "oauth-clients:read");
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["iss"], app.base.as_str());
    assert_eq!(body["aud"], app.base.as_str());
    assert_eq!(body["tenant_id"], app.admin.tenant_id.as_str());
    assert!(body["jti"].is_string());
    assert_eq!(
        body["exp"].as_i64().unwrap() - body["iat"].as_i64().unwrap(),
        21600
    );
}

#[tokio::test]
async fn introspection_answers_inactive_for_expired_revoked_unknown_forged_deleted_and_foreign_tokens()
 {
    let app = spawn_app().await;
    let admin = app.admin.clone();
    // Expired: properly signed by this server, but past its exp.
    let ring = KeyRing::load_or_create(app.store.clone(), 21600)
        .await
        .unwrap();
    let now = Timestamp::now().unix_seconds();
    let expired = ring
        .sign(
            "at+jwt",
            &AccessClaims {
                iss: app.base.clone(),
                sub: admin.client_id.clone(),
                aud: app.base.clone(),
                exp: now - 60,
                iat: now - 600,
                jti: "expired".into(),
                client_id: admin.client_id.clone(),
                scope: "oauth-clients:read".into(),
                tenant_id: admin.tenant_id.clone(),
                ..Default::default()
            },
        )
        .unwrap();
    let (id, secret, revoked) = reader(&app, &admin).await;
    revoke(&app, &id, &secret, &revoked).await;
    let (deleted_id, _, deleted) = reader(&app, &admin).await;
    let (status, _) = app.delete_client(&admin.token, &deleted_id).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Another server's database, on this target's backend.
    let foreign_db = TestDb::fresh().await;
    let foreign_store = registrar::store::Store::connect(&foreign_db.url, &Default::default())
        .await
        .unwrap();
    let (_, _, live) = reader(&app, &admin).await;
    let forged = {
        let foreign = KeyRing::load_or_create(foreign_store, 21600).await.unwrap();
        let parts: Vec<&str> = live.split('.').collect();
        let claims: AccessClaims = serde_json::from_slice(
            &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, parts[1])
                .unwrap(),
        )
        .unwrap();
        foreign.sign("at+jwt", &claims).unwrap()
    };
    let globex = app.new_tenant("globex").await;
    let (_, _, foreign_tenant) = reader(&app, &globex).await;
    let cases = [
        ("expired", expired.as_str()),
        ("revoked", revoked.as_str()),
        ("client deleted", deleted.as_str()),
        ("signed by another server", forged.as_str()),
        ("another tenant's token", foreign_tenant.as_str()),
        ("garbage", "not-a-token"),
        ("JWT-shaped garbage", "a.b.c"),
    ];
    for (why, token) in cases {
        let body = introspect(&app, &admin, token).await;
        assert_eq!(body, json!({"active": false}), "{why}");
    }
    // The checks above are what made them inactive: a live token of this
    // tenant is active, and the other tenant's token is active to its tenant.
    assert_eq!(introspect(&app, &admin, &live).await["active"], true);
    assert_eq!(
        introspect(&app, &globex, &foreign_tenant).await["active"],
        true
    );
}

#[tokio::test]
async fn a_revoked_token_is_refused_by_the_management_api_at_once_on_every_instance() {
    let app = spawn_app().await;
    let (other_base, other) = second_instance(&app).await;
    let (id, secret, token) = reader(&app, &app.admin).await;
    let (_, _, sibling) = reader(&app, &app.admin).await;
    let list_on = |base: String, t: String| {
        let http = app.http.clone();
        async move {
            let res = http
                .get(format!("{base}/api/core/oauth-clients"))
                .bearer_auth(t)
                .send()
                .await
                .unwrap();
            let challenge = res
                .headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap().to_owned());
            let (status, body) = read(res).await;
            (status, body, challenge)
        }
    };
    for base in [app.base.clone(), other_base.clone()] {
        assert_eq!(list_on(base, token.clone()).await.0, StatusCode::OK);
    }
    revoke(&app, &id, &secret, &token).await;
    for base in [app.base.clone(), other_base.clone()] {
        let (status, body, challenge) = list_on(base.clone(), token.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{base}: {body}");
        assert_error(&body, StatusCode::UNAUTHORIZED);
        assert!(challenge.is_some_and(|c| c.starts_with("Bearer")));
        // Other tokens, even of the same client's tenant, are untouched.
        assert_eq!(list_on(base, sibling.clone()).await.0, StatusCode::OK);
    }
    // Revoking again is harmless; the client gets new tokens as usual.
    revoke(&app, &id, &secret, &token).await;
    let fresh = app.token(&id, &secret, None).await;
    assert_eq!(app.list(&fresh, "").await.0, StatusCode::OK);
    other.abort();
}

#[tokio::test]
async fn a_client_revokes_only_its_own_tokens() {
    let app = spawn_app().await;
    let (a_id, a_secret, _) = reader(&app, &app.admin).await;
    let (_, _, b_token) = reader(&app, &app.admin).await;
    let globex = app.new_tenant("globex").await;
    // 200 without effect: the caller learns nothing about others' tokens.
    revoke(&app, &a_id, &a_secret, &b_token).await;
    revoke(&app, &a_id, &a_secret, &globex.token).await;
    revoke(&app, &globex.client_id, &globex.client_secret, &b_token).await;
    assert_eq!(app.list(&b_token, "").await.0, StatusCode::OK);
    assert_eq!(app.list(&globex.token, "").await.0, StatusCode::OK);
    assert_eq!(introspect(&app, &app.admin, &b_token).await["active"], true);
}

#[tokio::test]
async fn both_endpoints_need_client_authentication_and_a_token() {
    let app = spawn_app().await;
    let admin = app.admin.clone();
    for path in ["/oauth/introspect", "/oauth/revoke"] {
        let res = app
            .http
            .post(app.url(path))
            .form(&[("token", admin.token.as_str())])
            .send()
            .await
            .unwrap();
        let (status, body) = read(res).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_client")),
            "{path}"
        );
        let res = app
            .http
            .post(app.url(path))
            .basic_auth(&admin.client_id, Some("wrong"))
            .form(&[("token", admin.token.as_str())])
            .send()
            .await
            .unwrap();
        assert!(
            res.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Basic"),
            "{path}"
        );
        let (status, body) = read(res).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_client")),
            "{path}"
        );
        // A bearer token is not client authentication.
        let res = app
            .http
            .post(app.url(path))
            .bearer_auth(&admin.token)
            .form(&[("token", admin.token.as_str())])
            .send()
            .await
            .unwrap();
        let (status, _) = read(res).await;
        assert!(
            status.is_client_error(),
            "{path}: bearer auth refused, got {status}"
        );
        let res = app
            .http
            .post(app.url(path))
            .basic_auth(&admin.client_id, Some(&admin.client_secret))
            .form(&[("token_type_hint", "access_token")])
            .send()
            .await
            .unwrap();
        let (status, body) = read(res).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_request")),
            "{path}"
        );
        let res = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
    }
    // Unknown tokens are revoked "successfully" (RFC 7009 §2.2).
    revoke(&app, &admin.client_id, &admin.client_secret, "not-a-token").await;
    // The admin's own token was never affected by the refused calls above.
    assert_eq!(introspect(&app, &admin, &admin.token).await["active"], true);
}

#[tokio::test]
async fn private_key_jwt_authenticates_introspection_and_revocation() {
    let app = spawn_app().await;
    let key = ClientKey::rsa("k", Algorithm::RS256);
    let c = key_client(&app, &["private_key_jwt"], &[&key]).await;
    let id = c["clientId"].as_str().unwrap();
    let token_url = app.url("/oauth/token");
    let (_, tok) = post_assertion(
        &app,
        &token_url,
        None,
        &key.assertion(id, &token_url),
        &[("grant_type", "client_credentials")],
    )
    .await;
    let token = tok["access_token"].as_str().unwrap();
    let introspect_url = app.url("/oauth/introspect");
    // The audience may be the endpoint called or the token endpoint.
    for aud in [&introspect_url, &token_url] {
        let (status, body) = post_assertion(
            &app,
            &introspect_url,
            Some(id),
            &key.assertion(id, aud),
            &[("token", token)],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["active"], true, "aud {aud}");
    }
    let revoke_url = app.url("/oauth/revoke");
    let (status, body) = post_assertion(
        &app,
        &revoke_url,
        None,
        &key.assertion(id, &revoke_url),
        &[("token", token)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.list(token, "").await.0, StatusCode::UNAUTHORIZED);
    // An assertion for another endpoint of this server is not accepted here.
    let (status, body) = post_assertion(
        &app,
        &revoke_url,
        None,
        &key.assertion(id, &app.url("/api/core/oauth-clients")),
        &[("token", token)],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
}
