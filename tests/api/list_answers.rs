//! A list page shows every client exactly as its `GET` does, after every
//! kind of change, whether the store kept the client's answer ready
//! (`clients.wire`, migration 0011) or has to draw it from the client: an
//! answer kept for an earlier state is never shown.

use crate::support::app::{TestApp, spawn_app};
use crate::support::db::RawDb;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Every item of the tenant's one page, against the `GET` of its client.
async fn assert_page_matches_gets(app: &TestApp, step: &str) {
    let token = &app.admin.token;
    let (status, page) = app.list(token, "limit=100").await;
    assert_eq!(status, StatusCode::OK, "{step}: {page}");
    let items = page["data"].as_array().expect("data");
    assert!(items.len() >= 4, "{step}: {page}");
    for item in items {
        let id = item["clientId"].as_str().expect("clientId");
        let (status, one) = app.get_client(token, id).await;
        assert_eq!(status, StatusCode::OK, "{step}: {one}");
        assert_eq!(item, &one, "{step}: the page and the GET of {id} differ");
    }
}

/// How many of the tenant's clients have no answer kept for their state.
async fn without_answer(app: &TestApp) -> i64 {
    let mut db = RawDb::connect(&app.db.url).await;
    let n = db
        .scalar(
            "SELECT COUNT(*) FROM clients WHERE tenant_id = $1 \
             AND (wire IS NULL OR wire_at IS NULL OR wire_at <> updated_at)",
            &[&app.admin.tenant_id],
        )
        .await;
    db.close().await;
    n
}

/// The hints of a client's secrets (none where it shows no `clientSecrets`).
fn secret_hints(client: &Value) -> Vec<String> {
    client["clientSecrets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| s["hint"].as_str().expect("hint").to_owned())
        .collect()
}

#[tokio::test]
async fn every_write_keeps_the_answer_and_pages_match_gets() {
    let app = spawn_app().await;
    let token = app.admin.token.clone();
    let web = app.web_client(&token, "Web \"quoted\" ünïcode").await;
    let web_id = web["clientId"].as_str().unwrap().to_owned();
    for body in [
        json!({"appType":"spa","clientName":"Spa","redirectUris":["https://spa.example/cb"],"allowedOrigins":["https://spa.example"]}),
        json!({"appType":"native","clientName":"Native","redirectUris":["com.example.app:/cb"]}),
    ] {
        let (status, c) = app.create_client(&token, body).await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
    }
    // `tenant create`'s clients and the creates keep their answers.
    assert_eq!(without_answer(&app).await, 0);
    assert_page_matches_gets(&app, "created").await;

    let (status, added) = app.add_secret(&token, &web_id).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(without_answer(&app).await, 0, "a second secret");
    assert_page_matches_gets(&app, "a second secret").await;

    let (_, now) = app.get_client(&token, &web_id).await;
    let first = secret_hints(&now)[0].clone();
    let (status, body) = app.delete_secret(&token, &web_id, &first).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(without_answer(&app).await, 0, "a secret deleted");
    assert_page_matches_gets(&app, "a secret deleted").await;

    let ops = json!([{"op":"replace","path":"/clientName","value":"Renamed"},
                     {"op":"add","path":"/description","value":"now described"}]);
    let (status, body) = app.patch(&token, &web_id, ops).await;
    assert!(status.is_success(), "{body}");
    assert_eq!(without_answer(&app).await, 0, "a rename");
    assert_page_matches_gets(&app, "a rename").await;

    // A patch that drops secret support drops the secrets; one that grants
    // it again draws a new secret (202).
    let drop = json!([{"op":"replace","path":"/allowedAuthMethods","value":["private_key_jwt"]},
                      {"op":"add","path":"/publicKeys","value":[crate::support::keys::rsa_jwk("k")]}]);
    let (status, body) = app.patch(&token, &web_id, drop).await;
    assert!(status.is_success(), "{body}");
    let (_, dropped) = app.get_client(&token, &web_id).await;
    assert_eq!(secret_hints(&dropped).len(), 0, "{dropped}");
    assert_eq!(without_answer(&app).await, 0, "secrets dropped");
    assert_page_matches_gets(&app, "secrets dropped").await;
    let grant = json!([{"op":"replace","path":"/allowedAuthMethods","value":["private_key_jwt","client_secret"]}]);
    let (status, body) = app.patch(&token, &web_id, grant).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(without_answer(&app).await, 0, "a secret granted");
    assert_page_matches_gets(&app, "a secret granted").await;
}

#[tokio::test]
async fn an_answer_kept_for_an_earlier_state_is_never_shown() {
    let app = spawn_app().await;
    let token = app.admin.token.clone();
    let web = app.web_client(&token, "Stale").await;
    let web_id = web["clientId"].as_str().unwrap().to_owned();
    let (status, spa) = app
        .create_client(
            &token,
            json!({"appType":"spa","clientName":"Missing","redirectUris":["https://s.example/cb"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{spa}");
    let spa_id = spa["clientId"].as_str().unwrap().to_owned();
    let (_, before) = app.get_client(&token, &web_id).await;
    let mut db = RawDb::connect(&app.db.url).await;
    // One answer written for another state (as a writer that changed the
    // row without rewriting it would leave), one missing (as rows written
    // before migration 0011 are).
    let changed = db
        .execute(
            "UPDATE clients SET wire = '{\"clientId\":\"bogus\"}', wire_at = updated_at - 1 WHERE client_id = $1",
            &[&web_id],
        )
        .await;
    assert_eq!(changed, 1);
    let changed = db
        .execute(
            "UPDATE clients SET wire = NULL, wire_at = NULL WHERE client_id = $1",
            &[&spa_id],
        )
        .await;
    assert_eq!(changed, 1);
    db.close().await;
    assert_eq!(without_answer(&app).await, 2);
    let (status, page) = app.list(&token, "limit=100").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(!page.to_string().contains("bogus"), "{page}");
    let shown = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["clientId"] == web_id.as_str())
        .expect("the web client is listed");
    assert_eq!(shown, &before, "drawn from the client, secrets included");
    assert_page_matches_gets(&app, "answers stale or missing").await;
    // Filtered, sorted and counted pages read the same columns.
    let (status, page) = app
        .list(
            &token,
            "sort=clientName&totalResults=true&filter=clientName%20co%20%22s%22",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(!page.to_string().contains("bogus"), "{page}");
    assert!(page["totalResults"].as_i64().unwrap() >= 2, "{page}");
}
