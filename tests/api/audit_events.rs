//! The audit log's events (contract §10): one for every change, written in
//! the change's own transaction, as CloudEvents carrying the request's id and
//! caller; none for a change that failed, also among concurrent writes.

use crate::support::audit::{events_of, exported};
use crate::support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashSet;

/// A management API call: status, body and the `x-request-id` it answered.
async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value, String) {
    let mut req = app.http.request(method, app.url(path)).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("send");
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let (status, body) = read(res).await;
    (status, body, id)
}

fn is_wire_time(t: &Value) -> bool {
    let t = t.as_str().unwrap_or("");
    t.len() == 27
        && t.ends_with('Z')
        && t.as_bytes()[19] == b'.'
        && t[20..26].bytes().all(|b| b.is_ascii_digit())
}

/// The CloudEvents attributes every event has.
fn assert_cloudevent(e: &Value, tenant: &str) {
    assert_eq!(e["specversion"], "1.0", "{e}");
    assert_eq!(e["id"].as_str().map(str::len), Some(32), "{e}");
    assert_eq!(e["tenantid"], tenant, "{e}");
    assert_eq!(e["datacontenttype"], "application/json", "{e}");
    assert!(is_wire_time(&e["time"]), "{e}");
    assert!(e["subject"].as_str().is_some_and(|s| !s.is_empty()), "{e}");
    assert!(
        e["type"].as_str().unwrap().starts_with("com.registrar."),
        "{e}"
    );
}

