//! `com.registrar.token.revoked` for sign-in grants (contract §8, §10): a
//! refresh token revoked at `/oauth/revoke`, a reused refresh token and a
//! reused code each revoke a grant and record one event (subject the
//! client, `data.grantId` and `data.reason`, never a token), in the
//! revocation's transaction; revoking again changes nothing and records
//! nothing.

use crate::support::signin::*;
use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const REVOKED: &str = "com.registrar.token.revoked";

/// The tenant's `token.revoked` events through `GET /api/core/audits`, and
/// the page's text.
async fn revoked_events(app: &TestApp) -> (Vec<Value>, String) {
    let filter = format!("type eq \"{REVOKED}\"");
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("filter", &filter)
        .finish();
    let url = app.url(&format!("/api/core/audits?{q}"));
    let (status, page) = app.get_url(&app.admin.token, &url).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let events = page["data"].as_array().expect("data").clone();
    (events, page.to_string())
}

/// `POST /oauth/revoke` as the public client `client`.
async fn revoke(app: &TestApp, client: &str, token: &str) -> (StatusCode, String) {
    let res = app
        .http
        .post(app.url("/oauth/revoke"))
        .form(&[("token", token), ("client_id", client)])
        .send()
        .await
        .expect("revoke");
    let status = res.status();
    (status, res.text().await.unwrap_or_default())
}

/// The grant id of a user access token (`gid`).
fn grant_of(tokens: &Value) -> String {
    let access = tokens["access_token"].as_str().expect("access token");
    claims(access)["gid"].as_str().expect("gid").to_owned()
}

fn assert_event(e: &Value, client: &str, grant: &str, user: &str, reason: &str) {
    assert_eq!(e["type"], REVOKED, "{e}");
    assert_eq!(e["subject"], client, "{e}");
    assert_eq!(
        e["actor"],
        json!({"sub": client, "clientId": client}),
        "{e}"
    );
    assert_eq!(e["data"]["grantId"], grant, "{e}");
    assert_eq!(e["data"]["clientId"], client, "{e}");
    assert_eq!(e["data"]["userId"], user, "{e}");
    assert_eq!(e["data"]["reason"], reason, "{e}");
    assert!(e["traceid"].as_str().is_some_and(|t| !t.is_empty()), "{e}");
}

#[tokio::test]
async fn revoking_a_refresh_token_records_one_event_without_the_token() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    let user = create_user(&app, admin, "rv@example.com", false).await;
    let client = spa(&app, admin, true, &[]).await;
    let (code, verifier) = code_for(&app, &client, "rv@example.com", "openid offline_access").await;
    let (status, tokens) = exchange(&app, &client, &code, &verifier).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let refresh_token = tokens["refresh_token"].as_str().expect("refresh token");
    let grant = grant_of(&tokens);
    assert!(
        revoked_events(&app).await.0.is_empty(),
        "nothing revoked yet"
    );

    let (status, body) = revoke(&app, &client, refresh_token).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!body.contains(refresh_token));
    let (status, _) = refresh(&app, &client, refresh_token).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the refresh token is revoked"
    );
    // Revoking again changes nothing, and records nothing.
    assert_eq!(revoke(&app, &client, refresh_token).await.0, StatusCode::OK);

    let (events, text) = revoked_events(&app).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_event(&events[0], &client, &grant, &user, "revoked");
    assert!(
        events[0]["source"]
            .as_str()
            .unwrap()
            .ends_with("/oauth/revoke")
    );
    assert!(!text.contains(refresh_token), "{text}");
    let all = crate::support::audit::events_of(&app, &app.admin.tenant_id).await;
    for e in &all {
        let e = e.to_string();
        assert!(!e.contains(refresh_token), "{e}");
        assert!(!e.contains(tokens["access_token"].as_str().unwrap()), "{e}");
    }
}

#[tokio::test]
async fn a_reused_refresh_token_revoking_its_family_records_the_event() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    let user = create_user(&app, admin, "fam@example.com", false).await;
    let client = spa(&app, admin, true, &[]).await;
    let (code, verifier) =
        code_for(&app, &client, "fam@example.com", "openid offline_access").await;
    let (_, first) = exchange(&app, &client, &code, &verifier).await;
    let r1 = first["refresh_token"].as_str().expect("refresh token");
    let (status, second) = refresh(&app, &client, r1).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let r2 = second["refresh_token"].as_str().expect("rotated");
    assert!(
        revoked_events(&app).await.0.is_empty(),
        "a rotation revokes nothing"
    );
    // r1 again: a replay that revokes the family; then both again, which
    // find the grant revoked already.
    assert_eq!(refresh(&app, &client, r1).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(refresh(&app, &client, r1).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(refresh(&app, &client, r2).await.0, StatusCode::BAD_REQUEST);

    let (events, text) = revoked_events(&app).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_event(
        &events[0],
        &client,
        &grant_of(&first),
        &user,
        "refresh-token-reused",
    );
    assert!(
        events[0]["source"]
            .as_str()
            .unwrap()
            .ends_with("/oauth/token")
    );
    for t in [r1, r2] {
        assert!(!text.contains(t), "{text}");
    }
}

#[tokio::test]
async fn a_reused_code_revoking_what_it_issued_records_the_event() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    let user = create_user(&app, admin, "cr@example.com", false).await;
    let client = spa(&app, admin, true, &[]).await;
    let (code, verifier) = code_for(&app, &client, "cr@example.com", "openid offline_access").await;
    let (status, tokens) = exchange(&app, &client, &code, &verifier).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    for _ in 0..2 {
        let (status, body) = exchange(&app, &client, &code, &verifier).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }

    let (events, text) = revoked_events(&app).await;
    assert_eq!(
        events.len(),
        1,
        "the second reuse revokes nothing new: {events:?}"
    );
    assert_event(
        &events[0],
        &client,
        &grant_of(&tokens),
        &user,
        "code-reused",
    );
    assert!(!text.contains(&code), "{text}");
    assert!(
        !text.contains(tokens["refresh_token"].as_str().unwrap()),
        "{text}"
    );
}
