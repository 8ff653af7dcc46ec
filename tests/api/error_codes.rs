//! Every error code of `docs/errors.md` is produced by a test that asserts
//! its code and its title (issue 12, point 15).
//!
//! One table-driven test provokes each code over HTTP that a plain server
//! can produce and asserts it with `support::assert_error_code` (status,
//! error body, code and the documented title). The codes that need heavy
//! set-up (a body that never arrives, a request that outlives its timeout, a
//! rate limit) are asserted the same way where those tests already are; the
//! test finds those assertions in the test sources, so a documented code
//! that no test asserts fails it.

use crate::support::errors::TITLES;
use crate::support::users::{USERS, create_user, delete_user, get_user, patch_user, user};
use crate::support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The codes of the table in `docs/errors.md`, in its order.
fn documented_codes() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/errors.md");
    let text = std::fs::read_to_string(path).expect("docs/errors.md");
    text.lines()
        .filter_map(|l| l.strip_prefix("| `")?.split_once('`'))
        .map(|(code, _)| code.to_owned())
        .collect()
}

/// The documented codes asserted through `assert_error_code("…")` in the
/// test modules other than this one.
fn codes_asserted_elsewhere(documented: &[String]) -> BTreeSet<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api");
    let mut found = BTreeSet::new();
    for entry in std::fs::read_dir(dir).expect("tests/api") {
        let path = entry.expect("entry").path();
        let own = path.file_name().is_some_and(|n| n == "error_codes.rs");
        if own || path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("test module");
        for (at, _) in text.match_indices("assert_error_code(") {
            let call = &text[at..];
            let call = &call[..call.find(';').unwrap_or(call.len())];
            for code in documented {
                if call.contains(&format!("\"{code}\"")) {
                    found.insert(code.clone());
                }
            }
        }
    }
    found
}

#[test]
fn every_documented_code_has_a_status_and_title_in_the_suite() {
    let documented: BTreeSet<String> = documented_codes().into_iter().collect();
    let known: BTreeSet<String> = TITLES.iter().map(|(c, _, _)| (*c).to_owned()).collect();
    assert!(
        documented.len() >= 30,
        "docs/errors.md was read: {documented:?}"
    );
    assert_eq!(
        documented, known,
        "support/errors.rs TITLES must list exactly the codes of docs/errors.md"
    );
}

/// Sends `method path` with the admin's token and an optional JSON body.
async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app
        .http
        .request(method, app.url(path))
        .bearer_auth(&app.admin.token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    read(req.send().await.expect("send")).await
}

/// Provokes the codes of the clients API; returns those asserted.
async fn client_codes(app: &TestApp) -> Vec<&'static str> {
    let token = &app.admin.token;
    let web = app.web_client(token, "web").await;
    let id = web["clientId"].as_str().unwrap();
    let (_, spa) = app
        .create_client(token, json!({"appType":"spa","clientName":"s"}))
        .await;
    let spa = spa["clientId"].as_str().unwrap();
    let mut checks: Vec<(&str, (StatusCode, Value))> = vec![
        (
            "OAUTH-CLIENTS-1",
            app.create_raw(token, "application/json", "{").await,
        ),
        (
            "OAUTH-CLIENTS-2",
            app.create_client(token, json!({"appType":"web","clientName":""}))
                .await,
        ),
        ("OAUTH-CLIENTS-3", app.list(token, "limit=0").await),
        (
            "OAUTH-CLIENTS-4",
            app.list(token, "filter=clientName%20zz").await,
        ),
        (
            "OAUTH-CLIENTS-5",
            app.list(token, "next=not-a-cursor").await,
        ),
        (
            "OAUTH-CLIENTS-6",
            app.patch(
                token,
                id,
                json!([{"op":"move","from":"/clientName","path":"/description"}]),
            )
            .await,
        ),
        (
            "OAUTH-CLIENTS-7",
            call(
                app,
                Method::DELETE,
                &format!("/api/core/oauth-clients/{id}"),
                None,
            )
            .await,
        ),
        ("OAUTH-CLIENTS-8", app.add_secret(token, spa).await),
    ];
    for _ in 0..4 {
        let (status, body) = app.add_secret(token, id).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let reader = app
        .token_with_scopes(&app.admin, &["oauth-clients:read"])
        .await;
    checks.extend([
        ("OAUTH-CLIENTS-9", app.add_secret(token, id).await),
        (
            "OAUTH-CLIENTS-10",
            app.get_client(token, "nosuchclient").await,
        ),
        (
            "OAUTH-CLIENTS-11",
            app.delete_secret(token, id, "zzzzz").await,
        ),
        ("OAUTH-CLIENTS-12", app.list("not-a-token", "").await),
        (
            "OAUTH-CLIENTS-13",
            app.create_client(&reader, json!({"appType":"spa","clientName":"r"}))
                .await,
        ),
    ]);
    for (code, (status, body)) in &checks {
        assert_error_code(*status, body, code);
    }
    checks.iter().map(|(code, _)| *code).collect()
}

