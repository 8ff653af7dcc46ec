//! Several `registrar serve` processes on one database behave as one service
//! (issue 4): each test runs two or three real server processes, as a load
//! balancer would, sharing one `--public-url`, and checks that what one
//! instance does is seen at once by the others.
//!
//! On the `postgres` target this is the deployment of contract §1; on the
//! `api` target the same holds for processes sharing one SQLite file.

use crate::support::servers::start_instances;
use crate::support::*;
use registrar::store::{PoolSettings, Store};
use reqwest::StatusCode;
use serde_json::json;
use std::sync::Arc;

/// A database with the schema and one tenant; returns its admin client's id
/// and secret. The schema is made by the same code `serve` runs.
async fn database_with_tenant() -> (TestDb, String, String) {
    let db = TestDb::fresh().await;
    let store = Store::connect(&db.url, &PoolSettings::default())
        .await
        .expect("connect store");
    let t = registrar::cli::tenant::provision(&store, "acme", DEFAULT_PUBLIC_URL)
        .await
        .expect("provision");
    store.close().await;
    (db, t.client_id, t.client_secret)
}

fn client_path(id: &str) -> String {
    format!("/api/core/oauth-clients/{id}")
}

#[tokio::test]
async fn a_client_created_on_one_instance_is_listed_and_gettable_on_another() {
    let (db, admin_id, admin_secret) = database_with_tenant().await;
    let nodes = start_instances(&db.url, 2, &[]);
    let (a, b) = (&nodes[0], &nodes[1]);
    let token = a.token(&admin_id, &admin_secret).await;

    let created = a.web_client(&token, "made on A", &["x:read"]).await;
    let id = created["clientId"].as_str().unwrap();

    let (status, got) = b.get(&token, &client_path(id)).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["clientName"], "made on A");
    assert_eq!(got["clientSecrets"], created["clientSecrets"]);
    let (status, list) = b.get(&token, "/api/core/oauth-clients?limit=100").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let ids: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["clientId"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&id), "B lists the client made on A: {ids:?}");
    // And the other way round: B's change is what A answers.
    let patch = json!([{"op":"replace","path":"/clientName","value":"renamed on B"}]);
    let (status, body) = b.patch(&token, &client_path(id), &patch).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, got) = a.get(&token, &client_path(id)).await;
    assert_eq!(got["clientName"], "renamed on B");
}

