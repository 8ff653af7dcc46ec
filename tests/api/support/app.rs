//! The in-process server: `spawn_app()` binds `127.0.0.1:0`, uses a fresh
//! database ([`TestDb`]), and returns the base URL, an HTTP client, a first
//! tenant with a token, and one helper per endpoint.

use super::db::TestDb;
use registrar::cli::tenant::provision;
use registrar::ops::OpsConfig;
use registrar::state::{AppState, Settings};
use registrar::store::{PoolSettings, Store};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

/// Credentials of a tenant's admin client, plus a token for it.
#[derive(Clone, Debug)]
pub struct Tenant {
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub token: String,
}

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub store: Store,
    pub admin: Tenant,
    pub db: TestDb,
    server: tokio::task::JoinHandle<()>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Default settings for `spawn_with_ops`.
pub fn test_settings() -> Settings {
    Settings {
        public_url: String::new(),
        token_ttl: 21600,
        ..Default::default()
    }
}

pub async fn spawn_app() -> TestApp {
    TestApp::spawn_with(Settings {
        public_url: String::new(),
        token_ttl: 21600,
        ..Default::default()
    })
    .await
}

impl TestApp {
    /// A server without rate limits and with the default server limits.
    pub async fn spawn_with(settings: Settings) -> TestApp {
        Self::spawn_with_ops(settings, OpsConfig::default()).await
    }

