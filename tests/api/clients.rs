//! Create, get and delete: success paths and what a client looks like on the wire.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::json;

fn is_rfc3339_micros(s: &str) -> bool {
    // 2025-11-06T14:30:00.123456Z
    s.len() == 27 && s.ends_with('Z') && s.as_bytes()[10] == b'T' && s.as_bytes()[19] == b'.'
}

#[tokio::test]
async fn create_web_client_returns_201_with_secret_location_and_defaults() {
    let app = spawn_app().await;
    let res = app
        .http
        .post(app.url("/api/core/oauth-clients"))
        .bearer_auth(&app.admin.token)
        .json(&json!({"appType":"web","clientName":"Billing","description":"d","redirectUris":["https://billing.example.com/cb"],
                       "allowedScopes":["billing:read"],"allowedGrantTypes":["client_credentials"],
                       "logoUri":"https://billing.example.com/logo.png","clientUri":"https://billing.example.com/",
                       "allowedOrigins":["https://billing.example.com"],"connectionConfig":{"consentMethod":"trusted"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let (_, c) = read(res).await;
    let id = c["clientId"].as_str().unwrap();
    assert_eq!(location, format!("/api/core/oauth-clients/{id}"));
    assert_eq!(id.len(), 32);
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );
    assert_eq!(c["appType"], "web");
    assert_eq!(c["clientName"], "Billing");
    assert_eq!(c["allowedAuthMethods"], json!(["client_secret"]));
    assert_eq!(c["connectionConfig"], json!({"consentMethod":"trusted"}));
    assert_eq!(c["allowedOrigins"], json!(["https://billing.example.com"]));
    let secret = c["clientSecret"].as_str().unwrap();
    assert_eq!(secret.len(), 64);
    assert!(
        secret
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );
    let hints = c["clientSecrets"].as_array().unwrap();
    assert_eq!(hints.len(), 1);
    assert_eq!(hints[0]["hint"], json!(&secret[59..]));
    assert_eq!(hints[0]["createdBy"], json!(app.admin.client_id));
    assert!(
        is_rfc3339_micros(c["createdAt"].as_str().unwrap()),
        "{}",
        c["createdAt"]
    );
    assert!(is_rfc3339_micros(c["updatedAt"].as_str().unwrap()));
}

#[tokio::test]
async fn public_clients_get_no_secret_and_no_web_only_fields() {
    let app = spawn_app().await;
    for (app_type, extra) in [
        (
            "spa",
            json!({"allowedOrigins":["http://localhost:3000"],"redirectUris":["http://localhost:3000/cb"]}),
        ),
        (
            "native",
            json!({"redirectUris":["com.example.app:/callback"]}),
        ),
        ("anonymous-embed", json!({})),
    ] {
        let mut body = json!({"appType": app_type, "clientName": format!("{app_type} app")});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, c) = app.create_client(&app.admin.token, body).await;
        assert_eq!(status, StatusCode::CREATED, "{app_type}: {c}");
        assert!(
            c.get("clientSecret").is_none(),
            "{app_type} must not get a secret"
        );
        assert!(
            c.get("clientSecrets").is_none(),
            "{app_type} has no secrets list"
        );
        assert!(c.get("allowedAuthMethods").is_none(), "{app_type}");
        assert!(
            c.get("description").is_none(),
            "never-set optional fields are absent"
        );
        assert_eq!(c["connectionConfig"]["consentMethod"], "required");
    }
}

#[tokio::test]
async fn key_only_web_client_gets_no_secret() {
    let app = spawn_app().await;
    let (status, c) = app
        .create_client(&app.admin.token, json!({"appType":"web","clientName":"jwt","allowedAuthMethods":["private_key_jwt"],"publicKeys":[crate::support::keys::rsa_jwk("k1")]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert!(c.get("clientSecret").is_none());
    assert_eq!(c["publicKeys"][0]["kid"], "k1");
}

#[tokio::test]
async fn get_returns_the_created_client_without_its_secret() {
    let app = spawn_app().await;
    let created = app.web_client(&app.admin.token, "Reader").await;
    let id = created["clientId"].as_str().unwrap();
    let (status, got) = app.get_client(&app.admin.token, id).await;
    assert_eq!(status, StatusCode::OK);
    let mut expected = created.clone();
    expected.as_object_mut().unwrap().remove("clientSecret");
    assert_eq!(got, expected);
    assert!(
        !got.to_string()
            .contains(created["clientSecret"].as_str().unwrap())
    );
}

#[tokio::test]
async fn get_unknown_or_malformed_id_is_404() {
    let app = spawn_app().await;
    for id in [
        "0123456789abcdefghij0123456789ab",
        "short",
        "UPPERCASEUPPERCASEUPPERCASEUPPER",
        "%2e%2e",
    ] {
        let (status, body) = app.get_client(&app.admin.token, id).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}");
        assert_error(&body, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn delete_removes_client_everywhere_and_stops_its_tokens() {
    let app = spawn_app().await;
    let c = app.web_client(&app.admin.token, "Doomed").await;
    let id = c["clientId"].as_str().unwrap();
    let secret = c["clientSecret"].as_str().unwrap();
    // Give the client the management scopes so its token can be tried afterwards.
    let (s, _) = app
        .patch(
            &app.admin.token,
            id,
            json!([{"op":"add","path":"/allowedScopes","value":["oauth-clients:read"]}]),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let its_token = app.token(id, secret, None).await;
    assert_eq!(app.list(&its_token, "").await.0, StatusCode::OK);

    let (status, body) = app.delete_client(&app.admin.token, id).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    assert_eq!(
        app.get_client(&app.admin.token, id).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.patch(
            &app.admin.token,
            id,
            json!([{"op":"replace","path":"/clientName","value":"x"}])
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.delete_client(&app.admin.token, id).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.add_secret(&app.admin.token, id).await.0,
        StatusCode::NOT_FOUND
    );
    let hint = &secret[59..];
    assert_eq!(
        app.delete_secret(&app.admin.token, id, hint).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, list) = app.list(&app.admin.token, "limit=100").await;
    assert!(
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["clientId"] != id)
    );
    let (status, body) = app.token_request(id, secret, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_client");
    let (status, body) = app.list(&its_token, "").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a deleted client's token must be refused: {body}"
    );
}

#[tokio::test]
async fn delete_requires_matching_confirmation_header() {
    let app = spawn_app().await;
    let c = app.web_client(&app.admin.token, "Keep").await;
    let id = c["clientId"].as_str().unwrap();
    let url = app.url(&format!("/api/core/oauth-clients/{id}"));
    for header in [None, Some("wrong"), Some(&id.to_uppercase()[..])] {
        let mut req = app.http.delete(&url).bearer_auth(&app.admin.token);
        if let Some(h) = header {
            req = req.header("qlik-confirm-delete", h);
        }
        let (status, body) = read(req.send().await.unwrap()).await;
        assert_error_detail(
            status,
            &body,
            StatusCode::BAD_REQUEST,
            "qlik-confirm-delete",
        );
    }
    assert_eq!(
        app.get_client(&app.admin.token, id).await.0,
        StatusCode::OK,
        "nothing was deleted"
    );
}

#[tokio::test]
async fn admin_client_created_by_cli_is_an_ordinary_listed_client() {
    let app = spawn_app().await;
    let (status, c) = app.get_client(&app.admin.token, &app.admin.client_id).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(c["appType"], "web");
    assert_eq!(c["allowedAuthMethods"], json!(["client_secret"]));
    assert_eq!(c["allowedGrantTypes"], json!(["client_credentials"]));
    assert_eq!(
        c["allowedScopes"],
        json!([
            "oauth-clients:read",
            "oauth-clients:write",
            "users:read",
            "users:write",
            "audits:read"
        ])
    );
    let (_, list) = app.list(&app.admin.token, "").await;
    assert_eq!(
        list["data"].as_array().unwrap().len(),
        PROVISIONED_CLIENTS,
        "the admin client and the console client"
    );
}

#[tokio::test]
async fn client_ids_are_unique() {
    let app = spawn_app().await;
    let mut ids = std::collections::HashSet::new();
    for i in 0..30 {
        let (_, c) = app
            .create_client(
                &app.admin.token,
                json!({"appType":"spa","clientName":format!("c{i}")}),
            )
            .await;
        assert!(ids.insert(c["clientId"].as_str().unwrap().to_owned()));
    }
}
