//! A person revokes their own consents (contract §8: an allowed set of
//! scopes is remembered until the user or an admin revokes it) on the page
//! `/oauth/consents`, signed in by the browser's session; its form carries a
//! CSRF token bound to that session.

use crate::support::signin::*;
use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn consents_of(app: &TestApp, user: &str) -> Value {
    app.http
        .get(app.url(&format!("/api/core/users/{user}/consents")))
        .bearer_auth(&app.admin.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_signed_in_person_sees_and_revokes_their_own_consents() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    let user = create_user(&app, admin, "me@example.com", false).await;
    let client = spa(&app, admin, false, &[]).await;
    let mut b = Browser::new(&app.base);
    let (verifier, challenge) = pkce();
    let start = b
        .get(&authorize_url(
            &client,
            &code_params(&challenge, "openid offline_access", "s"),
        ))
        .await;
    let back = b
        .sign_in_through(start, "me@example.com", PASSWORD, "allow")
        .await;
    let code = back.redirect_params()["code"].clone();
    let (status, tokens) = exchange(&app, &client, &code, &verifier).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");

    let page = b.get("/oauth/consents").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.content_type().starts_with("text/html"));
    assert!(
        page.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert!(
        page.body.contains("Photo &#60;Album&#62;") || page.body.contains("Photo &lt;Album&gt;")
    );
    assert!(page.body.contains("offline_access"), "{}", page.body);
    assert_eq!(page.input("client_id").as_deref(), Some(client.as_str()));
    let csrf = page.input("csrf").expect("a CSRF token");

    // Another browser has no session; a wrong token is refused.
    let mut stranger = Browser::new(&app.base);
    assert_eq!(
        stranger.get("/oauth/consents").await.status,
        StatusCode::UNAUTHORIZED
    );
    let fields = [("client_id", client.as_str()), ("csrf", csrf.as_str())];
    let refused = stranger.post_form("/oauth/consents/revoke", &fields).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "no session");
    let wrong = b
        .post_form(
            "/oauth/consents/revoke",
            &[("client_id", client.as_str()), ("csrf", "AAAA")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN, "wrong CSRF token");
    let missing = b
        .post_form("/oauth/consents/revoke", &[("client_id", client.as_str())])
        .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN, "no CSRF token");
    assert_eq!(
        consents_of(&app, &user).await["data"][0]["clientId"],
        client.as_str()
    );

    let done = b.post_form("/oauth/consents/revoke", &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location(), "/oauth/consents");
    assert_eq!(consents_of(&app, &user).await["data"], json!([]));
    let info = app
        .http
        .get(app.url("/oauth/userinfo"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        info.status(),
        StatusCode::UNAUTHORIZED,
        "its tokens went too"
    );
    let (status, _) = refresh(&app, &client, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let after = b.get("/oauth/consents").await;
    assert!(
        after
            .body
            .contains("You have not allowed any application yet.")
    );
}