/// Provokes the codes of the users API; returns those asserted.
async fn user_codes(app: &TestApp) -> Vec<&'static str> {
    let token = &app.admin.token;
    let ada = user(app, token, "ada@example.com").await;
    let ada_id = ada["id"].as_str().unwrap();
    let password = "a long enough password";
    let checks: Vec<(&str, (StatusCode, Value))> = vec![
        (
            "USERS-1",
            create_user(app, token, json!({"email":"not an email","name":"x","password":password})).await,
        ),
        (
            "USERS-2",
            patch_user(app, token, ada_id, json!([{"op":"copy","from":"/name","path":"/email"}])).await,
        ),
        ("USERS-3", call(app, Method::DELETE, &format!("{USERS}/{ada_id}"), None).await),
        ("USERS-4", get_user(app, token, "nosuchuser").await),
        (
            "USERS-5",
            create_user(app, token, json!({"email":"ADA@example.com","name":"x","password":password})).await,
        ),
        (
            "USERS-6",
            create_user(
                app,
                token,
                json!({"email":"b@example.com","name":"x","password":password,"subject":ada["subject"]}),
            )
            .await,
        ),
    ];
    for (code, (status, body)) in &checks {
        assert_error_code(*status, body, code);
    }
    let (status, _) = delete_user(app, token, ada_id).await;
    assert_eq!(
        status,
        StatusCode::NO_CONTENT,
        "the user could be deleted with the header"
    );
    checks.iter().map(|(code, _)| *code).collect()
}

/// Provokes the `HTTP-<status>` codes a plain server produces; returns those
/// asserted.
async fn http_codes(app: &TestApp) -> Vec<&'static str> {
    let token = &app.admin.token;
    let many_headers = (0..101).fold(app.http.get(app.url("/api/core/oauth-clients")), |r, i| {
        r.header(format!("x-filler-{i}"), "x")
    });
    let web = app.web_client(token, "to damage").await;
    let damaged = web["clientId"].as_str().unwrap();
    // A stored row the server cannot read: an unexpected server error.
    let changed = RawDb::connect(&app.db.url)
        .await
        .execute(
            "UPDATE clients SET config = 'not json' WHERE client_id = $1",
            &[damaged],
        )
        .await;
    assert_eq!(changed, 1);
    let checks: Vec<(&str, (StatusCode, Value))> = vec![
        (
            "HTTP-404",
            call(app, Method::GET, "/api/core/no-such-resource", None).await,
        ),
        (
            "HTTP-405",
            call(app, Method::PUT, "/api/core/oauth-clients", Some(json!({}))).await,
        ),
        (
            "HTTP-413",
            app.create_raw(
                token,
                "application/json",
                format!("\"{}\"", "x".repeat(70_000)),
            )
            .await,
        ),
        (
            "HTTP-414",
            app.list(token, &format!("filter={}", "x".repeat(9000)))
                .await,
        ),
        ("HTTP-415", app.create_raw(token, "text/plain", "{}").await),
        (
            "HTTP-431",
            read(many_headers.bearer_auth(token).send().await.expect("send")).await,
        ),
        ("HTTP-500", app.get_client(token, damaged).await),
    ];
    for (code, (status, body)) in &checks {
        assert_error_code(*status, body, code);
    }
    checks.iter().map(|(code, _)| *code).collect()
}

#[tokio::test]
async fn every_documented_error_code_is_produced_and_asserted_with_its_title() {
    let app = spawn_app().await;
    let mut covered: BTreeSet<String> = BTreeSet::new();
    for code in client_codes(&app).await {
        covered.insert(code.to_owned());
    }
    for code in user_codes(&app).await {
        covered.insert(code.to_owned());
    }
    for code in http_codes(&app).await {
        covered.insert(code.to_owned());
    }
    let documented = documented_codes();
    let elsewhere = codes_asserted_elsewhere(&documented);
    let missing: Vec<&String> = documented
        .iter()
        .filter(|c| !covered.contains(*c) && !elsewhere.contains(*c))
        .collect();
    assert!(
        missing.is_empty(),
        "documented error codes no test produces and asserts with assert_error_code: {missing:?}"
    );
    // The heavy ones are asserted where their set-up is.
    for code in ["HTTP-408", "HTTP-429", "HTTP-503", "OAUTH-CLIENTS-14"] {
        assert!(
            elsewhere.contains(code),
            "{code} is asserted by its own test"
        );
    }
}
