//! The code and refresh grants (contract §8): codes bound to client,
//! redirect URI and verifier, single use with revocation on reuse; refresh
//! rotation with family revocation on reuse; `web` clients authenticate;
//! a disabled user's tokens are refused at once.

use crate::support::signin::*;
use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Whether the management API still accepts an access token (introspection
/// by the tenant admin client).
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

#[tokio::test]
async fn a_reused_code_is_refused_and_revokes_what_it_issued() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    create_user(&app, admin, "re@example.com", false).await;
    let client = spa(&app, admin, true, &[]).await;
    let (code, verifier) = code_for(&app, &client, "re@example.com", "openid offline_access").await;
    let (status, tokens) = exchange(&app, &client, &code, &verifier).await;
    assert_eq!(status, StatusCode::OK);
    let access = tokens["access_token"].as_str().unwrap();
    assert!(is_active(&app, access).await);
    let (status, body) = exchange(&app, &client, &code, &verifier).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    assert!(
        !is_active(&app, access).await,
        "the access token from the code is revoked"
    );
    let (status, body) = refresh(&app, &client, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "and its refresh token"
    );
}

#[tokio::test]
async fn a_code_is_bound_to_its_client_redirect_uri_and_verifier() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    create_user(&app, admin, "bd@example.com", false).await;
    let client = spa(&app, admin, true, &[]).await;
    let other = spa(&app, admin, true, &[]).await;
    let (code, verifier) = code_for(&app, &client, "bd@example.com", "openid").await;
    let (_, wrong_verifier) = pkce();
    let attempts: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "another client",
            vec![
                ("client_id", &other),
                ("redirect_uri", REDIRECT),
                ("code_verifier", &verifier),
            ],
        ),
        (
            "another redirect URI",
            vec![
                ("client_id", &client),
                ("redirect_uri", "https://app.example/other"),
                ("code_verifier", &verifier),
            ],
        ),
        (
            "no verifier",
            vec![("client_id", &client), ("redirect_uri", REDIRECT)],
        ),
        (
            "wrong verifier",
            vec![
                ("client_id", &client),
                ("redirect_uri", REDIRECT),
                ("code_verifier", &wrong_verifier),
            ],
        ),
    ];
    for (what, fields) in attempts {
        let mut all = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
        ];
        all.extend(fields);
        let (status, body) = token_form(&app, &all).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {body}");
        assert_eq!(body["error"], "invalid_grant", "{what}");
    }
    // None of those attempts used the code up.
    let (status, body) = exchange(&app, &client, &code, &verifier).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_revokes_the_family() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    create_user(&app, admin, "rt@example.com", false).await;
    let client = spa(&app, admin, true, &[]).await;
    let (code, verifier) = code_for(&app, &client, "rt@example.com", "openid offline_access").await;
    let (_, first) = exchange(&app, &client, &code, &verifier).await;
    let r1 = first["refresh_token"].as_str().unwrap().to_owned();
    let (status, second) = refresh(&app, &client, &r1).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let r2 = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2, "rotated");
    assert_eq!(second["scope"], "openid offline_access");
    let a2 = second["access_token"].as_str().unwrap().to_owned();
    assert!(is_active(&app, &a2).await);
    // r1 again: a replay. The family dies: r2 and the access tokens too.
    let (status, body) = refresh(&app, &client, &r1).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let (status, _) = refresh(&app, &client, &r2).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the newest refresh token of the family is revoked too"
    );
    assert!(
        !is_active(&app, &a2).await,
        "and the family's access tokens"
    );
    assert!(!is_active(&app, first["access_token"].as_str().unwrap()).await);
}

#[tokio::test]
async fn a_refused_refresh_does_not_consume_the_token() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    create_user(&app, admin, "rf@example.com", false).await;
    let client = spa(&app, admin, true, &[]).await;
    let other = spa(&app, admin, true, &[]).await;
    let (code, verifier) = code_for(&app, &client, "rf@example.com", "openid offline_access").await;
    let (_, tokens) = exchange(&app, &client, &code, &verifier).await;
    let r = tokens["refresh_token"].as_str().unwrap();
    let (status, body) = refresh(&app, &other, r).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "another client"
    );
    let (status, body) = token_form(
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &client),
            ("refresh_token", r),
            ("scope", "openid email"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_scope")),
        "a scope beyond the grant"
    );
    let (status, body) = refresh(&app, &client, r).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "still usable after the refusals: {body}"
    );
}

