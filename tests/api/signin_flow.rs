//! Sign-in end to end through the real pages (contract §8): consent
//! required and trusted, deny, remembered consent, single sign-on, `prompt`,
//! `login_hint`, the tokens and userinfo that come out.

use crate::support::signin::*;
use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn spa_signs_in_with_pkce_consents_and_gets_id_access_and_refresh_tokens() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    let user = create_user(&app, admin, "ada@example.com", false).await;
    let client = spa(&app, admin, false, &["photos:read"]).await;
    let mut b = Browser::new(&app.base);
    let (verifier, challenge) = pkce();
    let scope = "openid profile email offline_access photos:read";
    let start = b
        .get(&authorize_url(
            &client,
            &code_params(&challenge, scope, "xyz"),
        ))
        .await;
    assert_eq!(start.status, StatusCode::SEE_OTHER);
    let form = b.follow(&start).await;
    assert!(
        form.content_type().starts_with("text/html"),
        "{}",
        form.content_type()
    );
    assert!(
        form.input("csrf").is_some_and(|c| c.len() >= 32),
        "hidden CSRF input"
    );
    assert!(form.body.contains("name=\"email\"") && form.body.contains("name=\"password\""));
    assert!(
        form.body.contains("Photo &#60;Album&#62;") && !form.body.contains("<Album>"),
        "the client name, escaped: {}",
        form.body
    );
    let consent_redirect = b
        .submit(
            &form,
            &[("email", "ADA@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        consent_redirect.status,
        StatusCode::SEE_OTHER,
        "{}",
        consent_redirect.body
    );
    let consent = b.follow(&consent_redirect).await;
    assert!(
        consent.body.contains("Photo &#60;Album&#62;"),
        "clientName as text"
    );
    assert!(
        consent
            .body
            .contains("<img class=\"logo\" src=\"https://app.example/logo.png\""),
        "logoUri as an image: {}",
        consent.body
    );
    assert!(
        consent.body.contains("href=\"https://app.example/\""),
        "clientUri as a link"
    );
    for words in [
        "See your email address",
        "See your name",
        "photos:read",
        "act for you while you are away",
    ] {
        assert!(consent.body.contains(words), "scope described: {words}");
    }
    let back = b.submit(&consent, &[("decision", "allow")]).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    assert!(
        back.location().starts_with(&format!("{REDIRECT}?")),
        "{}",
        back.location()
    );
    let p = back.redirect_params();
    assert_eq!(p["state"], "xyz");
    assert_eq!(p["iss"], app.base, "RFC 9207 iss on the success redirect");
    let (status, tokens) = exchange(&app, &client, &p["code"], &verifier).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["scope"], scope);
    assert!(
        tokens["refresh_token"]
            .as_str()
            .is_some_and(|r| r.len() == 64)
    );
    let at = claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(at["sub"], user);
    assert_eq!(at["client_id"], client);
    assert!(at["auth_time"].is_i64() && at["gid"].is_string(), "{at}");
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["aud"], client);
    assert_eq!(id["sub"], user);
    assert_eq!(id["iss"], app.base);
    assert_eq!(id["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(id["email"], "ada@example.com");
    assert_eq!(id["name"], "Name of ada@example.com");
    assert_eq!(id["auth_time"], at["auth_time"]);
    let expected_at_hash =
        registrar::oauth::user_tokens::at_hash(tokens["access_token"].as_str().unwrap());
    assert_eq!(id["at_hash"], expected_at_hash);
    let info = app
        .http
        .get(app.url("/oauth/userinfo"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), StatusCode::OK);
    let info: serde_json::Value = info.json().await.unwrap();
    assert_eq!(info["sub"], user);
    assert_eq!(info["email"], "ada@example.com");
    assert_eq!(info["name"], "Name of ada@example.com");
}

#[tokio::test]
async fn trusted_client_skips_consent_and_tokens_follow_the_scopes() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    create_user(&app, admin, "bo@example.com", false).await;
    let client = spa(&app, admin, true, &[]).await;
    let mut b = Browser::new(&app.base);
    let (verifier, challenge) = pkce();
    let start = b
        .get(&authorize_url(
            &client,
            &code_params(&challenge, "openid", "s1"),
        ))
        .await;
    let form = b.follow(&start).await;
    let back = b
        .submit(
            &form,
            &[("email", "bo@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert!(
        back.location().starts_with(REDIRECT),
        "no consent page for a trusted client: {}",
        back.location()
    );
    let (status, tokens) =
        exchange(&app, &client, &back.redirect_params()["code"], &verifier).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        tokens.get("refresh_token").is_none(),
        "no refresh token without offline_access"
    );
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert!(
        id.get("email").is_none() && id.get("name").is_none(),
        "no email/profile claims without those scopes"
    );
}

#[tokio::test]
async fn deny_redirects_access_denied_with_state_and_iss() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    create_user(&app, admin, "cy@example.com", false).await;
    let client = spa(&app, admin, false, &[]).await;
    let mut b = Browser::new(&app.base);
    let (_, challenge) = pkce();
    let start = b
        .get(&authorize_url(
            &client,
            &code_params(&challenge, "openid", "deny-me"),
        ))
        .await;
    let back = b
        .sign_in_through(start, "cy@example.com", PASSWORD, "deny")
        .await;
    let p = back.redirect_params();
    assert!(back.location().starts_with(REDIRECT));
    assert_eq!(p["error"], "access_denied");
    assert_eq!(p["state"], "deny-me");
    assert_eq!(p["iss"], app.base);
    assert!(!p.contains_key("code"));
}

