//! Structured logs: the README walkthrough against the real binary with
//! `--log-format json`; every stderr line is one JSON object, every request
//! is logged with its id, and no secret, token or Authorization value leaks.

use crate::support::TestDb;
use crate::support::process::{Server, tenant_create, token};
use base64::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Every credential the walkthrough handles, and every request id it saw.
#[derive(Default)]
struct Seen {
    secrets: Vec<String>,
    request_ids: Vec<String>,
}

impl Seen {
    fn id(&mut self, res: &reqwest::Response) {
        if let Some(v) = res.headers().get("x-request-id") {
            self.request_ids.push(v.to_str().unwrap().to_owned());
        }
    }
}

async fn send(seen: &mut Seen, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let res = req.send().await.expect("send");
    seen.id(&res);
    crate::support::read(res).await
}

/// Steps 2 to 8 of the README walkthrough (step 1, `tenant create`, is done
/// by the caller), recording every credential.
async fn walkthrough(base: &str, admin: &Value, seen: &mut Seen) {
    let http = reqwest::Client::new();
    let (admin_id, admin_secret) = (
        admin["clientId"].as_str().unwrap(),
        admin["clientSecret"].as_str().unwrap(),
    );
    seen.secrets.push(admin_secret.to_owned());
    // 2. Admin token by HTTP Basic.
    let admin_token = token(&http, base, admin_id, admin_secret).await;
    seen.secrets.push(admin_token.clone());
    // 3. Register a web client.
    let (status, client) = send(seen, http.post(format!("{base}/api/core/oauth-clients")).bearer_auth(&admin_token).json(&json!({"appType":"web","clientName":"Billing service","allowedGrantTypes":["client_credentials"],"allowedScopes":["billing:read"],"redirectUris":["https://billing.example.com/callback"]}))).await;
    assert_eq!(status, StatusCode::CREATED, "{client}");
    let id = client["clientId"].as_str().unwrap().to_owned();
    let secret = client["clientSecret"].as_str().unwrap().to_owned();
    seen.secrets.push(secret.clone());
    // 4. List with a filter and the total, then get one.
    let (status, list) = send(seen, http.get(format!("{base}/api/core/oauth-clients?limit=10&totalResults=true&filter=clientName%20co%20%22billing%22")).bearer_auth(&admin_token)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["totalResults"], 1);
    let (status, _) = send(
        seen,
        http.get(format!("{base}/api/core/oauth-clients/{id}"))
            .bearer_auth(&admin_token),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // 5. Patch.
    let (status, _) = send(seen, http.patch(format!("{base}/api/core/oauth-clients/{id}")).bearer_auth(&admin_token).json(&json!([{"op":"replace","path":"/clientName","value":"Billing"},{"op":"add","path":"/description","value":"Nightly invoices"}]))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // 6. The client's own token.
    seen.secrets.push(token(&http, base, &id, &secret).await);
    // 7. Rotate: add a secret, delete the old one by hint, old fails, new works.
    let (status, added) = send(
        seen,
        http.post(format!("{base}/api/core/oauth-clients/{id}/client-secrets"))
            .bearer_auth(&admin_token),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let new_secret = added["clientSecret"].as_str().unwrap().to_owned();
    seen.secrets.push(new_secret.clone());
    let hint = &secret[secret.len() - 5..];
    let (status, _) = send(
        seen,
        http.delete(format!(
            "{base}/api/core/oauth-clients/{id}/client-secrets/{hint}"
        ))
        .bearer_auth(&admin_token),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = send(
        seen,
        http.post(format!("{base}/oauth/token"))
            .basic_auth(&id, Some(&secret))
            .form(&[("grant_type", "client_credentials")]),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_client");
    seen.secrets
        .push(token(&http, base, &id, &new_secret).await);
    // 8. Delete with the confirmation header.
    let (status, _) = send(
        seen,
        http.delete(format!("{base}/api/core/oauth-clients/{id}"))
            .bearer_auth(&admin_token)
            .header("qlik-confirm-delete", &id),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Basic credentials travel base64-encoded: those encodings must not leak either.
    for (user, pass) in [
        (admin_id, admin_secret),
        (id.as_str(), secret.as_str()),
        (id.as_str(), new_secret.as_str()),
    ] {
        seen.secrets
            .push(base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}")));
    }
}

#[tokio::test]
async fn readme_walkthrough_logs_json_lines_with_request_ids_and_no_credentials() {
    let db = TestDb::fresh().await;
    // 1. Create a tenant.
    let admin = tenant_create(&db.url, "Acme");
    let mut server = Server::start(&db.url, &["--log-format", "json"]);
    let mut seen = Seen::default();
    walkthrough(&server.base, &admin, &mut seen).await;
    let expected = seen.request_ids.len();
    assert_eq!(expected, 8, "the walkthrough made its requests");
    let last = seen.request_ids.last().unwrap().clone();
    server.wait_for_log_lines(&last, 1);
    assert!(server.terminate(), "exit 0 after SIGTERM");
    let lines = server.logs.lock().unwrap().clone();

    let mut access = Vec::new();
    for line in &lines {
        let v: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("stderr line is not one JSON object ({e}): {line}"));
        assert!(v.is_object(), "{line}");
        for s in &seen.secrets {
            assert!(
                !line.contains(s.as_str()),
                "a credential leaked into the log: {line}"
            );
        }
        let lower = line.to_ascii_lowercase();
        assert!(
            !lower.contains("bearer ") && !lower.contains("basic "),
            "an Authorization value leaked: {line}"
        );
        if v["target"] == "registrar::access" {
            access.push(v);
        }
    }
    for id in &seen.request_ids {
        let entry = access
            .iter()
            .find(|a| a["request_id"] == id.as_str())
            .unwrap_or_else(|| panic!("no access-log line for request {id}"));
        for field in ["method", "route", "status", "latency_ms"] {
            assert!(!entry[field].is_null(), "{field} missing in {entry}");
        }
    }
    assert!(
        access
            .iter()
            .any(|a| a["route"] == "/api/core/oauth-clients/{id}" && a["method"] == "PATCH"),
        "the route is logged as its template, never with the id"
    );
}
