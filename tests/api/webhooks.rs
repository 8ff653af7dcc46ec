//! Webhooks (contract §10): a tenant's events delivered at least once, in
//! order per subject, from the durable outbox, signed as Standard Webhooks
//! specifies, retried with backoff until the receiver accepts them; targets
//! validated; and no secret, password or token in any event, export line or
//! delivery.

use crate::support::PROVISIONED_CLIENTS;
use crate::support::audit::{
    Receiver, SECRET, events_of, exported, set_webhook, spawn_with_webhooks, verify, wait_delivered,
};
use crate::support::users;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

/// The subjects' sequences of event ids, as recorded and as delivered.
fn per_subject(events: &[Value]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in events {
        out.entry(e["subject"].as_str().unwrap().to_lowercase())
            .or_default()
            .push(e["id"].as_str().unwrap().to_owned());
    }
    out
}

/// Deliveries without repeats (at least once: a retry repeats an id),
/// first arrival kept.
fn first_arrivals(deliveries: &[crate::support::audit::Delivery]) -> Vec<Value> {
    let mut seen = HashSet::new();
    deliveries
        .iter()
        .filter(|d| seen.insert(d.id.clone()))
        .map(|d| d.event())
        .collect()
}

#[tokio::test]
async fn every_event_is_delivered_signed_and_in_order_per_subject() {
    let app = spawn_with_webhooks(Duration::from_millis(100)).await;
    let receiver = Receiver::start(SECRET, 0).await;
    set_webhook(&app.store, &app.admin.tenant_id, &receiver.url, SECRET).await;
    let other = app.new_tenant("other").await;

    let mut ids = Vec::new();
    for i in 0..4 {
        let c = app.web_client(&app.admin.token, &format!("c{i}")).await;
        ids.push(c["clientId"].as_str().unwrap().to_owned());
    }
    app.web_client(&other.token, "not delivered").await;
    for round in 0..3 {
        for id in &ids {
            let (s, _) = app
                .patch(
                    &app.admin.token,
                    id,
                    json!([{"op":"replace","path":"/clientName","value":format!("r{round}")}]),
                )
                .await;
            assert_eq!(s, StatusCode::NO_CONTENT);
        }
    }
    // The events before the webhook was set are not in its outbox.
    let recorded = events_of(&app, &app.admin.tenant_id).await;
    let expected: Vec<Value> = recorded[PROVISIONED_CLIENTS..].to_vec();
    assert_eq!(expected.len(), 16);
    let got = receiver.wait_accepted(16, Duration::from_secs(30)).await;
    assert_eq!(got.len(), 16, "every event arrives");
    for d in &got {
        assert!(d.verified, "signature of {}", d.id);
        assert_eq!(d.content_type, "application/cloudevents+json");
        let now = registrar::domain::time::Timestamp::now().unix_seconds();
        assert!(
            (now - d.timestamp).abs() < 120,
            "webhook-timestamp is the attempt's time"
        );
        assert_eq!(
            d.id,
            d.event()["id"].as_str().unwrap(),
            "webhook-id is the event id"
        );
        assert!(d.signature.starts_with("v1,"));
        // The body is the event exactly as stored.
        assert!(expected.contains(&d.event()), "{}", d.body);
    }
    let delivered = first_arrivals(&got);
    assert_eq!(
        per_subject(&delivered),
        per_subject(&expected),
        "order per subject"
    );
    assert!(
        delivered
            .iter()
            .all(|e| e["tenantid"] == app.admin.tenant_id.as_str())
    );
    // A forged signature does not verify.
    assert!(!verify(
        b"another key of 24 bytes!",
        &got[0].id,
        &got[0].timestamp.to_string(),
        got[0].body.as_bytes(),
        &got[0].signature
    ));
    assert_eq!(wait_delivered(&app.store, &app.admin.tenant_id).await, 0);
}

