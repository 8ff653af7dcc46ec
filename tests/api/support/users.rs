//! Helpers for the users tests: requests to `/api/core/users`, trusted
//! impersonating clients, and reading a token's claims.

use super::app::{Tenant, TestApp, assert_error, read};
use base64::Engine as _;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub const USERS: &str = "/api/core/users";
pub const PASSWORD: &str = "correct horse battery staple";
pub const IMPERSONATION: &str = "urn:qlik:oauth:user-impersonation";

pub async fn create_user(app: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    let res = app
        .http
        .post(app.url(USERS))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("send");
    read(res).await
}

/// Creates a user that must be created; returns its wire form.
pub async fn user(app: &TestApp, token: &str, email: &str) -> Value {
    let (status, u) = create_user(
        app,
        token,
        json!({"email": email, "name": "Test User", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{u}");
    u
}

pub async fn get_user(app: &TestApp, token: &str, id: &str) -> (StatusCode, Value) {
    let res = app
        .http
        .get(app.url(&format!("{USERS}/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("send");
    read(res).await
}

pub async fn patch_user(app: &TestApp, token: &str, id: &str, ops: Value) -> (StatusCode, Value) {
    let res = app
        .http
        .patch(app.url(&format!("{USERS}/{id}")))
        .bearer_auth(token)
        .header("content-type", "application/json-patch+json")
        .body(ops.to_string())
        .send()
        .await
        .expect("send");
    read(res).await
}

pub async fn delete_user(app: &TestApp, token: &str, id: &str) -> (StatusCode, Value) {
    let res = app
        .http
        .delete(app.url(&format!("{USERS}/{id}")))
        .bearer_auth(token)
        .header("qlik-confirm-delete", id)
        .send()
        .await
        .expect("send");
    read(res).await
}

/// Asserts an error body with this status, code and title.
pub fn assert_code(
    status: StatusCode,
    body: &Value,
    expected: StatusCode,
    code: &str,
    title: &str,
) {
    assert_eq!(status, expected, "{body}");
    assert_error(body, expected);
    assert_eq!(body["errors"][0]["code"], code, "{body}");
    assert_eq!(body["errors"][0]["title"], title, "{body}");
}

/// A trusted `web` client of `tenant` allowing the impersonation grant and
/// `scopes`: its id and secret.
pub async fn impersonator(app: &TestApp, tenant: &Tenant, scopes: &[&str]) -> (String, String) {
    let (status, c) = app
        .create_client(
            &tenant.token,
            json!({
                "appType": "web",
                "clientName": "impersonator",
                "allowedGrantTypes": ["client_credentials", IMPERSONATION],
                "allowedScopes": scopes,
                "connectionConfig": {"consentMethod": "trusted"},
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    (
        c["clientId"].as_str().unwrap().to_owned(),
        c["clientSecret"].as_str().unwrap().to_owned(),
    )
}

/// A user-impersonation token request with a JSON body.
pub async fn impersonate_json(
    app: &TestApp,
    id: &str,
    secret: &str,
    body: Value,
) -> (StatusCode, Value) {
    let mut body = body;
    body["grant_type"] = json!(IMPERSONATION);
    let res = app
        .http
        .post(app.url("/oauth/token"))
        .basic_auth(id, Some(secret))
        .json(&body)
        .send()
        .await
        .expect("send");
    read(res).await
}

/// A user-impersonation token request with a form body.
pub async fn impersonate_form(
    app: &TestApp,
    id: &str,
    secret: &str,
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut form = form.to_vec();
    form.push(("grant_type", IMPERSONATION));
    let res = app
        .http
        .post(app.url("/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&form)
        .send()
        .await
        .expect("send");
    read(res).await
}

/// The payload of a JWT, decoded without verification.
pub fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

pub async fn introspect(app: &TestApp, tenant: &Tenant, token: &str) -> Value {
    let res = app
        .http
        .post(app.url("/oauth/introspect"))
        .basic_auth(&tenant.client_id, Some(&tenant.client_secret))
        .form(&[("token", token)])
        .send()
        .await
        .expect("send");
    let (status, v) = read(res).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v
}
