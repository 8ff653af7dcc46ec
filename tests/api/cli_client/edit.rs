//! `clients create` with every field and from a JSON body, and `clients
//! patch` with its edit options, a JSON Patch document, and a 202 secret.

use super::keys;
use super::{Cli, id_of, write_file};
use crate::support::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn create_takes_every_app_type_public_keys_and_a_json_body_from_a_file_or_stdin() {
    let app = spawn_app().await;
    let cli = Cli::new();
    cli.login(&app, "default").await.ok();
    let spa = cli
        .run(&[
            "clients",
            "create",
            "--app-type",
            "spa",
            "--name",
            "Console",
            "--redirect-uri",
            "https://app.example.com/cb",
            "--allowed-origin",
            "https://app.example.com",
        ])
        .await
        .ok();
    assert_eq!(
        spa.json()["allowedOrigins"],
        json!(["https://app.example.com"])
    );
    assert!(
        spa.json().get("clientSecret").is_none(),
        "a public client gets no secret"
    );
    assert!(
        !spa.stderr.contains("will not be shown"),
        "no secret, no warning: {}",
        spa.stderr
    );
    let native = cli
        .run(&[
            "clients",
            "create",
            "--app-type",
            "native",
            "--name",
            "Tool",
            "--redirect-uri",
            "http://127.0.0.1/callback",
        ])
        .await
        .ok();
    assert_eq!(native.json()["appType"], "native");

    let key = keys::KeyFile::ec(cli.dir.path(), "k1");
    let jwks = write_file(
        cli.dir.path(),
        "jwks.json",
        &json!({"keys": [key.jwk]}).to_string(),
    );
    let signer = cli
        .run(&[
            "clients",
            "create",
            "--app-type",
            "web",
            "--name",
            "Signer",
            "--auth-method",
            "private_key_jwt",
            "--grant-type",
            "client_credentials",
            "--public-key-file",
            &jwks,
        ])
        .await
        .ok();
    assert_eq!(signer.json()["publicKeys"][0]["kid"], "k1");
    assert!(signer.json().get("clientSecret").is_none());

    let body = json!({"appType": "web", "clientName": "From stdin", "allowedGrantTypes": ["client_credentials"]});
    let from_stdin = cli
        .run_with(
            &["clients", "create", "--from-file", "-"],
            Some(&body.to_string()),
            &[],
        )
        .await
        .ok();
    assert_eq!(from_stdin.json()["clientName"], "From stdin");
    assert!(from_stdin.json()["clientSecret"].is_string());
    let file = write_file(
        cli.dir.path(),
        "client.json",
        &json!({"appType": "spa", "clientName": "From file"}).to_string(),
    );
    let from_file = cli
        .run(&["clients", "create", "--from-file", &file])
        .await
        .ok();
    assert_eq!(from_file.json()["clientName"], "From file");

    // A body the API refuses: exit 1 with the API's detail.
    let bad = cli
        .run_with(
            &["clients", "create", "--from-file", "-"],
            Some(r#"{"appType":"web","clientName":"x","clientId":"mine"}"#),
            &[],
        )
        .await
        .code(1);
    assert!(
        bad.stderr.contains("HTTP 400") && bad.stderr.contains("clientId"),
        "{}",
        bad.stderr
    );
    cli.run(&["clients", "create", "--from-file", "-", "--name", "x"])
        .await
        .code(2);
    cli.run_with(&["clients", "create", "--from-file", "-"], Some("[1]"), &[])
        .await
        .code(2);
    cli.run_with(
        &["clients", "create", "--from-file", "-"],
        Some("{nope"),
        &[],
    )
    .await
    .code(2);
}

#[tokio::test]
async fn patch_shows_a_new_secret_once_and_sends_a_json_patch_as_given() {
    let app = spawn_app().await;
    let cli = Cli::new();
    cli.login(&app, "default").await.ok();
    let key = keys::KeyFile::rsa(cli.dir.path(), "r1");
    let (status, c) = app
        .create_client(
            &app.admin.token,
            json!({"appType":"web","clientName":"keys only","allowedAuthMethods":["private_key_jwt"],
                   "allowedGrantTypes":["client_credentials"],"publicKeys":[key.jwk]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let id = id_of(&c);
    let run = cli
        .run(&[
            "clients",
            "patch",
            &id,
            "--add",
            "allowedAuthMethods=client_secret",
        ])
        .await
        .ok();
    let secret = run.json()["clientSecret"]
        .as_str()
        .expect("202 body on stdout")
        .to_owned();
    assert!(
        run.stderr.contains("will not be shown again"),
        "{}",
        run.stderr
    );
    app.token(&id, &secret, None).await;

    let doc = json!([{"op": "replace", "path": "/clientName", "value": "renamed"}]);
    cli.run_with(
        &["clients", "patch", &id, "--json-patch", "-"],
        Some(&doc.to_string()),
        &[],
    )
    .await
    .ok();
    let (_, after) = app.get_client(&app.admin.token, &id).await;
    assert_eq!(after["clientName"], "renamed");
    let file = write_file(
        cli.dir.path(),
        "patch.json",
        &json!([{"op":"add","path":"/allowedScopes","value":["a:b"]}]).to_string(),
    );
    cli.run(&["clients", "patch", &id, "--json-patch", &file])
        .await
        .ok();
    let (_, after) = app.get_client(&app.admin.token, &id).await;
    assert_eq!(after["allowedScopes"], json!(["a:b"]));
    cli.run(&[
        "clients",
        "patch",
        &id,
        "--set",
        "redirectUris=[\"https://a.example/cb\",\"https://b.example/cb\"]",
    ])
    .await
    .ok();
    let (_, after) = app.get_client(&app.admin.token, &id).await;
    assert_eq!(
        after["redirectUris"],
        json!(["https://a.example/cb", "https://b.example/cb"])
    );

    // An op the API refuses: exit 1 and nothing changes.
    let refused = cli
        .run(&["clients", "patch", &id, "--set", "logoUri=not a uri"])
        .await
        .code(1);
    assert!(
        refused.stderr.contains("HTTP 400") && refused.trace_id().is_some(),
        "{}",
        refused.stderr
    );
    assert!(
        app.get_client(&app.admin.token, &id)
            .await
            .1
            .get("logoUri")
            .is_none()
    );
}
