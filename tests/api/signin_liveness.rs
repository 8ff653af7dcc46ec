//! A sign-in's tokens die with what they were issued on (contract §5, §7,
//! §8): they carry `gty`, `cred` and `gen` like every token of this server,
//! and the client's revoke-tokens action, a withdrawn `TenantAdmin` role and
//! a deleted secret refuse them, refresh tokens and unexchanged codes
//! included.

use crate::support::signin::*;
use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Whether introspection (by the tenant admin client) says the token is active.
async fn is_active(app: &TestApp, token: &str) -> bool {
    let res = app
        .http
        .post(app.url("/oauth/introspect"))
        .basic_auth(&app.admin.client_id, Some(&app.admin.client_secret))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    body["active"] == true
}

async fn revoke_tokens(app: &TestApp, client: &str) {
    let res = app
        .http
        .post(app.url(&format!(
            "/api/core/oauth-clients/{client}/actions/revoke-tokens"
        )))
        .bearer_auth(&app.admin.token)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "revoke-tokens: {}", res.status());
}

#[tokio::test]
async fn user_tokens_say_what_they_were_issued_on() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    create_user(&app, admin, "cl@example.com", false).await;
    let client = spa(&app, admin, true, &[]).await;
    let (code, verifier) = code_for(&app, &client, "cl@example.com", "openid offline_access").await;
    let (status, tokens) = exchange(&app, &client, &code, &verifier).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let first = claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(first["gty"], "authorization_code", "{first}");
    assert_eq!(first["cred"], "none", "a public client has no credential");
    assert_eq!(first["gen"], 0, "{first}");
    assert!(first["gid"].as_str().is_some_and(|g| g.len() >= 32));
    let (status, next) = refresh(&app, &client, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{next}");
    let second = claims(next["access_token"].as_str().unwrap());
    assert_eq!(second["gty"], "refresh_token");
    assert_eq!(second["gid"], first["gid"], "one grant, one family");
}

#[tokio::test]
async fn revoking_a_clients_tokens_refuses_its_user_tokens_refresh_tokens_and_pending_codes() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    create_user(&app, admin, "rv@example.com", false).await;
    let client = spa(&app, admin, true, &[]).await;
    let scope = "openid offline_access";
    let (code, verifier) = code_for(&app, &client, "rv@example.com", scope).await;
    let (_, tokens) = exchange(&app, &client, &code, &verifier).await;
    let access = tokens["access_token"].as_str().unwrap();
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    let (pending, pending_verifier) = code_for(&app, &client, "rv@example.com", scope).await;
    assert!(is_active(&app, access).await);

    revoke_tokens(&app, &client).await;

    assert!(!is_active(&app, access).await, "the access token");
    let info = app
        .http
        .get(app.url("/oauth/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), StatusCode::UNAUTHORIZED, "userinfo");
    let (status, body) = refresh(&app, &client, refresh_token).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "the refresh token"
    );
    let (status, body) = exchange(&app, &client, &pending, &pending_verifier).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "a code issued before the revocation"
    );
    // A sign-in after the revocation is unaffected.
    let (code, verifier) = code_for(&app, &client, "rv@example.com", scope).await;
    let (status, fresh) = exchange(&app, &client, &code, &verifier).await;
    assert_eq!(status, StatusCode::OK, "{fresh}");
    assert!(is_active(&app, fresh["access_token"].as_str().unwrap()).await);
    let (status, body) = refresh(&app, &client, fresh["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_management_scope_dies_with_the_users_tenant_admin_role() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    let boss = create_user(&app, admin, "demoted@example.com", true).await;
    let client = spa(&app, admin, true, &["oauth-clients:read"]).await;
    let scope = "openid offline_access oauth-clients:read";
    let tokens = tokens_for(&app, &client, "demoted@example.com", scope).await;
    let access = tokens["access_token"].as_str().unwrap();
    assert!(is_active(&app, access).await);
    let res = app
        .http
        .patch(app.url(&format!("/api/core/users/{boss}")))
        .bearer_auth(admin)
        .json(&json!([{"op": "replace", "path": "/roles", "value": []}]))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "demote: {}", res.status());
    let res = app
        .http
        .get(app.url("/api/core/oauth-clients"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "refused at once");
    let (status, next) = refresh(&app, &client, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{next}");
    assert_eq!(
        next["scope"], "openid offline_access",
        "a refresh leaves the management scope out"
    );
    assert!(is_active(&app, next["access_token"].as_str().unwrap()).await);
}

#[tokio::test]
async fn a_web_clients_user_token_dies_with_the_secret_that_obtained_it() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    create_user(&app, admin, "ws@example.com", false).await;
    let (client, created) = sign_in_client(
        &app,
        admin,
        json!({"appType": "web", "clientName": "site", "redirectUris": [REDIRECT],
               "allowedGrantTypes": ["client_credentials"],
               "connectionConfig": {"consentMethod": "trusted"}}),
    )
    .await;
    let secret = created["clientSecret"].as_str().unwrap();
    let (code, verifier) = code_for(&app, &client, "ws@example.com", "openid offline_access").await;
    let res = app
        .http
        .post(app.url("/oauth/token"))
        .basic_auth(&client, Some(secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let tokens: Value = res.json().await.unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    let cred = claims(access)["cred"].as_str().unwrap().to_owned();
    assert!(cred.starts_with("s."), "{cred}");
    // A second secret, then the first one deleted (by its hint).
    let (status, second) = app.add_secret(admin, &client).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    let hint = &secret[secret.len() - 5..];
    let (status, _) = app.delete_secret(admin, &client, hint).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(
        !is_active(&app, access).await,
        "its access token is refused"
    );
    // The refresh token belongs to the sign-in, not to the secret: the
    // client refreshes with its other secret.
    let res = app
        .http
        .post(app.url("/oauth/token"))
        .basic_auth(&client, Some(second["clientSecret"].as_str().unwrap()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let next: Value = res.json().await.unwrap();
    assert!(is_active(&app, next["access_token"].as_str().unwrap()).await);
}

#[tokio::test]
async fn a_deleted_users_tokens_are_refused_at_once() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    let user = create_user(&app, admin, "gone@example.com", false).await;
    let client = spa(&app, admin, true, &[]).await;
    let tokens = tokens_for(&app, &client, "gone@example.com", "openid offline_access").await;
    let access = tokens["access_token"].as_str().unwrap();
    assert!(is_active(&app, access).await);
    let res = app
        .http
        .delete(app.url(&format!("/api/core/users/{user}")))
        .bearer_auth(admin)
        .header("qlik-confirm-delete", &user)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(!is_active(&app, access).await, "the access token");
    let (status, body) = refresh(&app, &client, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "the refresh token"
    );
}
