//! Contract §4 "Secrets": creation, the 5-secret limit, deletion, rotation,
//! and that a secret is never readable after its first response.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn add_secret_returns_it_once_with_hint_and_creator() {
    let app = spawn_app().await;
    let c = app.web_client(&app.admin.token, "svc").await;
    let id = c["clientId"].as_str().unwrap();
    let (status, s) = app.add_secret(&app.admin.token, id).await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    let secret = s["clientSecret"].as_str().unwrap();
    assert_eq!(secret.len(), 64);
    assert_eq!(s["hint"], json!(&secret[59..]));
    assert_eq!(s["clientId"], id);
    assert_eq!(s["createdBy"], json!(app.admin.client_id));
    assert!(s["createdAt"].is_string());
    let (_, got) = app.get_client(&app.admin.token, id).await;
    let hints: Vec<&str> = got["clientSecrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["hint"].as_str().unwrap())
        .collect();
    assert_eq!(hints.len(), 2);
    assert!(hints.contains(&&secret[59..]));
    assert!(
        !got.to_string().contains(secret),
        "GET never shows a secret"
    );
    let (_, list) = app.list(&app.admin.token, "limit=100").await;
    assert!(
        !list.to_string().contains(secret),
        "list never shows a secret"
    );
    assert_eq!(
        app.token_request(id, secret, None).await.0,
        StatusCode::OK,
        "the new secret works"
    );
}

#[tokio::test]
async fn sixth_secret_is_409() {
    let app = spawn_app().await;
    let c = app.web_client(&app.admin.token, "svc").await;
    let id = c["clientId"].as_str().unwrap();
    for _ in 0..4 {
        assert_eq!(
            app.add_secret(&app.admin.token, id).await.0,
            StatusCode::CREATED
        );
    }
    let (status, body) = app.add_secret(&app.admin.token, id).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, StatusCode::CONFLICT);
    let (_, got) = app.get_client(&app.admin.token, id).await;
    assert_eq!(got["clientSecrets"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn concurrent_secret_creation_never_exceeds_five() {
    let app = spawn_app().await;
    let c = app.web_client(&app.admin.token, "svc").await;
    let id = c["clientId"].as_str().unwrap().to_owned();
    let url = app.url(&format!("/api/core/oauth-clients/{id}/client-secrets"));
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let (http, url, token) = (app.http.clone(), url.clone(), app.admin.token.clone());
            tokio::spawn(async move {
                http.post(url)
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let conflicts = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!(
        created, 4,
        "one secret existed, so exactly four more fit: {statuses:?}"
    );
    assert_eq!(conflicts, 8);
    let (_, got) = app.get_client(&app.admin.token, &id).await;
    let hints: std::collections::HashSet<_> = got["clientSecrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["hint"].to_string())
        .collect();
    assert_eq!(hints.len(), 5, "five distinct hints");
}

#[tokio::test]
async fn deleting_a_secret_stops_it_at_once_while_others_keep_working() {
    let app = spawn_app().await;
    let c = app.web_client(&app.admin.token, "svc").await;
    let id = c["clientId"].as_str().unwrap();
    let old = c["clientSecret"].as_str().unwrap();
    let (_, new) = app.add_secret(&app.admin.token, id).await;
    let new = new["clientSecret"].as_str().unwrap();
    assert_eq!(app.token_request(id, old, None).await.0, StatusCode::OK);

    let (status, body) = app.delete_secret(&app.admin.token, id, &old[59..]).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = app.token_request(id, old, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    assert_eq!(
        app.token_request(id, new, None).await.0,
        StatusCode::OK,
        "rotation without downtime"
    );
    let (_, got) = app.get_client(&app.admin.token, id).await;
    assert_eq!(got["clientSecrets"].as_array().unwrap().len(), 1);
    let (status, body) = app.delete_secret(&app.admin.token, id, &old[59..]).await;
    assert_error_detail(status, &body, StatusCode::NOT_FOUND, "hint");
    let (status, _) = app.delete_secret(&app.admin.token, id, "zzzzz").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn secrets_only_for_web_clients_allowing_client_secret() {
    let app = spawn_app().await;
    let (_, spa) = app
        .create_client(&app.admin.token, json!({"appType":"spa","clientName":"s"}))
        .await;
    let (_, jwt) = app
        .create_client(&app.admin.token, json!({"appType":"web","clientName":"k","allowedAuthMethods":["private_key_jwt"],"publicKeys":[crate::support::keys::ec_jwk("k")]}))
        .await;
    for c in [spa, jwt] {
        let id = c["clientId"].as_str().unwrap();
        let (status, body) = app.add_secret(&app.admin.token, id).await;
        assert_error_detail(status, &body, StatusCode::BAD_REQUEST, "client_secret");
        let (status, _) = app.delete_secret(&app.admin.token, id, "abcde").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn no_secret_is_stored_in_the_database() {
    let app = spawn_app().await;
    let c = app.web_client(&app.admin.token, "svc").await;
    let id = c["clientId"].as_str().unwrap();
    let mut secrets = vec![
        c["clientSecret"].as_str().unwrap().to_owned(),
        app.admin.client_secret.clone(),
    ];
    let (_, s) = app.add_secret(&app.admin.token, id).await;
    secrets.push(s["clientSecret"].as_str().unwrap().to_owned());
    let (status, p) = app
        .patch(&app.admin.token, id, json!([{"op":"replace","path":"/allowedAuthMethods","value":["private_key_jwt"]},{"op":"add","path":"/publicKeys","value":[crate::support::keys::ec_jwk("k")]}]))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{p}");
    let (status, p) = app
        .patch(
            &app.admin.token,
            id,
            json!([{"op":"replace","path":"/allowedAuthMethods","value":["client_secret"]}]),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    secrets.push(p["clientSecret"].as_str().unwrap().to_owned());

    // The SQLite files, or every PostgreSQL row.
    let bytes = crate::support::db::stored_bytes(&app.db).await;
    assert!(bytes.len() > 4096, "the stored data was read");
    for s in &secrets {
        let found = bytes.windows(s.len()).any(|w| w == s.as_bytes());
        assert!(!found, "a plain secret is in the database files");
    }
    // The hash is what is stored: its presence shows the search would have
    // found data (the last secret is live; the first ones went with the switch
    // to private_key_jwt, and PostgreSQL keeps no deleted row in sight).
    let hash = registrar::domain::secret::hash_secret(secrets.last().unwrap());
    assert!(
        bytes.windows(hash.len()).any(|w| w == hash.as_slice()),
        "the secret's hash is stored"
    );
}