#[tokio::test]
async fn a_failing_receiver_gets_every_event_once_it_recovers() {
    let app = spawn_with_webhooks(Duration::from_millis(100)).await;
    // Five refusals with 500, then it accepts.
    let receiver = Receiver::start(SECRET, 5).await;
    set_webhook(&app.store, &app.admin.tenant_id, &receiver.url, SECRET).await;
    let c = app.web_client(&app.admin.token, "flaky").await;
    let id = c["clientId"].as_str().unwrap();
    for i in 0..5 {
        app.patch(
            &app.admin.token,
            id,
            json!([{"op":"replace","path":"/clientName","value":format!("v{i}")}]),
        )
        .await;
    }
    let got = receiver.wait_accepted(6, Duration::from_secs(40)).await;
    assert_eq!(got.len(), 6, "{:?}", receiver.log().len());
    let log = receiver.log();
    assert!(log.iter().filter(|d| d.answered == 500).count() == 5);
    // The refused event was retried under the same id.
    let refused: HashSet<&str> = log
        .iter()
        .filter(|d| d.answered == 500)
        .map(|d| d.id.as_str())
        .collect();
    assert!(refused.iter().all(|id| got.iter().any(|d| d.id == *id)));
    let expected = events_of(&app, &app.admin.tenant_id).await[PROVISIONED_CLIENTS..].to_vec();
    assert_eq!(
        first_arrivals(&got),
        expected,
        "one subject: the order of the log"
    );
}

#[tokio::test]
async fn unsetting_a_webhook_drops_its_undelivered_events_and_targets_are_checked() {
    let app = spawn_with_webhooks(Duration::from_secs(30)).await;
    let receiver = Receiver::start(SECRET, 0).await;
    receiver.set_down(true);
    let tenant = &app.admin.tenant_id;
    set_webhook(&app.store, tenant, &receiver.url, SECRET).await;
    app.web_client(&app.admin.token, "pending").await;
    assert_eq!(app.store.pending_deliveries(tenant).await.unwrap(), 1);
    assert!(app.store.unset_webhook(tenant).await.unwrap());
    assert_eq!(app.store.pending_deliveries(tenant).await.unwrap(), 0);
    assert!(!app.store.unset_webhook(tenant).await.unwrap());

    let set = |url: &'static str, secret: &'static str, allow: bool| {
        let store = app.store.clone();
        let tenant = tenant.clone();
        async move {
            let req = registrar::cli::webhook::SetRequest {
                tenant_id: &tenant,
                url,
                secret: Some(secret.to_owned()),
                allow_internal: allow,
            };
            registrar::cli::webhook::set_in(&store, req)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
    };
    for (url, why) in [
        ("http://127.0.0.1:9/hook", "loopback"),
        ("http://localhost/hook", "loopback"),
        ("http://10.0.0.8/hook", "loopback or private"),
        ("http://169.254.169.254/latest", "private"),
        ("ftp://example.com/hook", "http or https"),
        ("not a url", "absolute URL"),
    ] {
        let err = set(url, SECRET, false).await.expect_err(url);
        assert!(err.contains(why), "{url}: {err}");
    }
    let err = set(
        "https://hooks.example.com/x",
        "plain-text-secret-of-enough-length",
        false,
    )
    .await
    .unwrap_err();
    assert!(err.contains("whsec_"), "{err}");
    assert!(set("http://127.0.0.1:9/hook", SECRET, true).await.is_ok());
    let req = registrar::cli::webhook::SetRequest {
        tenant_id: "nosuchtenant",
        url: "https://hooks.example.com/x",
        secret: None,
        allow_internal: false,
    };
    let err = registrar::cli::webhook::set_in(&app.store, req)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("no tenant"), "{err}");
}