    /// A server with the given rate limits and server limits.
    pub async fn spawn_with_ops(mut settings: Settings, ops: OpsConfig) -> TestApp {
        let db = TestDb::fresh().await;
        let store = Store::connect(&db.url, &PoolSettings::default())
            .await
            .expect("connect store");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let base = format!("http://{addr}");
        if settings.public_url.is_empty() {
            settings.public_url = base.clone();
        }
        let state = AppState::new(store.clone(), settings)
            .await
            .expect("state")
            .with_ops(&ops);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let _ = registrar::app::serve(listener, state, async move {
                let _ = rx.await;
            })
            .await;
        });
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        let mut app = TestApp {
            base,
            http,
            store,
            admin: Tenant {
                tenant_id: String::new(),
                client_id: String::new(),
                client_secret: String::new(),
                token: String::new(),
            },
            db,
            server,
            shutdown: Some(tx),
        };
        app.admin = app.new_tenant("acme").await;
        app
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Creates a tenant through the same code as `registrar tenant create`.
    pub async fn new_tenant(&self, name: &str) -> Tenant {
        let t = provision(&self.store, name)
            .await
            .expect("provision tenant");
        let token = self.token(&t.client_id, &t.client_secret, None).await;
        Tenant {
            tenant_id: t.tenant_id,
            client_id: t.client_id,
            client_secret: t.client_secret,
            token,
        }
    }

    /// A token by `client_secret_basic`; panics unless issued.
    pub async fn token(&self, client_id: &str, secret: &str, scope: Option<&str>) -> String {
        let (status, body) = self.token_request(client_id, secret, scope).await;
        assert_eq!(status, StatusCode::OK, "token request failed: {body}");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    pub async fn token_request(
        &self,
        client_id: &str,
        secret: &str,
        scope: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut form = vec![("grant_type", "client_credentials")];
        if let Some(s) = scope {
            form.push(("scope", s));
        }
        let res = self
            .http
            .post(self.url("/oauth/token"))
            .basic_auth(client_id, Some(secret))
            .form(&form)
            .send()
            .await
            .expect("send");
        read(res).await
    }

    /// A token for a new client of `tenant` holding exactly `scopes`.
    pub async fn token_with_scopes(&self, tenant: &Tenant, scopes: &[&str]) -> String {
        let (status, c) = self
            .create_client(
                &tenant.token,
                json!({"appType":"web","clientName":"scoped","allowedGrantTypes":["client_credentials"],"allowedScopes":scopes}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        self.token(
            c["clientId"].as_str().unwrap(),
            c["clientSecret"].as_str().unwrap(),
            None,
        )
        .await
    }

    pub async fn create_client(&self, token: &str, body: Value) -> (StatusCode, Value) {
        let res = self
            .http
            .post(self.url("/api/core/oauth-clients"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("send");
        read(res).await
    }

    pub async fn create_raw(
        &self,
        token: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, Value) {
        let res = self
            .http
            .post(self.url("/api/core/oauth-clients"))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("send");
        read(res).await
    }

    pub async fn get_client(&self, token: &str, id: &str) -> (StatusCode, Value) {
        let res = self
            .http
            .get(self.url(&format!("/api/core/oauth-clients/{id}")))
            .bearer_auth(token)
            .send()
            .await
            .expect("send");
        read(res).await
    }

    pub async fn list(&self, token: &str, query: &str) -> (StatusCode, Value) {
        let sep = if query.is_empty() { "" } else { "?" };
        let res = self
            .http
            .get(self.url(&format!("/api/core/oauth-clients{sep}{query}")))
            .bearer_auth(token)
            .send()
            .await
            .expect("send");
        read(res).await
    }

    pub async fn get_url(&self, token: &str, url: &str) -> (StatusCode, Value) {
        read(
            self.http
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("send"),
        )
        .await
    }

    pub async fn patch(&self, token: &str, id: &str, body: Value) -> (StatusCode, Value) {
        let res = self
            .http
            .patch(self.url(&format!("/api/core/oauth-clients/{id}")))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("send");
        read(res).await
    }

    pub async fn delete_client(&self, token: &str, id: &str) -> (StatusCode, Value) {
        let res = self
            .http
            .delete(self.url(&format!("/api/core/oauth-clients/{id}")))
            .bearer_auth(token)
            .header("qlik-confirm-delete", id)
            .send()
            .await
            .expect("send");
        read(res).await
    }

    pub async fn add_secret(&self, token: &str, id: &str) -> (StatusCode, Value) {
        let res = self
            .http
            .post(self.url(&format!("/api/core/oauth-clients/{id}/client-secrets")))
            .bearer_auth(token)
            .send()
            .await
            .expect("send");
        read(res).await
    }

    pub async fn delete_secret(&self, token: &str, id: &str, hint: &str) -> (StatusCode, Value) {
        let res = self
            .http
            .delete(self.url(&format!(
                "/api/core/oauth-clients/{id}/client-secrets/{hint}"
            )))
            .bearer_auth(token)
            .send()
            .await
            .expect("send");
        read(res).await
    }

    /// A `web` client with a secret and the client_credentials grant.
    pub async fn web_client(&self, token: &str, name: &str) -> Value {
        let (status, c) = self
            .create_client(token, json!({"appType":"web","clientName":name,"allowedGrantTypes":["client_credentials"],"allowedScopes":["read:x"]}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        c
    }
}

/// Starts a second server on the same database and public URL, as a second
/// instance behind a load balancer would be.
pub async fn second_instance(app: &TestApp) -> (String, tokio::task::JoinHandle<()>) {
    let store = Store::connect(&app.db.url, &PoolSettings::default())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let settings = Settings {
        public_url: app.base.clone(),
        token_ttl: 21600,
        ..Default::default()
    };
    let state = AppState::new(store, settings).await.unwrap();
    let server = tokio::spawn(async move {
        let _ = registrar::app::serve(listener, state, std::future::pending()).await;
    });
    (base, server)
}

/// Status and JSON body (`null` when the body is empty).
pub async fn read(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    let bytes = res.bytes().await.expect("body");
    if bytes.is_empty() {
        return (status, Value::Null);
    }
    let v = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
        panic!(
            "non-JSON body with {status}: {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, v)
}

/// Asserts the reference's error body: `errors[0]` with code, title, status,
/// and a `traceId`.
pub fn assert_error(body: &Value, status: StatusCode) {
    let e = &body["errors"][0];
    assert!(e["code"].is_string(), "error code missing in {body}");
    assert!(e["title"].is_string(), "error title missing in {body}");
    assert_eq!(
        e["status"],
        json!(status.as_u16().to_string()),
        "status in {body}"
    );
    assert!(
        body["traceId"].as_str().is_some_and(|t| !t.is_empty()),
        "traceId missing in {body}"
    );
}

/// Asserts a token response's `expires_at` (contract §5): an RFC 3339 UTC
/// string (`Z`) that lies `expires_in` seconds after the moment of the
/// request, which was sent at or after `sent` (a Unix time read before it).
pub fn assert_expires_at(body: &Value, sent: i64) {
    let at = body["expires_at"]
        .as_str()
        .unwrap_or_else(|| panic!("expires_at is not a string: {body}"));
    assert!(at.ends_with('Z'), "expires_at is not in UTC: {at}");
    let parsed = time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|e| panic!("expires_at {at} is not RFC 3339: {e}"));
    let ttl = body["expires_in"].as_i64().expect("expires_in");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let at = parsed.unix_timestamp();
    assert!(
        (sent + ttl..=now + ttl).contains(&at),
        "expires_at {at} is not expires_in ({ttl} s) after the request ({sent}..={now})"
    );
}

/// Asserts an error response whose `detail` mentions `needle`.
pub fn assert_error_detail(status: StatusCode, body: &Value, expected: StatusCode, needle: &str) {
    assert_eq!(status, expected, "{body}");
    assert_error(body, expected);
    let detail = body["errors"][0]["detail"].as_str().unwrap_or("");
    assert!(
        detail.contains(needle),
        "detail `{detail}` should mention `{needle}`"
    );
}
