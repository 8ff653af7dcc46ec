//! The audit events of the users (contract §7, §10) and of the revoke-tokens
//! action: one per change, in the change's transaction, with the request's
//! id and caller (or the system actor for `registrar user create`), and
//! never a password.

use crate::support::audit::events_of;
use crate::support::users::*;
use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Write as _;
use std::process::{Command, Stdio};

/// The events of `tenant` recorded after the first `skip`.
async fn new_events(app: &TestApp, skip: usize) -> Vec<Value> {
    events_of(app, &app.admin.tenant_id).await[skip..].to_vec()
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn user_changes_record_events_with_the_user_and_never_the_password() {
    let app = spawn_app().await;
    let t = &app.admin;
    let before = events_of(&app, &t.tenant_id).await.len();
    let u = user(&app, &t.token, "ada@example.com").await;
    let id = u["id"].as_str().unwrap();
    let new_password = "a brand new password, long enough";
    let (s, _) = patch_user(
        &app,
        &t.token,
        id,
        json!([{"op":"replace","path":"/name","value":"Ada L."},
               {"op":"replace","path":"/password","value":new_password}]),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, shown) = get_user(&app, &t.token, id).await;
    assert_eq!(
        delete_user(&app, &t.token, id).await.0,
        StatusCode::NO_CONTENT
    );
    // Refused changes record nothing: a taken email, an unknown user.
    let other = user(&app, &t.token, "grace@example.com").await;
    let (s, _) = create_user(
        &app,
        &t.token,
        json!({"email":"GRACE@example.com","name":"x","password":PASSWORD}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(
        delete_user(&app, &t.token, id).await.0,
        StatusCode::NOT_FOUND
    );

    let events = new_events(&app, before).await;
    assert_eq!(
        types(&events),
        [
            "com.registrar.user.created",
            "com.registrar.user.updated",
            "com.registrar.user.deleted",
            "com.registrar.user.created",
        ]
    );
    for e in &events {
        assert_eq!(e["tenantid"], t.tenant_id.as_str());
        assert_eq!(
            e["actor"],
            json!({"sub": t.client_id, "clientId": t.client_id})
        );
        assert!(e["traceid"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(
            e["source"].as_str().unwrap().ends_with("/api/core/users"),
            "{e}"
        );
        let text = e.to_string();
        assert!(
            !text.contains(PASSWORD) && !text.contains(new_password),
            "{text}"
        );
        assert!(!text.contains("$argon2"), "no hash: {text}");
    }
    assert_eq!(events[0]["subject"], id);
    assert_eq!(events[0]["data"], u, "the user as the API showed it");
    assert_eq!(events[1]["subject"], id);
    assert_eq!(
        events[1]["data"][0],
        json!({"op":"replace","path":"/name","value":"Ada L."})
    );
    assert_eq!(events[1]["data"][1]["path"], "/password");
    assert_eq!(
        events[1]["data"][1]["value"],
        registrar::domain::audit::REDACTED
    );
    assert_eq!(events[2]["data"], shown, "the user as it was");
    assert_eq!(events[3]["subject"], other["id"]);
}

#[tokio::test]
async fn user_create_on_the_command_line_records_a_system_event() {
    let app = spawn_app().await;
    let tenant = &app.admin.tenant_id;
    let mut child = Command::new(env!("CARGO_BIN_EXE_registrar"))
        .args([
            "user",
            "create",
            "--tenant",
            tenant,
            "--email",
            "cli@example.com",
        ])
        .args(["--name", "Cli User", "--database-url", &app.db.url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run registrar");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let u: Value = serde_json::from_slice(&out.stdout).unwrap();
    let events = events_of(&app, tenant).await;
    let e = events.last().unwrap();
    assert_eq!(e["type"], "com.registrar.user.created");
    assert_eq!(e["subject"], u["id"]);
    assert_eq!(e["actor"], json!({"sub": "system"}));
    assert_eq!(e["source"], "registrar");
    assert!(e.get("traceid").is_none(), "{e}");
    assert_eq!(e["data"], u);
    assert!(!e.to_string().contains(PASSWORD));
}

#[tokio::test]
async fn revoke_tokens_records_one_event_of_the_client_and_none_when_refused() {
    let app = spawn_app().await;
    let t = &app.admin;
    let c = app.web_client(&t.token, "revoked").await;
    let id = c["clientId"].as_str().unwrap();
    let before = events_of(&app, &t.tenant_id).await.len();
    let action = |id: &str| format!("/api/core/oauth-clients/{id}/actions/revoke-tokens");
    let res = app
        .http
        .post(app.url(&action(id)))
        .bearer_auth(&t.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let trace = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let missing = app
        .http
        .post(app.url(&action("0123456789abcdefghijklmnopqrstuv")))
        .bearer_auth(&t.token)
        .send()
        .await
        .unwrap();
    assert!(missing.status().is_client_error());
    // Another tenant cannot revoke this client's tokens, nor see an event.
    let other = app.new_tenant("other").await;
    let foreign = app
        .http
        .post(app.url(&action(id)))
        .bearer_auth(&other.token)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::NOT_FOUND);
    assert!(
        types(&events_of(&app, &other.tenant_id).await)
            .iter()
            .all(|t| *t != "com.registrar.oauth-client.tokens.revoked")
    );

    let events = new_events(&app, before).await;
    assert_eq!(
        types(&events),
        ["com.registrar.oauth-client.tokens.revoked"]
    );
    let e = &events[0];
    assert_eq!(e["subject"], id);
    assert_eq!(e["traceid"], trace.as_str());
    assert_eq!(
        e["actor"],
        json!({"sub": t.client_id, "clientId": t.client_id})
    );
    assert_eq!(e["data"], json!({"clientId": id}));
}