#[tokio::test]
async fn every_change_records_one_event_with_its_request_and_actor() {
    let app = spawn_app().await;
    let t = &app.admin;
    let source = format!("{}/api/core/oauth-clients", app.base);
    let mut expected: Vec<(&str, String, String)> = Vec::new();

    let (s, c, create_req) = call(&app, &t.token, Method::POST, "/api/core/oauth-clients",
        Some(json!({"appType":"web","clientName":"Billing","allowedGrantTypes":["client_credentials"],"allowedScopes":["read:x"]}))).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let id = c["clientId"].as_str().unwrap().to_owned();
    let first_secret = c["clientSecret"].as_str().unwrap().to_owned();
    expected.push(("com.registrar.oauth-client.created", id.clone(), create_req));

    let path = format!("/api/core/oauth-clients/{id}");
    let ops = json!([{"op":"replace","path":"/clientName","value":"Billing 2"}]);
    let (s, _, patch_req) = call(&app, &t.token, Method::PATCH, &path, Some(ops.clone())).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    expected.push((
        "com.registrar.oauth-client.updated",
        id.clone(),
        patch_req.clone(),
    ));

    let secrets = format!("{path}/client-secrets");
    let (s, added, add_req) = call(&app, &t.token, Method::POST, &secrets, None).await;
    assert_eq!(s, StatusCode::CREATED, "{added}");
    expected.push((
        "com.registrar.oauth-client.secret.created",
        id.clone(),
        add_req,
    ));
    let hint = &first_secret[first_secret.len() - 5..];
    let (s, _, del_secret_req) = call(
        &app,
        &t.token,
        Method::DELETE,
        &format!("{secrets}/{hint}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    expected.push((
        "com.registrar.oauth-client.secret.deleted",
        id.clone(),
        del_secret_req,
    ));

    // RFC 7009 revocation by the client itself.
    let new_secret = added["clientSecret"].as_str().unwrap();
    let token = app.token(&id, new_secret, None).await;
    let res = app
        .http
        .post(app.url("/oauth/revoke"))
        .basic_auth(&id, Some(new_secret))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let revoke_req = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    expected.push((
        "com.registrar.token.revoked",
        id.clone(),
        revoke_req.clone(),
    ));

    let res = app
        .http
        .delete(app.url(&path))
        .bearer_auth(&t.token)
        .header("qlik-confirm-delete", &id)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let delete_req = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    expected.push(("com.registrar.oauth-client.deleted", id.clone(), delete_req));

    let events = events_of(&app, &t.tenant_id).await;
    // The first event is the admin client `tenant create` made.
    let admin = &events[0];
    assert_eq!(admin["type"], "com.registrar.oauth-client.created");
    assert_eq!(admin["subject"], t.client_id);
    assert_eq!(admin["actor"], json!({"sub":"system"}));
    assert_eq!(admin["source"], "registrar");
    assert!(admin.get("traceid").is_none(), "{admin}");
    let got: Vec<(&str, String, String)> = events[1..]
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap(),
                e["subject"].as_str().unwrap().to_owned(),
                e["traceid"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    let ids: HashSet<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), events.len(), "event ids are unique");
    for e in &events {
        assert_cloudevent(e, &t.tenant_id);
    }
    for e in &events[1..] {
        let expected_source = if e["traceid"] == revoke_req.as_str() {
            format!("{}/oauth/revoke", app.base)
        } else {
            source.clone()
        };
        assert_eq!(e["source"], expected_source.as_str(), "{e}");
        let actor = if e["type"] == "com.registrar.token.revoked" {
            &id
        } else {
            &t.client_id
        };
        assert_eq!(e["actor"], json!({"sub": actor, "clientId": actor}), "{e}");
    }
    // data: the resource as the API shows it, or the patch's operations.
    let created = &events[1]["data"];
    assert_eq!(created["clientId"], id.as_str());
    assert_eq!(created["clientName"], "Billing");
    assert_eq!(created["clientSecrets"][0]["hint"], hint);
    assert!(created.get("clientSecret").is_none(), "{created}");
    assert_eq!(events[2]["data"], ops);
    assert_eq!(events[3]["data"]["hint"], added["hint"]);
    assert_eq!(events[3]["data"]["createdBy"], t.client_id.as_str());
    assert_eq!(events[4]["data"]["hint"], hint);
    let jti = {
        use base64::Engine;
        let claims = token.split('.').nth(1).unwrap();
        let claims: Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(claims)
                .unwrap(),
        )
        .unwrap();
        claims["jti"].as_str().unwrap().to_owned()
    };
    assert_eq!(events[5]["data"], json!({"jti": jti, "clientId": id}));
    assert!(!events[5].to_string().contains(&token));
    assert_eq!(
        events[6]["data"]["clientName"], "Billing 2",
        "the client as it was"
    );
    // One created event for a client made with its first secret.
    assert_eq!(
        events
            .iter()
            .filter(|e| e["subject"] == id.as_str()
                && e["type"] == "com.registrar.oauth-client.secret.created")
            .count(),
        1
    );
    // A repeated revocation changes nothing and records nothing.
    app.http
        .post(app.url("/oauth/revoke"))
        .basic_auth(&id, Some(new_secret))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(events_of(&app, &t.tenant_id).await.len(), events.len());
}