#[tokio::test]
async fn consent_is_remembered_and_asked_again_for_new_scopes_or_prompt_consent() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    create_user(&app, admin, "di@example.com", false).await;
    let client = spa(&app, admin, false, &[]).await;
    let mut b = Browser::new(&app.base);
    let (_, challenge) = pkce();
    let first = b
        .get(&authorize_url(
            &client,
            &code_params(&challenge, "openid email", "a"),
        ))
        .await;
    let back = b
        .sign_in_through(first, "di@example.com", PASSWORD, "allow")
        .await;
    assert!(back.redirect_params().contains_key("code"));
    // The same scopes again: signed in and consented, straight back.
    let again = b
        .get(&authorize_url(
            &client,
            &code_params(&challenge, "openid", "b"),
        ))
        .await;
    assert!(
        again.location().starts_with(REDIRECT),
        "remembered: {}",
        again.location()
    );
    // A new scope: the consent page again.
    let more = b
        .get(&authorize_url(
            &client,
            &code_params(&challenge, "openid profile", "c"),
        ))
        .await;
    let page = b.follow(&more).await;
    assert!(
        page.body.contains("name=\"decision\""),
        "consent asked for a new scope"
    );
    // prompt=consent: asked even for what was allowed.
    let mut params = code_params(&challenge, "openid", "d");
    params.push(("prompt", "consent"));
    let forced = b.get(&authorize_url(&client, &params)).await;
    let page = b.follow(&forced).await;
    assert!(
        page.body.contains("name=\"decision\""),
        "prompt=consent asks again"
    );
}

#[tokio::test]
async fn one_session_signs_in_to_every_client_of_the_tenant_and_prompt_login_asks_again() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    create_user(&app, admin, "ed@example.com", false).await;
    let first = spa(&app, admin, true, &[]).await;
    let second = spa(&app, admin, true, &[]).await;
    let mut b = Browser::new(&app.base);
    let (_, challenge) = pkce();
    let start = b
        .get(&authorize_url(
            &first,
            &code_params(&challenge, "openid", "1"),
        ))
        .await;
    let back = b
        .sign_in_through(start, "ed@example.com", PASSWORD, "allow")
        .await;
    assert!(back.redirect_params().contains_key("code"));
    let sso = b
        .get(&authorize_url(
            &second,
            &code_params(&challenge, "openid", "2"),
        ))
        .await;
    assert!(
        sso.location().starts_with(REDIRECT),
        "single sign-on: {}",
        sso.location()
    );
    assert!(sso.redirect_params().contains_key("code"));
    let mut params = code_params(&challenge, "openid", "3");
    params.push(("prompt", "login"));
    let relogin = b.get(&authorize_url(&second, &params)).await;
    let page = b.follow(&relogin).await;
    assert!(
        page.body.contains("name=\"password\""),
        "prompt=login asks for the password again"
    );
    // prompt=none with the session: a code without any page.
    let mut params = code_params(&challenge, "openid", "4");
    params.push(("prompt", "none"));
    let silent = b.get(&authorize_url(&first, &params)).await;
    assert!(
        silent.redirect_params().contains_key("code"),
        "{}",
        silent.location()
    );
    // Another browser has no session.
    let mut other = Browser::new(&app.base);
    let none = other.get(&authorize_url(&first, &params)).await;
    assert_eq!(none.redirect_params()["error"], "login_required");
}