/// A walkthrough of every route that writes (clients, secrets, the
/// revoke-tokens action, users with passwords), the token endpoint,
/// revocation, rotation and a 202 patch: no secret or token it produced
/// appears in any stored event, export line or webhook delivery.
#[tokio::test]
async fn no_secret_or_token_reaches_any_event_export_line_or_delivery() {
    let app = spawn_with_webhooks(Duration::from_millis(100)).await;
    let receiver = Receiver::start(SECRET, 1).await;
    let t = app.admin.clone();
    set_webhook(&app.store, &t.tenant_id, &receiver.url, SECRET).await;
    let mut secrets: Vec<String> = vec![
        t.client_secret.clone(),
        t.token.clone(),
        SECRET.to_owned(),
        SECRET[6..].to_owned(),
    ];

    let c = app.web_client(&t.token, "walk").await;
    let id = c["clientId"].as_str().unwrap().to_owned();
    let first = c["clientSecret"].as_str().unwrap().to_owned();
    secrets.push(first.clone());
    app.patch(
        &t.token,
        &id,
        json!([{"op":"replace","path":"/clientName","value":"walked"}]),
    )
    .await;
    let (_, added) = app.add_secret(&t.token, &id).await;
    let second = added["clientSecret"].as_str().unwrap().to_owned();
    secrets.push(second.clone());
    assert_eq!(
        app.delete_secret(&t.token, &id, &first[first.len() - 5..])
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    for _ in 0..2 {
        let token = app.token(&id, &second, None).await;
        secrets.push(token.clone());
        let res = app
            .http
            .post(app.url("/oauth/revoke"))
            .basic_auth(&id, Some(&second))
            .form(&[("token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    let key = crate::support::keys::ec_jwk("k1");
    let (_, k) = app.create_client(&t.token, json!({"appType":"web","clientName":"k","allowedAuthMethods":["private_key_jwt"],"publicKeys":[key]})).await;
    let kid = k["clientId"].as_str().unwrap();
    let (s, drawn) = app.patch(&t.token, kid, json!([{"op":"replace","path":"/allowedAuthMethods","value":["private_key_jwt","client_secret"]}])).await;
    assert_eq!(s, StatusCode::ACCEPTED);
    secrets.push(drawn["clientSecret"].as_str().unwrap().to_owned());
    let revoke = format!("/api/core/oauth-clients/{id}/actions/revoke-tokens");
    let res = app
        .http
        .post(app.url(&revoke))
        .bearer_auth(&t.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // A user with a password, given another, then deleted.
    let u = users::user(&app, &t.token, "walk@example.com").await;
    let uid = u["id"].as_str().unwrap();
    let second_password = "the walkthrough's second password";
    let ops = json!([{"op":"replace","path":"/password","value":second_password}]);
    assert_eq!(
        users::patch_user(&app, &t.token, uid, ops).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        users::delete_user(&app, &t.token, uid).await.0,
        StatusCode::NO_CONTENT
    );
    secrets.push(users::PASSWORD.to_owned());
    secrets.push(second_password.to_owned());
    app.delete_client(&t.token, &id).await;
    registrar::cli::keys::rotate_in(&app.store, 0)
        .await
        .unwrap();
    for k in app.store.signing_keys().await.unwrap() {
        // The private keys' bytes, as base64 in either alphabet.
        use base64::Engine;
        secrets.push(
            base64::engine::general_purpose::STANDARD.encode(&k.private_key)[..40].to_owned(),
        );
        secrets.push(
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&k.private_key)[..40]
                .to_owned(),
        );
    }

    let (stored, lines) = exported(&app.store, None).await;
    let expected = events_of(&app, &t.tenant_id).await.len() - PROVISIONED_CLIENTS;
    let delivered = receiver
        .wait_accepted(expected, Duration::from_secs(30))
        .await;
    assert_eq!(delivered.len(), expected);
    assert!(stored.len() >= 12, "{}", stored.len());
    let bodies: String = receiver
        .log()
        .iter()
        .map(|d| format!("{} {}\n", d.body, d.signature))
        .collect();
    for secret in &secrets {
        assert!(!lines.contains(secret.as_str()), "a secret in the export");
        assert!(!bodies.contains(secret.as_str()), "a secret in a delivery");
    }
}