#[tokio::test]
async fn a_patch_that_draws_or_drops_secrets_records_their_events() {
    let app = spawn_app().await;
    let t = &app.admin;
    let key = crate::support::keys::ec_jwk("k1");
    let (s, c) = app
        .create_client(
            &t.token,
            json!({"appType":"web","clientName":"keys only",
        "allowedAuthMethods":["private_key_jwt"],"publicKeys":[key]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert!(c.get("clientSecret").is_none());
    let id = c["clientId"].as_str().unwrap();
    let (s, drawn, req) = call(&app, &t.token, Method::PATCH, &format!("/api/core/oauth-clients/{id}"),
        Some(json!([{"op":"replace","path":"/allowedAuthMethods","value":["private_key_jwt","client_secret"]}]))).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{drawn}");
    let secret = drawn["clientSecret"].as_str().unwrap();
    let (s, _, drop_req) = call(
        &app,
        &t.token,
        Method::PATCH,
        &format!("/api/core/oauth-clients/{id}"),
        Some(json!([{"op":"replace","path":"/allowedAuthMethods","value":["private_key_jwt"]}])),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);

    let events = events_of(&app, &t.tenant_id).await;
    let of = |req: &str| -> Vec<Value> {
        events
            .iter()
            .filter(|e| e["traceid"] == req)
            .cloned()
            .collect()
    };
    let mut drew: Vec<&str> = Vec::new();
    let drawn_events = of(&req);
    for e in &drawn_events {
        drew.push(e["type"].as_str().unwrap());
    }
    drew.sort_unstable();
    assert_eq!(
        drew,
        [
            "com.registrar.oauth-client.secret.created",
            "com.registrar.oauth-client.updated"
        ]
    );
    let created = drawn_events
        .iter()
        .find(|e| e["type"] == "com.registrar.oauth-client.secret.created")
        .unwrap();
    assert_eq!(created["data"]["hint"], &secret[secret.len() - 5..]);
    let dropped = of(&drop_req);
    assert_eq!(dropped.len(), 2, "{dropped:?}");
    assert!(
        dropped
            .iter()
            .any(|e| e["type"] == "com.registrar.oauth-client.secret.deleted"
                && e["data"]["hint"] == secret[secret.len() - 5..])
    );
    for e in &events {
        assert!(!e.to_string().contains(secret), "secret in {e}");
    }
}

#[tokio::test]
async fn failed_changes_record_nothing() {
    let app = spawn_app().await;
    let t = &app.admin;
    let c = app.web_client(&t.token, "full").await;
    let id = c["clientId"].as_str().unwrap();
    for _ in 0..4 {
        assert_eq!(app.add_secret(&t.token, id).await.0, StatusCode::CREATED);
    }
    let spa = app
        .create_client(
            &t.token,
            json!({"appType":"spa","clientName":"s","redirectUris":["https://a.example.com/cb"]}),
        )
        .await
        .1;
    let spa_id = spa["clientId"].as_str().unwrap();
    let before = events_of(&app, &t.tenant_id).await;

    let path = format!("/api/core/oauth-clients/{id}");
    let missing = "/api/core/oauth-clients/0123456789abcdefghijklmnopqrstuv";
    let failures = [
        call(
            &app,
            &t.token,
            Method::POST,
            "/api/core/oauth-clients",
            Some(json!({"appType":"web"})),
        )
        .await,
        call(
            &app,
            &t.token,
            Method::PATCH,
            &path,
            Some(
                json!([{"op":"replace","path":"/redirectUris","value":["http://example.com/cb"]}]),
            ),
        )
        .await,
        call(
            &app,
            &t.token,
            Method::PATCH,
            &path,
            Some(json!([{"op":"remove","path":"/logoUri"}])),
        )
        .await,
        call(
            &app,
            &t.token,
            Method::PATCH,
            missing,
            Some(json!([{"op":"replace","path":"/clientName","value":"x"}])),
        )
        .await,
        call(
            &app,
            &t.token,
            Method::POST,
            &format!("{path}/client-secrets"),
            None,
        )
        .await,
        call(
            &app,
            &t.token,
            Method::POST,
            &format!("/api/core/oauth-clients/{spa_id}/client-secrets"),
            None,
        )
        .await,
        call(
            &app,
            &t.token,
            Method::DELETE,
            &format!("{path}/client-secrets/zzzzz"),
            None,
        )
        .await,
        call(&app, &t.token, Method::DELETE, missing, None).await,
    ];
    let statuses: Vec<u16> = failures.iter().map(|f| f.0.as_u16()).collect();
    assert_eq!(statuses, [400, 400, 400, 404, 409, 400, 404, 400]);
    assert_eq!(events_of(&app, &t.tenant_id).await, before);
}

/// Concurrent writes on SQLite share group-commit batches (each request a
/// savepoint); on PostgreSQL they are concurrent transactions. Either way
/// every acknowledged change has exactly its events and no refused request
/// left one: the refusals here (a sixth secret, an invalid patch) happen
/// after their transaction has read and written.
#[tokio::test]
async fn concurrent_writes_record_exactly_the_acknowledged_changes() {
    let app = spawn_app().await;
    let t = app.admin.clone();
    let c = app.web_client(&t.token, "busy").await;
    let id = c["clientId"].as_str().unwrap().to_owned();
    for _ in 0..3 {
        assert_eq!(app.add_secret(&t.token, &id).await.0, StatusCode::CREATED);
    }
    let before = events_of(&app, &t.tenant_id).await.len();
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for i in 0..36 {
        let (app, token, id) = (app.clone(), t.token.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            let path = format!("/api/core/oauth-clients/{id}");
            match i % 3 {
                0 => call(&app, &token, Method::POST, "/api/core/oauth-clients",
                    Some(json!({"appType":"native","clientName":format!("n{i}"),"redirectUris":["com.example.app:/cb"]}))).await,
                1 => call(&app, &token, Method::POST, &format!("{path}/client-secrets"), None).await,
                _ => call(&app, &token, Method::PATCH, &path,
                    Some(json!([{"op":"add","path":"/redirectUris/-","value":format!("ftp://x/{i}")}]))).await,
            }
        }));
    }
    let mut ok = HashSet::new();
    let mut refused = HashSet::new();
    for task in tasks {
        let (status, _, req) = task.await.unwrap();
        if status.is_success() {
            ok.insert(req);
        } else {
            refused.insert(req);
        }
    }
    // 12 creates, one more secret (the fifth), no patch.
    assert_eq!(ok.len(), 13);
    let events = events_of(&app, &t.tenant_id).await;
    let traced: Vec<String> = events[before..]
        .iter()
        .map(|e| e["traceid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(traced.len(), 13, "{traced:?}");
    assert_eq!(traced.iter().cloned().collect::<HashSet<_>>(), ok);
    assert!(refused.iter().all(|r| !traced.contains(r)));
}

#[tokio::test]
async fn a_signing_key_rotation_is_a_server_wide_event_of_the_system() {
    let app = spawn_app().await;
    let rotated = registrar::cli::keys::rotate_in(&app.store, 0)
        .await
        .unwrap();
    let (all, _) = exported(&app.store, None).await;
    let e = all
        .iter()
        .find(|e| e["type"] == "com.registrar.signing-key.rotated")
        .expect("rotation event");
    assert_eq!(e["subject"], rotated.kid.as_str());
    assert_eq!(e["actor"], json!({"sub":"system"}));
    assert_eq!(e["source"], "registrar");
    assert!(
        e.get("tenantid").is_none() && e.get("traceid").is_none(),
        "{e}"
    );
    assert_eq!(e["data"]["kid"], rotated.kid.as_str());
    assert!(e["data"].get("privateKey").is_none());
    let tenant_events = events_of(&app, &app.admin.tenant_id).await;
    assert!(
        tenant_events
            .iter()
            .all(|e| e["type"] != "com.registrar.signing-key.rotated")
    );
}

#[tokio::test]
async fn a_tenant_never_sees_another_tenants_events() {
    let app = spawn_app().await;
    let other = app.new_tenant("other").await;
    let mine = app.web_client(&app.admin.token, "mine").await;
    let theirs = app.web_client(&other.token, "theirs").await;
    let my_events = events_of(&app, &app.admin.tenant_id).await;
    let their_events = events_of(&app, &other.tenant_id).await;
    assert!(
        my_events
            .iter()
            .all(|e| e["tenantid"] == app.admin.tenant_id.as_str())
    );
    assert!(
        their_events
            .iter()
            .all(|e| e["tenantid"] == other.tenant_id.as_str())
    );
    assert!(my_events.iter().any(|e| e["subject"] == mine["clientId"]));
    assert!(!my_events.iter().any(|e| e["subject"] == theirs["clientId"]));
    // Another tenant's client is answered as missing, and nothing is recorded.
    let theirs_id = theirs["clientId"].as_str().unwrap();
    assert_eq!(
        app.patch(
            &app.admin.token,
            theirs_id,
            json!([{"op":"replace","path":"/clientName","value":"x"}])
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.delete_client(&app.admin.token, theirs_id).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(events_of(&app, &other.tenant_id).await, their_events);
    assert_eq!(events_of(&app, &app.admin.tenant_id).await, my_events);
}