#[tokio::test]
async fn login_hint_fills_the_email_input() {
    let app = spawn_app().await;
    let client = spa(&app, &app.admin.token, true, &[]).await;
    let mut b = Browser::new(&app.base);
    let (_, challenge) = pkce();
    let mut params = code_params(&challenge, "openid", "h");
    params.push(("login_hint", "fi\"<x>@example.com"));
    let start = b.get(&authorize_url(&client, &params)).await;
    let page = b.follow(&start).await;
    assert!(
        page.body
            .contains("value=\"fi&#34;&#60;x&#62;@example.com\""),
        "escaped hint in the email input: {}",
        page.body
    );
}

#[tokio::test]
async fn sign_out_ends_the_session_and_returns_only_to_registered_uris() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    create_user(&app, admin, "gu@example.com", false).await;
    let client = spa(&app, admin, true, &[]).await;
    let mut b = Browser::new(&app.base);
    let (_, challenge) = pkce();
    let start = b
        .get(&authorize_url(
            &client,
            &code_params(&challenge, "openid", "1"),
        ))
        .await;
    b.sign_in_through(start, "gu@example.com", PASSWORD, "allow")
        .await;
    let bad = b
        .get(&format!("/oauth/logout?client_id={client}&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F"))
        .await;
    assert_eq!(
        bad.status,
        StatusCode::BAD_REQUEST,
        "an unregistered URI is never redirected to"
    );
    assert!(bad.location().is_empty());
    // Signed in again, then out with a registered URI.
    let start = b
        .get(&authorize_url(
            &client,
            &code_params(&challenge, "openid", "2"),
        ))
        .await;
    b.sign_in_through(start, "gu@example.com", PASSWORD, "allow")
        .await;
    let out = b
        .get(&format!(
            "/oauth/logout?client_id={client}&post_logout_redirect_uri={}&state=bye",
            urlencode(REDIRECT)
        ))
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), format!("{REDIRECT}?state=bye"));
    let mut params = code_params(&challenge, "openid", "3");
    params.push(("prompt", "none"));
    let after = b.get(&authorize_url(&client, &params)).await;
    assert_eq!(
        after.redirect_params()["error"],
        "login_required",
        "the session is gone"
    );
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn a_revoked_consent_is_asked_again_and_its_tokens_are_refused() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    let user = create_user(&app, admin, "rv@example.com", false).await;
    let client = spa(&app, admin, false, &[]).await;
    let tokens = tokens_for(&app, &client, "rv@example.com", "openid offline_access").await;
    let access = tokens["access_token"].as_str().unwrap();
    let consents = app.url(&format!("/api/core/users/{user}/consents"));
    let listed: Value = app
        .http
        .get(&consents)
        .bearer_auth(admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"][0]["clientId"], client.as_str(), "{listed}");
    assert_eq!(
        listed["data"][0]["scopes"],
        json!(["openid", "offline_access"])
    );
    // A reader may list but not revoke; the admin revokes.
    let reader = app.token_with_scopes(&app.admin, &["users:read"]).await;
    let one = format!("{consents}/{client}");
    let refused = app
        .http
        .delete(&one)
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let revoked = app
        .http
        .delete(&one)
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let listed: Value = app
        .http
        .get(&consents)
        .bearer_auth(admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"], json!([]), "forgotten");
    let unknown = app
        .http
        .get(app.url("/api/core/users/nosuchuser/consents"))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let info = app
        .http
        .get(app.url("/oauth/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(
        info.status(),
        StatusCode::UNAUTHORIZED,
        "the grant went with the consent"
    );
    let (status, _) = refresh(&app, &client, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Signed in (a new browser, so a password), then consent is asked again.
    let mut b = Browser::new(&app.base);
    let (_, challenge) = pkce();
    let start = b
        .get(&authorize_url(
            &client,
            &code_params(&challenge, "openid", "again"),
        ))
        .await;
    let form = b.follow(&start).await;
    let next = b
        .submit(
            &form,
            &[("email", "rv@example.com"), ("password", PASSWORD)],
        )
        .await;
    let page = b.follow(&next).await;
    assert!(
        page.body.contains("name=\"decision\""),
        "consent asked again"
    );
}
