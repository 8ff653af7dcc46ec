//! A sign-in begun on one instance continues on another (contract §8:
//! nothing of it lives in one process's memory): two real `registrar serve`
//! processes on one database, every request of the flow alternating.

use crate::support::servers::{PUBLIC_URL, start_instances};
use crate::support::signin::*;
use crate::support::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_sign_in_begun_on_one_instance_finishes_on_another() {
    let db = TestDb::fresh().await;
    let mut instances = start_instances(&db.url, 2, &[]);
    let (a, b) = (instances.remove(0), instances.remove(0));
    let tenant = crate::support::process::tenant_create(&db.url, "multi");
    let admin = a
        .token(
            tenant["clientId"].as_str().unwrap(),
            tenant["clientSecret"].as_str().unwrap(),
        )
        .await;
    let (status, user) = a
        .post(
            &admin,
            "/api/core/users",
            &json!({"email": "mi@example.com", "name": "Mi", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let (status, client) = b
        .post(
            &admin,
            "/api/core/oauth-clients",
            &json!({"appType": "spa", "clientName": "multi", "redirectUris": [REDIRECT], "allowedOrigins": ["https://app.example"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{client}");
    let client = client["clientId"].as_str().unwrap().to_owned();
    let (verifier, challenge) = pkce();
    let path = authorize_url(
        &client,
        &code_params(&challenge, "openid offline_access", "multi"),
    );
    // Each step on the other instance than the step before.
    let mut on_a = Browser::new(&a.base);
    let start = on_a.get(&path).await;
    let page = start.location().replace(PUBLIC_URL, "");
    let mut on_b = Browser::new(&b.base);
    on_b.cookies = on_a.cookies.clone();
    let form = on_b.get(&page).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    on_a.cookies = on_b.cookies.clone();
    let to_consent = on_a
        .submit(
            &form,
            &[("email", "mi@example.com"), ("password", PASSWORD)],
        )
        .await;
    on_b.cookies = on_a.cookies.clone();
    let consent = on_b
        .get(&to_consent.location().replace(PUBLIC_URL, ""))
        .await;
    on_a.cookies = on_b.cookies.clone();
    let back = on_a.submit(&consent, &[("decision", "allow")]).await;
    let p = back.redirect_params();
    assert_eq!(p["state"], "multi");
    let res = b
        .http
        .post(format!("{}/oauth/token", b.base))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", client.as_str()),
            ("code", p["code"].as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let tokens: serde_json::Value = res.json().await.unwrap();
    let res = a
        .http
        .post(format!("{}/oauth/token", a.base))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", client.as_str()),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "the refresh works on the other instance"
    );
}