#[tokio::test]
async fn a_web_client_authenticates_for_the_code_and_refresh_grants() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    create_user(&app, admin, "wb@example.com", false).await;
    let (client, created) = sign_in_client(
        &app,
        admin,
        json!({"appType": "web", "clientName": "site", "redirectUris": [REDIRECT],
               "allowedGrantTypes": ["client_credentials"], "connectionConfig": {"consentMethod": "trusted"}}),
    )
    .await;
    let secret = created["clientSecret"].as_str().unwrap().to_owned();
    let mut b = Browser::new(&app.base);
    let start = b
        .get(&authorize_url(
            &client,
            &[
                ("response_type", "code"),
                ("redirect_uri", REDIRECT),
                ("scope", "openid offline_access"),
                ("state", "w"),
            ],
        ))
        .await;
    let back = b
        .sign_in_through(start, "wb@example.com", PASSWORD, "allow")
        .await;
    let code = back.redirect_params()["code"].clone();
    let fields = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("client_id", client.as_str()),
    ];
    let (status, body) = token_form(&app, &fields).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client")),
        "no secret"
    );
    let res = app
        .http
        .post(app.url("/oauth/token"))
        .basic_auth(&client, Some(&secret))
        .form(&fields[..3])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let tokens: Value = res.json().await.unwrap();
    let r = tokens["refresh_token"].as_str().unwrap();
    let (status, _) = refresh(&app, &client, r).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a web client's refresh must authenticate"
    );
    let res = app
        .http
        .post(app.url("/oauth/token"))
        .basic_auth(&client, Some(&secret))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", r)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "and the unauthenticated attempt did not consume it"
    );
}

#[tokio::test]
async fn a_disabled_user_cannot_sign_in_and_their_tokens_are_refused_at_once() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    let user = create_user(&app, admin, "dz@example.com", false).await;
    let client = spa(&app, admin, true, &[]).await;
    let (code, verifier) = code_for(&app, &client, "dz@example.com", "openid offline_access").await;
    let (_, tokens) = exchange(&app, &client, &code, &verifier).await;
    let access = tokens["access_token"].as_str().unwrap();
    assert!(is_active(&app, access).await);
    let res = app
        .http
        .patch(app.url(&format!("/api/core/users/{user}")))
        .bearer_auth(admin)
        .json(&json!([{"op": "replace", "path": "/status", "value": "disabled"}]))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "disable: {}", res.status());
    assert!(
        !is_active(&app, access).await,
        "the access token is refused at once"
    );
    let info = app
        .http
        .get(app.url("/oauth/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), StatusCode::UNAUTHORIZED);
    let (status, _) = refresh(&app, &client, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "and the refresh token");
    // Signing in: the same answer as a wrong password.
    let mut b = Browser::new(&app.base);
    let (_, challenge) = pkce();
    let start = b
        .get(&authorize_url(
            &client,
            &code_params(&challenge, "openid", "s"),
        ))
        .await;
    let form = b.follow(&start).await;
    let page = b
        .submit(
            &form,
            &[("email", "dz@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("The email or password is incorrect."));
}

#[tokio::test]
async fn userinfo_refuses_a_client_credentials_token_with_rfc_6750_answers() {
    let app = spawn_app().await;
    let res = app
        .http
        .get(app.url("/oauth/userinfo"))
        .bearer_auth(&app.admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let challenge = res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge.starts_with("Bearer") && challenge.contains("invalid_token"),
        "{challenge}"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_token");
    let res = app
        .http
        .post(app.url("/oauth/userinfo"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers().contains_key("www-authenticate"));
}

#[tokio::test]
async fn management_scopes_reach_only_tenant_admins() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    create_user(&app, admin, "plain@example.com", false).await;
    create_user(&app, admin, "boss@example.com", true).await;
    let client = spa(&app, admin, true, &["oauth-clients:read"]).await;
    let plain = tokens_for(
        &app,
        &client,
        "plain@example.com",
        "openid oauth-clients:read",
    )
    .await;
    assert_eq!(
        plain["scope"], "openid",
        "left out silently for a user who is not an admin"
    );
    let boss = tokens_for(
        &app,
        &client,
        "boss@example.com",
        "openid oauth-clients:read",
    )
    .await;
    assert_eq!(boss["scope"], "openid oauth-clients:read");
    let res = app
        .http
        .get(app.url("/api/core/oauth-clients"))
        .bearer_auth(boss["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "an admin's user token works on the management API"
    );
}
