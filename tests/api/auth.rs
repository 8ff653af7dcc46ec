//! Contract §3: bearer tokens, scopes, tenant isolation.

use crate::support::*;
use registrar::domain::time::Timestamp;
use registrar::signing::AccessClaims;
use registrar::signing::KeyRing;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// The claims of the admin's own token (what it was issued on, so they pass
/// the liveness check), with a new expiry and id.
fn claims(app: &TestApp, exp_offset: i64) -> AccessClaims {
    let now = Timestamp::now().unix_seconds();
    let payload = app.admin.token.split('.').nth(1).unwrap();
    let mut claims: AccessClaims = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
            .unwrap(),
    )
    .unwrap();
    claims.exp = now + exp_offset;
    claims.iat = now - 10;
    claims.jti = "test-jti".into();
    claims
}

async fn assert_401(app: &TestApp, auth: Option<&str>, why: &str) {
    let mut req = app.http.get(app.url("/api/core/oauth-clients"));
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let res = req.send().await.unwrap();
    let challenge = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let (status, body) = read(res).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{why}: {body}");
    assert_error(&body, StatusCode::UNAUTHORIZED);
    assert!(
        challenge.is_some_and(|c| c.starts_with("Bearer")),
        "{why}: WWW-Authenticate: Bearer expected"
    );
}

