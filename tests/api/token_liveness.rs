//! Contract §5: a token dies with what it was issued on. A token is refused
//! (management API 401, introspection inactive) once the secret or key that
//! obtained it is gone, once any of its scopes, its grant type or its
//! authentication method is no longer allowed, or once the client's tokens
//! were revoked; tokens of another secret keep working.

use crate::support::keys::{ClientKey, key_client, post_assertion};
use crate::support::*;
use jsonwebtoken::Algorithm;
use reqwest::StatusCode;
use serde_json::{Value, json};

const READ: &str = "oauth-clients:read";

/// A `web` client with a secret, the client_credentials grant and the read
/// scope plus `extra`, so its tokens can call the management API.
async fn reader(app: &TestApp, extra: &[&str]) -> (String, String) {
    let mut scopes = vec![READ];
    scopes.extend_from_slice(extra);
    let (status, c) = app
        .create_client(
            &app.admin.token,
            json!({"appType":"web","clientName":"reader","allowedGrantTypes":["client_credentials"],
                   "allowedScopes":scopes}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    (
        c["clientId"].as_str().unwrap().to_owned(),
        c["clientSecret"].as_str().unwrap().to_owned(),
    )
}

/// The status of a management API call with `token`, and the answer of
/// introspecting it (by the tenant's admin client).
async fn status_of(app: &TestApp, token: &str) -> (StatusCode, bool) {
    let (status, _) = app.list(token, "limit=1").await;
    let (_, info) = read(
        app.http
            .post(app.url("/oauth/introspect"))
            .basic_auth(&app.admin.client_id, Some(&app.admin.client_secret))
            .form(&[("token", token)])
            .send()
            .await
            .unwrap(),
    )
    .await;
    (status, info["active"] == json!(true))
}

async fn assert_live(app: &TestApp, token: &str, why: &str) {
    assert_eq!(status_of(app, token).await, (StatusCode::OK, true), "{why}");
}

async fn assert_dead(app: &TestApp, token: &str, why: &str) {
    assert_eq!(
        status_of(app, token).await,
        (StatusCode::UNAUTHORIZED, false),
        "{why}"
    );
}

#[tokio::test]
async fn a_token_dies_with_its_secret_and_another_secrets_tokens_live_on() {
    let app = spawn_app().await;
    let (id, first) = reader(&app, &[]).await;
    let (status, added) = app.add_secret(&app.admin.token, &id).await;
    assert_eq!(status, StatusCode::CREATED);
    let second = added["clientSecret"].as_str().unwrap().to_owned();
    let by_first = app.token(&id, &first, None).await;
    let by_second = app.token(&id, &second, None).await;
    assert_live(&app, &by_first, "before the rotation").await;

    let hint = &first[first.len() - 5..];
    let (status, _) = app.delete_secret(&app.admin.token, &id, hint).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_dead(&app, &by_first, "its secret was deleted").await;
    assert_live(&app, &by_second, "rotation without downtime").await;
    // The claim names the credential by an opaque id, never by its hint.
    let payload = by_second.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
            .unwrap(),
    )
    .unwrap();
    let cred = claims["cred"].as_str().expect("a cred claim");
    assert!(!cred.contains(&second[second.len() - 5..]), "{cred}");
    assert!(!cred.contains(&second[..10]), "{cred}");
}

#[tokio::test]
async fn a_token_dies_when_its_scope_grant_or_method_is_withdrawn() {
    let app = spawn_app().await;
    let cases = [
        (
            "a scope withdrawn",
            json!([{"op":"replace","path":"/allowedScopes","value":[READ]}]),
        ),
        (
            "the grant withdrawn",
            json!([{"op":"replace","path":"/allowedGrantTypes","value":[]}]),
        ),
        (
            "client_secret withdrawn",
            json!([{"op":"replace","path":"/allowedAuthMethods","value":["private_key_jwt"]},
                   {"op":"add","path":"/publicKeys","value":[crate::support::keys::rsa_jwk("k")]}]),
        ),
    ];
    for (why, patch) in cases {
        let (id, secret) = reader(&app, &["extra:scope"]).await;
        let token = app.token(&id, &secret, None).await;
        // Unrelated changes, and more scopes, leave it alive.
        let (status, body) = app
            .patch(
                &app.admin.token,
                &id,
                json!([{"op":"replace","path":"/clientName","value":"renamed"},
                       {"op":"replace","path":"/allowedScopes","value":[READ,"extra:scope","more"]}]),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        assert_live(&app, &token, why).await;
        let (status, body) = app.patch(&app.admin.token, &id, patch).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{why}: {body}");
        assert_dead(&app, &token, why).await;
    }
}

#[tokio::test]
async fn a_key_token_dies_when_its_key_is_removed_or_replaced() {
    let app = spawn_app().await;
    let (a, b) = (ClientKey::rsa("a", Algorithm::RS256), ClientKey::ec("b"));
    let c = key_client(&app, &["private_key_jwt"], &[&a, &b]).await;
    let id = c["clientId"].as_str().unwrap();
    let token_url = app.url("/oauth/token");
    let mut tokens = Vec::new();
    for key in [&a, &b] {
        let (status, body) = post_assertion(
            &app,
            &token_url,
            None,
            &key.assertion(id, &token_url),
            &[("grant_type", "client_credentials")],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        tokens.push(body["access_token"].as_str().unwrap().to_owned());
    }
    assert_live(&app, &tokens[0], "key a").await;
    // Key a's material replaced under the same kid: a different credential.
    let impostor = ClientKey::rsa("a", Algorithm::RS256);
    let (status, body) = app
        .patch(
            &app.admin.token,
            id,
            json!([{"op":"replace","path":"/publicKeys","value":[impostor.jwk, b.jwk]}]),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_dead(&app, &tokens[0], "key a replaced under its kid").await;
    assert_live(&app, &tokens[1], "key b is still registered").await;
    let (status, _) = app
        .patch(
            &app.admin.token,
            id,
            json!([{"op":"replace","path":"/publicKeys","value":[impostor.jwk]}]),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_dead(&app, &tokens[1], "key b removed").await;
}

#[tokio::test]
async fn revoke_tokens_refuses_every_token_issued_so_far_and_none_issued_later() {
    let app = spawn_app().await;
    let (id, secret) = reader(&app, &[]).await;
    let before = [
        app.token(&id, &secret, None).await,
        app.token(&id, &secret, None).await,
    ];
    let (other, other_secret) = reader(&app, &[]).await;
    let bystander = app.token(&other, &other_secret, None).await;
    let url = app.url(&format!(
        "/api/core/oauth-clients/{id}/actions/revoke-tokens"
    ));

    // Write scope only.
    let read_only = app.token_with_scopes(&app.admin, &[READ]).await;
    let (status, body) = read(
        app.http
            .post(&url)
            .bearer_auth(&read_only)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let (status, body) = read(
        app.http
            .post(&url)
            .bearer_auth(&app.admin.token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    // Issued in the same second, but after the revocation: unaffected.
    let after = app.token(&id, &secret, None).await;
    for t in &before {
        assert_dead(&app, t, "issued before the revocation").await;
    }
    assert_live(&app, &after, "issued after the revocation").await;
    assert_live(&app, &bystander, "another client's token").await;
    assert_live(&app, &app.admin.token, "the caller's own token").await;

    // Unknown ids, and clients of another tenant, are not found.
    let foreign = app.new_tenant("other").await;
    let (foreign_id, _) = {
        let (status, c) = app
            .create_client(
                &foreign.token,
                json!({"appType":"spa","clientName":"theirs"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        (c["clientId"].as_str().unwrap().to_owned(), ())
    };
    for target in [foreign_id.as_str(), "0123456789abcdefghij0123456789ab", "x"] {
        let (status, body) = read(
            app.http
                .post(app.url(&format!(
                    "/api/core/oauth-clients/{target}/actions/revoke-tokens"
                )))
                .bearer_auth(&app.admin.token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{target}: {body}");
        assert_eq!(body["errors"][0]["code"], "OAUTH-CLIENTS-10");
    }
}
