//! The audit log from a test's side: a tenant's events as stored (read with
//! the export `registrar audits export` runs), and a webhook receiver that
//! records every delivery and checks its Standard Webhooks signature.

use super::app::TestApp;
use aws_lc_rs::hmac;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use registrar::audit::export::{Selection, export};
use registrar::domain::time::Timestamp;
use registrar::store::Store;
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Every event of `tenant` (`None`: every event), oldest first, as the
/// export writes them: parsed, and the raw lines.
pub async fn exported(store: &Store, tenant: Option<&str>) -> (Vec<Value>, String) {
    let mut out = Vec::new();
    let selection = Selection {
        since: Timestamp::from_micros(0),
        tenant,
    };
    export(store, &selection, &mut out).await.expect("export");
    let text = String::from_utf8(out).expect("utf-8");
    let events = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    (events, text)
}

/// The events of a tenant, oldest first.
pub async fn events_of(app: &TestApp, tenant: &str) -> Vec<Value> {
    exported(&app.store, Some(tenant)).await.0
}

/// Waits (bounded) until `tenant` has at least `n` events; returns them.
pub async fn wait_for_events(store: &Store, tenant: &str, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let events = exported(store, Some(tenant)).await.0;
        if events.len() >= n || Instant::now() > deadline {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One request a receiver got.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: String,
    pub timestamp: i64,
    pub signature: String,
    pub content_type: String,
    pub body: String,
    /// Whether the signature verified with the receiver's secret.
    pub verified: bool,
    /// The status the receiver answered.
    pub answered: u16,
}

impl Delivery {
    pub fn event(&self) -> Value {
        serde_json::from_str(&self.body).expect("a delivery's body is JSON")
    }
}

struct ReceiverState {
    key: Vec<u8>,
    /// Requests still to refuse with 500 before answering 204.
    failures_left: AtomicUsize,
    /// Requests refused with 503 until set to false.
    down: std::sync::atomic::AtomicBool,
    log: Mutex<Vec<Delivery>>,
}

/// A webhook receiver on a free port: verifies each request's signature
/// the way the Standard Webhooks libraries do, independently of the server.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    state: Arc<ReceiverState>,
    _server: Arc<tokio::task::JoinHandle<()>>,
}

/// A Standard Webhooks secret for tests.
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwdGVzdGluZw==";

/// Verifies `webhook-signature` over `id.timestamp.body`.
pub fn verify(key: &[u8], id: &str, timestamp: &str, body: &[u8], signature: &str) -> bool {
    let mut msg = Vec::new();
    msg.extend_from_slice(id.as_bytes());
    msg.push(b'.');
    msg.extend_from_slice(timestamp.as_bytes());
    msg.push(b'.');
    msg.extend_from_slice(body);
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), &msg);
    let expected = format!("v1,{}", STANDARD.encode(tag.as_ref()));
    // The header may carry several space-separated signatures.
    signature.split(' ').any(|s| s == expected)
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let (id, timestamp, signature) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    );
    let verified = verify(&state.key, &id, &timestamp, &body, &signature);
    let status = if state.down.load(Ordering::SeqCst) {
        StatusCode::SERVICE_UNAVAILABLE
    } else if state
        .failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    };
    state.log.lock().unwrap().push(Delivery {
        id,
        timestamp: timestamp.parse().unwrap_or_default(),
        signature,
        content_type: header("content-type"),
        body: String::from_utf8_lossy(&body).into_owned(),
        verified,
        answered: status.as_u16(),
    });
    status
}

impl Receiver {
    /// A receiver for `secret` (`whsec_…`) that first refuses `failures`
    /// requests with 500.
    pub async fn start(secret: &str, failures: usize) -> Receiver {
        let key = STANDARD
            .decode(secret.trim_start_matches("whsec_"))
            .expect("secret");
        let state = Arc::new(ReceiverState {
            key,
            failures_left: AtomicUsize::new(failures),
            down: std::sync::atomic::AtomicBool::new(false),
            log: Mutex::new(Vec::new()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/registrar", listener.local_addr().unwrap());
        let router = axum::Router::new()
            .route("/hooks/registrar", axum::routing::post(receive))
            .with_state(state.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Receiver {
            url,
            state,
            _server: Arc::new(server),
        }
    }

    /// Answers 503 to everything while `down`.
    pub fn set_down(&self, down: bool) {
        self.state.down.store(down, Ordering::SeqCst);
    }

    /// Every request so far, in arrival order.
    pub fn log(&self) -> Vec<Delivery> {
        self.state.log.lock().unwrap().clone()
    }

    /// The requests answered 2xx, in arrival order.
    pub fn accepted(&self) -> Vec<Delivery> {
        self.log()
            .into_iter()
            .filter(|d| d.answered < 300)
            .collect()
    }

    /// Waits (bounded) until `n` requests were accepted; returns them.
    pub async fn wait_accepted(&self, n: usize, within: Duration) -> Vec<Delivery> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.accepted();
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A server that delivers webhooks to loopback receivers, retrying after
/// `retry_initial` (doubling up to a second).
pub async fn spawn_with_webhooks(retry_initial: Duration) -> TestApp {
    let settings = registrar::state::Settings {
        audit: registrar::audit::AuditSettings {
            allow_internal_webhooks: true,
            retry_initial,
            retry_cap: Duration::from_secs(1),
            ..Default::default()
        },
        ..Default::default()
    };
    TestApp::spawn_with(settings).await
}

/// Sets `tenant`'s webhook as `registrar tenant webhook set` does, with
/// loopback targets allowed.
pub async fn set_webhook(store: &Store, tenant: &str, url: &str, secret: &str) {
    let req = registrar::cli::webhook::SetRequest {
        tenant_id: tenant,
        url,
        secret: Some(secret.to_owned()),
        allow_internal: true,
    };
    registrar::cli::webhook::set_in(store, req)
        .await
        .expect("set webhook");
}

/// Waits (bounded) until `tenant` has no undelivered event (a delivery is
/// marked done just after its receiver answered); returns how many remain.
pub async fn wait_delivered(store: &Store, tenant: &str) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let pending = store.pending_deliveries(tenant).await.expect("pending");
        if pending == 0 || Instant::now() > deadline {
            return pending;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
