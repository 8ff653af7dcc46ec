//! User impersonation (contract §9) and user-token liveness (§7) over real
//! HTTP: the grant by JSON and by form, each lookup field, each refusal,
//! the `act` claim, no refresh token, management scopes only for a
//! `TenantAdmin`, and a disabled or deleted user's token refused at once.

use crate::support::users::*;
use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn lookup(field: &str, value: &str) -> Value {
    json!({"field": field, "value": value})
}

#[tokio::test]
async fn a_trusted_web_client_gets_a_token_for_a_user_by_json_and_by_form() {
    let app = spawn_app().await;
    let (cid, secret) = impersonator(&app, &app.admin, &["read", "write"]).await;
    let (status, u) = create_user(
        &app,
        &app.admin.token,
        json!({"email": "Ivy@Example.com", "name": "Ivy", "password": PASSWORD, "subject": "idp|ivy"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{u}");
    let uid = u["id"].as_str().unwrap();
    let lookups = [
        lookup("userId", uid),
        lookup("subject", "idp|ivy"),
        lookup("email", "ivy@EXAMPLE.com"),
    ];
    for l in &lookups {
        let (status, body) = impersonate_json(
            &app,
            &cid,
            &secret,
            json!({"user_lookup": l, "scope": "read"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "JSON {l}: {body}");
        assert_eq!(body["scope"], "read");
        assert!(body.get("refresh_token").is_none(), "{body}");
        let c = claims(body["access_token"].as_str().unwrap());
        assert_eq!(c["sub"], uid, "{l}");
        assert_eq!(c["client_id"], cid);
        assert_eq!(c["act"], json!({"sub": cid}));
        assert_eq!(c["tenant_id"], app.admin.tenant_id);

        let text = l.to_string();
        let (status, body) =
            impersonate_form(&app, &cid, &secret, &[("user_lookup", text.as_str())]).await;
        assert_eq!(status, StatusCode::OK, "form {l}: {body}");
        assert_eq!(body["scope"], "read write", "no scope means all allowed");
        assert!(body.get("refresh_token").is_none());
        let c = claims(body["access_token"].as_str().unwrap());
        assert_eq!(
            (c["sub"].as_str(), &c["act"]),
            (Some(uid), &json!({"sub": cid}))
        );
    }
}

#[tokio::test]
async fn each_impersonation_rule_refuses_with_its_error() {
    let app = spawn_app().await;
    let admin = &app.admin;
    let (cid, secret) = impersonator(&app, admin, &["read"]).await;
    let u = user(&app, &admin.token, "rule@example.com").await;
    let uid = u["id"].as_str().unwrap().to_owned();
    let ok = json!({"user_lookup": lookup("userId", &uid)});
    assert_eq!(
        impersonate_json(&app, &cid, &secret, ok.clone()).await.0,
        StatusCode::OK
    );

    let malformed = [
        json!({}),
        json!({"user_lookup": "not json"}),
        json!({"user_lookup": "[1]"}),
        json!({"user_lookup": {"field": "phone", "value": "1"}}),
        json!({"user_lookup": {"field": "email"}}),
        json!({"user_lookup": {"field": "email", "value": ""}}),
        json!({"user_lookup": {"field": "email", "value": "a", "x": 1}}),
        json!({"user_lookup": ["field", "email"]}),
    ];
    for body in malformed {
        let (status, e) = impersonate_json(&app, &cid, &secret, body.clone()).await;
        assert_eq!(
            (status, e["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_request")),
            "{body}: {e}"
        );
    }
    let unknown = [
        lookup("userId", &"z".repeat(32)),
        lookup("userId", "short"),
        lookup("email", "nobody@example.com"),
        lookup("subject", "nobody"),
    ];
    for l in unknown {
        let (status, e) = impersonate_json(&app, &cid, &secret, json!({"user_lookup": l})).await;
        assert_eq!(
            (status, e["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_grant")),
            "{l}: {e}"
        );
    }
    let (status, e) = impersonate_json(
        &app,
        &cid,
        &secret,
        json!({"user_lookup": lookup("userId", &uid), "scope": "read admin"}),
    )
    .await;
    assert_eq!(
        (status, e["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_scope"))
    );

    // A disabled user, and a user of another tenant, cannot be impersonated.
    let ops = json!([{"op": "replace", "path": "/status", "value": "disabled"}]);
    assert_eq!(
        patch_user(&app, &admin.token, &uid, ops).await.0,
        StatusCode::NO_CONTENT
    );
    let (status, e) = impersonate_json(&app, &cid, &secret, ok).await;
    assert_eq!(e["error"], "invalid_grant", "{status}");
    let other = app.new_tenant("other").await;
    let foreign = user(&app, &other.token, "foreign@example.com").await;
    let (_, e) = impersonate_json(
        &app,
        &cid,
        &secret,
        json!({"user_lookup": lookup("userId", foreign["id"].as_str().unwrap())}),
    )
    .await;
    assert_eq!(e["error"], "invalid_grant");
}

#[tokio::test]
async fn only_trusted_web_clients_allowing_the_grant_may_impersonate() {
    let app = spawn_app().await;
    let t = &app.admin.token;
    let u = user(&app, t, "who@example.com").await;
    let body = json!({"user_lookup": lookup("userId", u["id"].as_str().unwrap())});
    let clients = [
        // consentMethod left as `required`.
        json!({"appType": "web", "clientName": "untrusted", "allowedGrantTypes": [IMPERSONATION]}),
        // Trusted, but the grant is not allowed.
        json!({"appType": "web", "clientName": "no-grant", "allowedGrantTypes": ["client_credentials"],
               "connectionConfig": {"consentMethod": "trusted"}}),
    ];
    for c in clients {
        let (status, created) = app.create_client(t, c.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let (status, e) = impersonate_json(
            &app,
            created["clientId"].as_str().unwrap(),
            created["clientSecret"].as_str().unwrap(),
            body.clone(),
        )
        .await;
        assert_eq!(
            (status, e["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("unauthorized_client")),
            "{c}: {e}"
        );
    }
    let lookup_text = body["user_lookup"].to_string();
    for app_type in ["spa", "native"] {
        let (status, created) = app
            .create_client(
                t,
                json!({"appType": app_type, "clientName": app_type, "redirectUris": ["http://127.0.0.1:9/cb"],
                       "connectionConfig": {"consentMethod": "trusted"}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let res = app
            .http
            .post(app.url("/oauth/token"))
            .form(&[
                ("grant_type", IMPERSONATION),
                ("client_id", created["clientId"].as_str().unwrap()),
                ("user_lookup", lookup_text.as_str()),
            ])
            .send()
            .await
            .unwrap();
        let (status, e) = read(res).await;
        assert_eq!(
            (status, e["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("unauthorized_client")),
            "{app_type}: {e}"
        );
    }
}

#[tokio::test]
async fn management_scopes_reach_a_user_token_only_for_a_tenant_admin() {
    let app = spawn_app().await;
    let t = &app.admin.token;
    let (cid, secret) = impersonator(&app, &app.admin, &["users:read", "profile"]).await;
    let plain = user(&app, t, "plain@example.com").await;
    let (status, admin) = create_user(
        &app,
        t,
        json!({"email": "boss@example.com", "name": "Boss", "password": PASSWORD, "roles": ["TenantAdmin"]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let scope_of = |u: &Value| json!({"user_lookup": lookup("userId", u["id"].as_str().unwrap())});
    let (_, body) = impersonate_json(&app, &cid, &secret, scope_of(&plain)).await;
    assert_eq!(body["scope"], "profile", "{body}");
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(
        get_user(&app, token, plain["id"].as_str().unwrap()).await.0,
        StatusCode::FORBIDDEN
    );
    let (_, body) = impersonate_json(&app, &cid, &secret, scope_of(&admin)).await;
    assert_eq!(body["scope"], "users:read profile", "{body}");
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(
        get_user(&app, token, plain["id"].as_str().unwrap()).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_disabled_or_deleted_users_token_is_refused_at_once() {
    let app = spawn_app().await;
    let admin = &app.admin;
    let (cid, secret) = impersonator(&app, admin, &["users:read"]).await;
    let (status, u) = create_user(
        &app,
        &admin.token,
        json!({"email": "live@example.com", "name": "Live", "password": PASSWORD, "roles": ["TenantAdmin"]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let uid = u["id"].as_str().unwrap();
    let (_, body) = impersonate_json(
        &app,
        &cid,
        &secret,
        json!({"user_lookup": lookup("userId", uid)}),
    )
    .await;
    let token = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(get_user(&app, &token, uid).await.0, StatusCode::OK);
    let active = introspect(&app, admin, &token).await;
    assert_eq!(active["active"], true);
    assert_eq!(active["sub"], uid);
    assert_eq!(active["act"], json!({"sub": cid}));

    let set = |status: &str| json!([{"op": "replace", "path": "/status", "value": status}]);
    assert_eq!(
        patch_user(&app, &admin.token, uid, set("disabled")).await.0,
        StatusCode::NO_CONTENT
    );
    let (status, e) = get_user(&app, &token, uid).await;
    assert_code(
        status,
        &e,
        StatusCode::UNAUTHORIZED,
        "OAUTH-CLIENTS-12",
        "Unauthorized.",
    );
    assert_eq!(
        introspect(&app, admin, &token).await,
        json!({"active": false})
    );

    // Nothing is cached: enabled again, the same token works again.
    assert_eq!(
        patch_user(&app, &admin.token, uid, set("active")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(get_user(&app, &token, uid).await.0, StatusCode::OK);

    assert_eq!(
        delete_user(&app, &admin.token, uid).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        get_user(&app, &token, uid).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        introspect(&app, admin, &token).await,
        json!({"active": false})
    );
    // The client's own tokens are unaffected.
    let own = app.token(&cid, &secret, None).await;
    assert_eq!(introspect(&app, admin, &own).await["active"], true);
}