#[tokio::test]
async fn ten_concurrent_secret_creations_split_over_two_instances_never_make_a_sixth() {
    let (db, admin_id, admin_secret) = database_with_tenant().await;
    let nodes = Arc::new(start_instances(&db.url, 2, &[]));
    let token = nodes[0].token(&admin_id, &admin_secret).await;
    for round in 0..2 {
        let c = nodes[0]
            .web_client(&token, &format!("race {round}"), &[])
            .await;
        let id = c["clientId"].as_str().unwrap().to_owned();
        // The client starts with one secret; four more fit.
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..10 {
            let (nodes, token, id) = (nodes.clone(), token.clone(), id.clone());
            tasks.spawn(async move {
                let path = format!("{}/client-secrets", client_path(&id));
                nodes[i % 2].post(&token, &path, &json!(null)).await
            });
        }
        let mut created = Vec::new();
        let mut conflicts = 0;
        while let Some(res) = tasks.join_next().await {
            let (status, body) = res.expect("task");
            match status {
                StatusCode::CREATED => {
                    created.push(body["clientSecret"].as_str().unwrap().to_owned())
                }
                StatusCode::CONFLICT => {
                    assert_error(&body, StatusCode::CONFLICT);
                    conflicts += 1;
                }
                other => panic!("unexpected {other}: {body}"),
            }
        }
        assert_eq!((created.len(), conflicts), (4, 6), "round {round}");
        for node in nodes.iter() {
            let (_, got) = node.get(&token, &client_path(&id)).await;
            assert_eq!(
                got["clientSecrets"].as_array().unwrap().len(),
                5,
                "five secrets, seen from {}: {got}",
                node.base
            );
        }
        // Every acknowledged secret was really stored.
        for (i, secret) in created.iter().enumerate() {
            let (status, body) = nodes[i % 2].token_request(&id, secret).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    }
}

#[tokio::test]
async fn a_client_deleted_on_one_instance_is_refused_at_once_on_another() {
    let (db, admin_id, admin_secret) = database_with_tenant().await;
    let nodes = start_instances(&db.url, 2, &[]);
    let (a, b) = (&nodes[0], &nodes[1]);
    let admin = a.token(&admin_id, &admin_secret).await;
    let c = a
        .web_client(&admin, "doomed", &["oauth-clients:read"])
        .await;
    let id = c["clientId"].as_str().unwrap();
    let secret = c["clientSecret"].as_str().unwrap();
    // A token issued by B, and used on B, before the deletion.
    let its_token = b.token(id, secret).await;
    let (status, body) = b.get(&its_token, "/api/core/oauth-clients").await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, body) = a.delete(&admin, &client_path(id), id).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    // No retry and no wait: the very next requests on B are refused.
    let (status, body) = b.get(&its_token, "/api/core/oauth-clients").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_error(&body, StatusCode::UNAUTHORIZED);
    let (status, body) = b.token_request(id, secret).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "invalid_client");
    let (status, _) = b.get(&admin, &client_path(id)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The admin's own token, issued by A, still works on B.
    let (status, _) = b.get(&admin, "/api/core/oauth-clients").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn cursors_made_on_one_instance_work_on_another() {
    let (db, admin_id, admin_secret) = database_with_tenant().await;
    let nodes = start_instances(&db.url, 2, &[]);
    let token = nodes[0].token(&admin_id, &admin_secret).await;
    for i in 0..6 {
        nodes[i % 2].web_client(&token, &format!("c{i}"), &[]).await;
    }
    // Walk forward, alternating instances page by page: the admin and console
    // clients and the six made above, each exactly once.
    let mut url = "/api/core/oauth-clients?limit=2&sort=clientName".to_owned();
    let mut seen = Vec::new();
    let mut last_page_at = 0;
    for page in 0..10 {
        let node = &nodes[page % 2];
        let (status, body) = node.get(&token, &url).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "page {page} on {}: {body}",
            node.base
        );
        for c in body["data"].as_array().unwrap() {
            seen.push(c["clientId"].as_str().unwrap().to_owned());
        }
        last_page_at = page;
        match body["links"]["next"]["href"].as_str() {
            Some(next) => url = next.to_owned(),
            None => {
                url = body["links"]["prev"]["href"].as_str().unwrap().to_owned();
                break;
            }
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    let all = 6 + PROVISIONED_CLIENTS;
    assert_eq!((seen.len(), unique.len()), (all, all), "{seen:?}");
    // The last page's `prev` cursor, made by one instance, used on the other.
    let other = &nodes[(last_page_at + 1) % 2];
    let (status, body) = other.get(&token, &url).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_token_issued_by_one_instance_is_accepted_by_another() {
    let (db, admin_id, admin_secret) = database_with_tenant().await;
    let nodes = start_instances(&db.url, 2, &[]);
    let (a, b) = (&nodes[0], &nodes[1]);
    let from_a = a.token(&admin_id, &admin_secret).await;
    let from_b = b.token(&admin_id, &admin_secret).await;
    for (token, node) in [(&from_a, b), (&from_b, a)] {
        let (status, body) = node.get(token, "/api/core/oauth-clients").await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (_, jwks_a) = a.get("", "/oauth/jwks").await;
    let (_, jwks_b) = b.get("", "/oauth/jwks").await;
    assert_eq!(jwks_a, jwks_b, "one key set for the whole service");
}

#[tokio::test]
async fn instances_starting_together_on_an_empty_database_agree_on_their_keys() {
    // No schema yet: the three race to migrate and to make the first keys.
    let db = TestDb::fresh().await;
    let nodes = start_instances(&db.url, 3, &[]);
    let mut key_sets = Vec::new();
    for node in &nodes {
        let (status, jwks) = node.get("", "/oauth/jwks").await;
        assert_eq!(status, StatusCode::OK, "{jwks}");
        key_sets.push(jwks);
    }
    assert_eq!(
        key_sets[0]["keys"].as_array().map(Vec::len),
        Some(1),
        "one first signing key: {}",
        key_sets[0]
    );
    assert!(key_sets.iter().all(|k| *k == key_sets[0]), "{key_sets:?}");

    let store = Store::connect(&db.url, &PoolSettings::default())
        .await
        .expect("connect store");
    let t = registrar::cli::tenant::provision(&store, "late", DEFAULT_PUBLIC_URL)
        .await
        .expect("provision");
    store.close().await;
    // Every instance signs with the key the others verify, and makes cursors
    // the others accept.
    for (i, node) in nodes.iter().enumerate() {
        let token = node.token(&t.client_id, &t.client_secret).await;
        let next = &nodes[(i + 1) % 3];
        node.web_client(&token, &format!("n{i}"), &[]).await;
        let (status, page) = next.get(&token, "/api/core/oauth-clients?limit=1").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let href = page["links"]["next"]["href"].as_str().expect("a next link");
        let (status, body) = nodes[(i + 2) % 3].get(&token, href).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "cursor from {} on another: {body}",
            next.base
        );
    }
}
