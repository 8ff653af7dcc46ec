//! Contract §4 "Patch": RFC 6902 on a client, all-or-nothing, 202 when a
//! secret is generated.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn setup() -> (TestApp, String) {
    let app = spawn_app().await;
    let c = app.web_client(&app.admin.token, "Orig").await;
    let id = c["clientId"].as_str().unwrap().to_owned();
    (app, id)
}

async fn get(app: &TestApp, id: &str) -> Value {
    app.get_client(&app.admin.token, id).await.1
}

#[tokio::test]
async fn replace_add_remove_apply_and_move_updated_at_forward() {
    let (app, id) = setup().await;
    let before = get(&app, &id).await;
    let (status, body) = app
        .patch(
            &app.admin.token,
            &id,
            json!([
                {"op":"replace","path":"/clientName","value":"Renamed"},
                {"op":"add","path":"/description","value":"about"},
                {"op":"add","path":"/redirectUris","value":["https://app.example.com/cb"]},
                {"op":"add","path":"/logoUri","value":"https://app.example.com/logo.png"},
                {"op":"replace","path":"/connectionConfig/consentMethod","value":"trusted"}
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let after = get(&app, &id).await;
    assert_eq!(after["clientName"], "Renamed");
    assert_eq!(after["description"], "about");
    assert_eq!(after["redirectUris"], json!(["https://app.example.com/cb"]));
    assert_eq!(after["connectionConfig"]["consentMethod"], "trusted");
    assert_eq!(after["createdAt"], before["createdAt"]);
    assert!(
        after["updatedAt"].as_str() > before["updatedAt"].as_str(),
        "updatedAt moves forward"
    );

    let (status, _) = app
        .patch(
            &app.admin.token,
            &id,
            json!([{"op":"remove","path":"/description"}]),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let again = get(&app, &id).await;
    assert!(
        again.get("description").is_none(),
        "a removed field is absent"
    );
    assert!(again["updatedAt"].as_str() > after["updatedAt"].as_str());
    let (status, _) = app
        .patch(
            &app.admin.token,
            &id,
            json!([{"op":"replace","path":"/connectionConfig/consentMethod","value":"required"}]),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NO_CONTENT,
        "required is allowed on patch"
    );
}

#[tokio::test]
async fn json_patch_media_type_is_accepted_and_others_are_415() {
    let (app, id) = setup().await;
    let url = app.url(&format!("/api/core/oauth-clients/{id}"));
    let body = r#"[{"op":"replace","path":"/clientName","value":"Via patch type"}]"#;
    let res = app
        .http
        .patch(&url)
        .bearer_auth(&app.admin.token)
        .header("content-type", "application/json-patch+json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    for ct in [
        "text/plain",
        "application/merge-patch+json",
        "application/xml",
    ] {
        let res = app
            .http
            .patch(&url)
            .bearer_auth(&app.admin.token)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        let (status, b) = read(res).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct}");
        assert_error(&b, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
    assert_eq!(get(&app, &id).await["clientName"], "Via patch type");
}

#[tokio::test]
async fn invalid_patches_are_400_and_change_nothing() {
    let (app, id) = setup().await;
    let before = get(&app, &id).await;
    let cases: Vec<(&str, Value)> = vec![
        ("empty array", json!([])),
        (
            "object instead of array",
            json!({"op":"replace","path":"/clientName","value":"x"}),
        ),
        (
            "move op",
            json!([{"op":"move","from":"/clientName","path":"/description"}]),
        ),
        (
            "test op",
            json!([{"op":"test","path":"/clientName","value":"Orig"}]),
        ),
        (
            "copy op",
            json!([{"op":"copy","from":"/clientName","path":"/description"}]),
        ),
        (
            "appType",
            json!([{"op":"replace","path":"/appType","value":"spa"}]),
        ),
        (
            "clientId",
            json!([{"op":"replace","path":"/clientId","value":"x"}]),
        ),
        (
            "array element path",
            json!([{"op":"add","path":"/redirectUris/-","value":"https://a.com/cb"}]),
        ),
        (
            "unknown path",
            json!([{"op":"add","path":"/color","value":"blue"}]),
        ),
        (
            "replace unset member",
            json!([{"op":"replace","path":"/description","value":"x"}]),
        ),
        (
            "remove unset member",
            json!([{"op":"remove","path":"/logoUri"}]),
        ),
        ("missing value", json!([{"op":"add","path":"/clientName"}])),
        (
            "wrong value type",
            json!([{"op":"replace","path":"/clientName","value":["x"]}]),
        ),
        (
            "null value",
            json!([{"op":"replace","path":"/clientName","value":null}]),
        ),
        (
            "array of numbers",
            json!([{"op":"add","path":"/allowedScopes","value":[1,2]}]),
        ),
        (
            "blank name",
            json!([{"op":"replace","path":"/clientName","value":" "}]),
        ),
        (
            "remove required name",
            json!([{"op":"remove","path":"/clientName"}]),
        ),
        (
            "http redirect",
            json!([{"op":"add","path":"/redirectUris","value":["http://evil.example/cb"]}]),
        ),
        (
            "bad consent",
            json!([{"op":"replace","path":"/connectionConfig/consentMethod","value":"sometimes"}]),
        ),
        (
            "jwt without keys",
            json!([{"op":"replace","path":"/allowedAuthMethods","value":["private_key_jwt"]}]),
        ),
        (
            "second op fails",
            json!([{"op":"replace","path":"/clientName","value":"Half"},{"op":"remove","path":"/description"}]),
        ),
        (
            "second op invalid",
            json!([{"op":"replace","path":"/clientName","value":"Half"},{"op":"add","path":"/allowedScopes","value":["a b"]}]),
        ),
    ];
    for (name, patch) in cases {
        let (status, body) = app.patch(&app.admin.token, &id, patch).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {body}");
        assert_error(&body, StatusCode::BAD_REQUEST);
    }
    assert_eq!(
        get(&app, &id).await,
        before,
        "no rejected patch changed anything"
    );
}

#[tokio::test]
async fn web_only_fields_cannot_be_patched_onto_other_types() {
    let app = spawn_app().await;
    let (_, spa) = app
        .create_client(&app.admin.token, json!({"appType":"spa","clientName":"s"}))
        .await;
    let id = spa["clientId"].as_str().unwrap();
    for patch in [
        json!([{"op":"add","path":"/allowedGrantTypes","value":["client_credentials"]}]),
        json!([{"op":"add","path":"/allowedAuthMethods","value":["client_secret"]}]),
    ] {
        let (status, body) = app.patch(&app.admin.token, id, patch).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }
    let (_, native) = app
        .create_client(
            &app.admin.token,
            json!({"appType":"native","clientName":"n"}),
        )
        .await;
    let (status, _) = app
        .patch(
            &app.admin.token,
            native["clientId"].as_str().unwrap(),
            json!([{"op":"add","path":"/allowedOrigins","value":["https://a.com"]}]),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn gaining_client_secret_generates_one_with_202() {
    let app = spawn_app().await;
    let (_, c) = app
        .create_client(
            &app.admin.token,
            json!({"appType":"web","clientName":"k","allowedGrantTypes":["client_credentials"],"allowedAuthMethods":["private_key_jwt"],"publicKeys":[crate::support::keys::rsa_jwk("k")]}),
        )
        .await;
    let id = c["clientId"].as_str().unwrap();
    let (status, body) = app.patch(&app.admin.token, id, json!([{"op":"replace","path":"/allowedAuthMethods","value":["private_key_jwt","client_secret"]}])).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let secret = body["clientSecret"].as_str().unwrap();
    assert_eq!(secret.len(), 64);
    assert_eq!(
        body.as_object().unwrap().len(),
        1,
        "only clientSecret: {body}"
    );
    assert_eq!(app.token_request(id, secret, None).await.0, StatusCode::OK);
    let got = get(&app, id).await;
    assert_eq!(got["clientSecrets"][0]["hint"], json!(&secret[59..]));
    // Already allowed: a further patch answers 204 and generates nothing.
    let (status, _) = app
        .patch(
            &app.admin.token,
            id,
            json!([{"op":"replace","path":"/clientName","value":"k2"}]),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn losing_client_secret_revokes_stored_secrets() {
    let (app, id) = setup().await;
    let (_, c) = app.get_client(&app.admin.token, &id).await;
    assert_eq!(c["clientSecrets"].as_array().unwrap().len(), 1);
    let (status, body) = app
        .patch(
            &app.admin.token,
            &id,
            json!([
                {"op":"replace","path":"/allowedAuthMethods","value":["private_key_jwt"]},
                {"op":"add","path":"/publicKeys","value":[crate::support::keys::ec_jwk("e")]}
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, c) = app.get_client(&app.admin.token, &id).await;
    assert!(c.get("clientSecrets").is_none(), "{c}");
}