#[tokio::test]
async fn missing_malformed_and_forged_tokens_are_401() {
    let app = spawn_app().await;
    let ring = KeyRing::load_or_create(app.store.clone(), 21600)
        .await
        .unwrap();
    let good = claims(&app, 600);
    let expired = ring.sign("at+jwt", &claims(&app, -60)).unwrap();
    let wrong_typ = ring.sign("JWT", &good).unwrap();
    let mut other_iss = good.clone();
    other_iss.iss = "https://evil.example".into();
    let other_iss = ring.sign("at+jwt", &other_iss).unwrap();
    let mut other_aud = good.clone();
    other_aud.aud = "https://elsewhere.example".into();
    let other_aud = ring.sign("at+jwt", &other_aud).unwrap();
    // Same claims, signed by a key this server never had.
    // Another server's database, on this target's backend.
    let foreign_db = TestDb::fresh().await;
    let foreign_store = registrar::store::Store::connect(&foreign_db.url, &Default::default())
        .await
        .unwrap();
    let foreign = KeyRing::load_or_create(foreign_store, 21600)
        .await
        .unwrap()
        .sign("at+jwt", &good)
        .unwrap();
    let valid = ring.sign("at+jwt", &good).unwrap();
    let mut tampered = valid.clone();
    tampered.pop();
    tampered.push(if valid.ends_with('A') { 'B' } else { 'A' });

    assert_401(&app, None, "no header").await;
    assert_401(&app, Some("Bearer"), "empty bearer").await;
    assert_401(&app, Some("Basic YTpi"), "basic scheme").await;
    assert_401(&app, Some("Bearer not.a.jwt"), "garbage").await;
    assert_401(&app, Some(&format!("Bearer {expired}")), "expired").await;
    assert_401(&app, Some(&format!("Bearer {wrong_typ}")), "typ JWT").await;
    assert_401(&app, Some(&format!("Bearer {other_iss}")), "foreign issuer").await;
    assert_401(
        &app,
        Some(&format!("Bearer {other_aud}")),
        "foreign audience",
    )
    .await;
    assert_401(&app, Some(&format!("Bearer {foreign}")), "foreign key").await;
    assert_401(
        &app,
        Some(&format!("Bearer {tampered}")),
        "tampered signature",
    )
    .await;
    // The same claims, properly signed, are accepted: the checks above are what failed.
    let (status, _) = app.list(&valid, "").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn authentication_comes_before_routing_method_and_media_type() {
    let app = spawn_app().await;
    let cases = [
        (Method::GET, "/api/core/unknown"),
        (Method::PUT, "/api/core/oauth-clients"),
        (Method::POST, "/api/core/oauth-clients"),
        (
            Method::DELETE,
            "/api/core/oauth-clients/0123456789abcdefghij0123456789ab/client-secrets/abcde",
        ),
    ];
    for (m, path) in cases {
        let res = app
            .http
            .request(m.clone(), app.url(path))
            .header("content-type", "text/plain")
            .body("x")
            .send()
            .await
            .unwrap();
        let (status, body) = read(res).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{m} {path}: {body}");
        assert_error(&body, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn read_scope_allows_only_get_routes() {
    let app = spawn_app().await;
    let target = app.web_client(&app.admin.token, "target").await;
    let id = target["clientId"].as_str().unwrap();
    let hint = &target["clientSecret"].as_str().unwrap()[59..];
    let read_only = app
        .token_with_scopes(&app.admin, &["oauth-clients:read"])
        .await;

    assert_eq!(app.list(&read_only, "").await.0, StatusCode::OK);
    assert_eq!(app.get_client(&read_only, id).await.0, StatusCode::OK);
    let checks = [
        (
            "create",
            app.create_client(&read_only, json!({"appType":"spa","clientName":"x"}))
                .await,
        ),
        (
            "patch",
            app.patch(
                &read_only,
                id,
                json!([{"op":"replace","path":"/clientName","value":"y"}]),
            )
            .await,
        ),
        ("delete", app.delete_client(&read_only, id).await),
        ("add secret", app.add_secret(&read_only, id).await),
        (
            "delete secret",
            app.delete_secret(&read_only, id, hint).await,
        ),
    ];
    for (what, (status, body)) in checks {
        assert_eq!(status, StatusCode::FORBIDDEN, "{what}: {body}");
        assert_error(&body, StatusCode::FORBIDDEN);
    }
    let (_, still) = app.get_client(&app.admin.token, id).await;
    assert_eq!(still["clientName"], "target", "nothing changed");
}

#[tokio::test]
async fn write_scope_allows_reads_and_no_scope_allows_nothing() {
    let app = spawn_app().await;
    let write_only = app
        .token_with_scopes(&app.admin, &["oauth-clients:write"])
        .await;
    assert_eq!(app.list(&write_only, "").await.0, StatusCode::OK);
    assert_eq!(
        app.create_client(&write_only, json!({"appType":"spa","clientName":"w"}))
            .await
            .0,
        StatusCode::CREATED
    );
    let none = app.token_with_scopes(&app.admin, &["something:else"]).await;
    let (status, body) = app.list(&none, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

#[tokio::test]
async fn another_tenants_client_is_answered_as_missing_on_every_route() {
    let app = spawn_app().await;
    let other = app.new_tenant("other").await;
    let mine = app.web_client(&app.admin.token, "mine").await;
    let id = mine["clientId"].as_str().unwrap();
    let hint = &mine["clientSecret"].as_str().unwrap()[59..];

    let checks = [
        ("get", app.get_client(&other.token, id).await),
        (
            "patch",
            app.patch(
                &other.token,
                id,
                json!([{"op":"replace","path":"/clientName","value":"pwned"}]),
            )
            .await,
        ),
        ("delete", app.delete_client(&other.token, id).await),
        ("add secret", app.add_secret(&other.token, id).await),
        (
            "delete secret",
            app.delete_secret(&other.token, id, hint).await,
        ),
    ];
    for (what, (status, body)) in checks {
        assert_eq!(status, StatusCode::NOT_FOUND, "{what}: {body}");
        assert_eq!(
            body["errors"][0]["code"], "OAUTH-CLIENTS-10",
            "{what}: same answer as a missing client"
        );
    }
    let (_, list) = app
        .list(
            &other.token,
            "totalResults=true&filter=clientName%20eq%20%22mine%22",
        )
        .await;
    assert_eq!(list["data"], json!([]));
    assert_eq!(list["totalResults"], 0);
    let (_, list) = app.list(&other.token, "totalResults=true").await;
    assert_eq!(list["totalResults"], 1, "only its own admin client");
    let (status, c) = app.get_client(&app.admin.token, id).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(c["clientName"], "mine");
    assert_eq!(c["clientSecrets"].as_array().unwrap().len(), 1);
}
