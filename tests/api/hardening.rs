//! Hardening of the wire (issue 12): no caching of answers that carry a
//! secret, one answer for every refused bearer token, the Basic challenge of
//! a failed client authentication, `expires_at` as a timestamp, and
//! authentication-first only under `/api/core/`.

use crate::support::process::Server;
use crate::support::*;
use reqwest::StatusCode;
use serde_json::json;

fn assert_no_store(res: &reqwest::Response, what: &str) {
    assert_eq!(res.headers()["cache-control"], "no-store", "{what}");
    assert_eq!(res.headers()["pragma"], "no-cache", "{what}");
}

#[tokio::test]
async fn every_answer_that_carries_a_secret_is_not_stored() {
    let app = spawn_app().await;
    let token = &app.admin.token;
    let res = app
        .http
        .post(app.url("/api/core/oauth-clients"))
        .bearer_auth(token)
        .json(&json!({"appType":"web","clientName":"c","allowedGrantTypes":["client_credentials"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_no_store(&res, "create 201");
    let (_, created) = read(res).await;
    assert!(created["clientSecret"].is_string());
    let id = created["clientId"].as_str().unwrap().to_owned();

    let res = app
        .http
        .post(app.url(&format!("/api/core/oauth-clients/{id}/client-secrets")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_no_store(&res, "new secret 201");

    // Drop client_secret (its secrets go), then allow it again: a 202 with a
    // fresh secret.
    let (status, _) = app
        .patch(
            token,
            &id,
            json!([{"op":"replace","path":"/allowedAuthMethods","value":["private_key_jwt"]},
                   {"op":"add","path":"/publicKeys","value":[crate::support::keys::rsa_jwk("k")]}]),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let res = app
        .http
        .patch(app.url(&format!("/api/core/oauth-clients/{id}")))
        .bearer_auth(token)
        .json(&json!([{"op":"replace","path":"/allowedAuthMethods","value":["client_secret"]}]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert_no_store(&res, "patch 202");
}

#[tokio::test]
async fn every_refused_bearer_token_gets_the_same_401() {
    let app = spawn_app().await;
    let c = app.web_client(&app.admin.token, "gone").await;
    let gone = app
        .token(
            c["clientId"].as_str().unwrap(),
            c["clientSecret"].as_str().unwrap(),
            None,
        )
        .await;
    app.delete_client(&app.admin.token, c["clientId"].as_str().unwrap())
        .await;
    // A changed character inside the signature (not the last one, whose
    // low bits base64url may ignore).
    let mut tampered = app.admin.token.clone().into_bytes();
    let at = tampered.len() - 10;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let cases: Vec<(&str, Option<String>)> = vec![
        ("no header", None),
        ("not bearer", Some("Basic YTpi".into())),
        ("empty bearer", Some("Bearer ".into())),
        ("garbage", Some("Bearer not.a.jwt".into())),
        ("bad signature", Some(format!("Bearer {tampered}"))),
        ("client deleted", Some(format!("Bearer {gone}"))),
    ];
    let mut details = std::collections::BTreeSet::new();
    for (name, header) in cases {
        let mut req = app.http.get(app.url("/api/core/oauth-clients"));
        if let Some(h) = &header {
            req = req.header("authorization", h);
        }
        let res = req.send().await.unwrap();
        let challenge = res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        let (status, body) = read(res).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {body}");
        assert_error(&body, status);
        assert_eq!(body["errors"][0]["code"], "OAUTH-CLIENTS-12", "{name}");
        assert_eq!(body["errors"][0]["title"], "Unauthorized.", "{name}");
        details.insert(body["errors"][0]["detail"].as_str().unwrap().to_owned());
        if header.is_none() {
            assert_eq!(challenge, "Bearer realm=\"registrar\"", "RFC 6750 §3.1");
        } else {
            assert!(
                challenge.contains("error=\"invalid_token\""),
                "{name}: {challenge}"
            );
            assert!(
                challenge.contains("missing, invalid, expired or revoked"),
                "{name}: {challenge}"
            );
        }
    }
    assert_eq!(
        details.into_iter().collect::<Vec<_>>(),
        vec!["Authorization: the access token is missing, invalid, expired or revoked"],
        "one detail for every reason"
    );
}

#[tokio::test]
async fn the_reason_of_a_refused_token_is_logged_with_the_request_id_only() {
    let db = TestDb::fresh().await;
    let server = Server::start(&db.url, &[]);
    let res = reqwest::Client::new()
        .get(format!("{}/api/core/oauth-clients", server.base))
        .bearer_auth("not.a.jwt")
        .send()
        .await
        .unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let lines = server.wait_for_log_lines("bearer token refused", 1);
    let line = lines
        .iter()
        .find(|l| l.contains("bearer token refused"))
        .unwrap_or_else(|| panic!("no refusal line in {lines:#?}"));
    assert!(line.contains(&id), "request id in {line}");
    assert!(line.contains("malformed"), "the precise reason in {line}");
    assert!(!line.contains("not.a.jwt"), "never the token: {line}");
}

#[tokio::test]
async fn a_failed_basic_authentication_challenge_names_invalid_client() {
    let app = spawn_app().await;
    let res = app
        .http
        .post(app.url("/oauth/token"))
        .basic_auth(&app.admin.client_id, Some("wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let challenge = res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    let (status, body) = read(res).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_client");
    assert!(challenge.starts_with("Basic "), "{challenge}");
    assert!(
        challenge.contains("error=\"invalid_client\""),
        "{challenge}"
    );
}

#[tokio::test]
async fn expires_at_is_an_rfc3339_utc_timestamp_equal_to_exp() {
    let app = spawn_app().await;
    let c = app.web_client(&app.admin.token, "svc").await;
    let sent = time::OffsetDateTime::now_utc().unix_timestamp();
    let (status, body) = app
        .token_request(
            c["clientId"].as_str().unwrap(),
            c["clientSecret"].as_str().unwrap(),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_expires_at(&body, sent);
    let at = body["expires_at"].as_str().expect("a string");
    let parsed = time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|e| panic!("{at} is not RFC 3339: {e}"));
    assert!(at.ends_with('Z'), "UTC: {at}");
    let token = body["access_token"].as_str().unwrap();
    let payload = token.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(parsed.unix_timestamp(), claims["exp"].as_i64().unwrap());
}

#[tokio::test]
async fn only_api_core_is_authenticated_first() {
    let app = spawn_app().await;
    for path in ["/api", "/api/", "/api/v2/x", "/api/corex", "/apix"] {
        let (status, body) = read(app.http.get(app.url(path)).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_error(&body, status);
        assert_eq!(body["errors"][0]["code"], "HTTP-404", "{path}");
    }
    // Under /api/core the token is still checked before routing, methods
    // and media types.
    for (method, path) in [
        ("GET", "/api/core"),
        ("GET", "/api/core/"),
        ("GET", "/api/core/nothing-here"),
        ("PUT", "/api/core/oauth-clients"),
        ("POST", "/api/core/oauth-clients"),
    ] {
        let req = app
            .http
            .request(method.parse().unwrap(), app.url(path))
            .header("content-type", "text/plain");
        let (status, body) = read(req.send().await.unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}: {body}");
    }
}
