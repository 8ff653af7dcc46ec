//! Application assembly: shared state, the router with its middleware stack,
//! and the server loop with graceful shutdown.

use crate::api;
use crate::api::error::{ApiError, RequestId, finalize_errors};
use crate::domain::ids::request_id as new_request_id;
use crate::domain::time::Timestamp;
use crate::oauth;
use crate::ops::{self, Ops, OpsConfig};
use crate::signing::KeyRing;
use crate::store::Store;
use aws_lc_rs::hmac;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;
use tokio::net::TcpListener;

/// Settings the request handlers need.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Base of absolute links and the token issuer, without a trailing slash.
    pub public_url: String,
    /// Lifetime of access tokens, in seconds.
    pub token_ttl: i64,
}

impl Settings {
    pub fn issuer(&self) -> &str {
        &self.public_url
    }
    /// Access tokens are for this server's own management API.
    pub fn audience(&self) -> &str {
        &self.public_url
    }
}

/// Everything a request handler can reach; no globals.
///
/// Cloned by every middleware and extractor of every request, so a clone is
/// one reference count: the fields live behind one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<AppStateInner>);

/// The fields of [`AppState`], reached through `Deref`.
pub struct AppStateInner {
    pub store: Store,
    pub keys: KeyRing,
    pub settings: Arc<Settings>,
    pub cursor_key: Arc<hmac::Key>,
    /// Rate limits, metrics and server limits of this process.
    pub ops: Arc<Ops>,
}

impl AppState {
    /// Loads (or creates on first start) the server's keys from the store.
    /// The state has no rate limits and the default server limits until
    /// [`AppState::with_ops`] sets others (`serve` does, from its options).
    pub async fn new(store: Store, settings: Settings) -> anyhow::Result<AppState> {
        let keys = KeyRing::load_or_create(store.clone(), settings.token_ttl).await?;
        let mut fresh = vec![0u8; 32];
        aws_lc_rs::rand::fill(&mut fresh)
            .map_err(|_| anyhow::anyhow!("system random number generator failed"))?;
        let cursor_secret = store
            .server_secret("cursor-hmac-sha256", fresh, Timestamp::now())
            .await?;
        Ok(AppState(Arc::new(AppStateInner {
            store,
            keys,
            settings: Arc::new(settings),
            cursor_key: Arc::new(hmac::Key::new(hmac::HMAC_SHA256, &cursor_secret)),
            ops: Arc::new(Ops::new(&OpsConfig::default())),
        })))
    }

    /// Replaces the operational settings (rate limits, server limits) and
    /// starts from fresh counters.
    #[must_use]
    pub fn with_ops(self, config: &OpsConfig) -> AppState {
        let s = &*self.0;
        AppState(Arc::new(AppStateInner {
            store: s.store.clone(),
            keys: s.keys.clone(),
            settings: s.settings.clone(),
            cursor_key: s.cursor_key.clone(),
            ops: Arc::new(Ops::new(config)),
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppStateInner;
    fn deref(&self) -> &AppStateInner {
        &self.0
    }
}

async fn not_found() -> Response {
    // An empty 404: `finalize_errors` writes the body, naming the path.
    StatusCode::NOT_FOUND.into_response()
}

async fn health(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({"status": "ok"})),
        )
            .into_response(),
        Err(e) => ApiError::Unavailable(e.to_string()).into_response(),
    }
}

/// Gives every request a fresh id: in the request's extensions (for the
/// error body's `traceId` and the log line) and in the `x-request-id` header.
async fn request_id(mut req: Request, next: Next) -> Response {
    let id = new_request_id();
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut res = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

/// The route template of the request that produced a response.
#[derive(Clone)]
struct RouteName(String);

async fn record_route(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let mut res = next.run(req).await;
    if let Some(r) = route {
        res.extensions_mut().insert(RouteName(r));
    }
    res
}

/// One log line per request: method, route template, status, latency, id.
/// Never the query string, headers or body, which may carry credentials.
/// The same figures feed `/metrics`.
async fn access_log(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let api = ops::metrics::Api::of_path(req.uri().path());
    let id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let res = next.run(req).await;
    let route = res
        .extensions()
        .get::<RouteName>()
        .map_or("(unmatched)", |r| r.0.as_str());
    let took = start.elapsed();
    state
        .ops
        .metrics
        .record(api, route, &method, res.status(), took);
    tracing::info!(
        target: ops::log_output::ACCESS_TARGET,
        method = %method,
        route = %route,
        status = res.status().as_u16(),
        latency_ms = format!("{:.3}", took.as_secs_f64() * 1000.0),
        request_id = %id,
        "request"
    );
    res
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(api::router())
        .merge(oauth::router())
        .merge(ops::router())
        .route("/health", get(health))
        .fallback(not_found)
        .route_layer(middleware::from_fn(record_route))
        // Inside authentication: limits are counted per authenticated caller.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            ops::rate_limit::limit_management,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            api::auth::require_token,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        // Inside `finalize_errors`, which writes the bodies of its refusals.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            ops::limits::enforce,
        ))
        .layer(middleware::from_fn(finalize_errors))
        .layer(middleware::from_fn_with_state(state.clone(), access_log))
        .layer(middleware::from_fn(request_id))
        .with_state(state)
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Picks up rotated signing keys without a restart (signing::key_ring).
    let refresher = tokio::spawn(state.keys.clone().refresh_periodically());
    let pruner = ops::rate_limit::spawn_pruner(&state.ops);
    let ops = state.ops.clone();
    let app = router(state);
    let served = ops::server::serve(listener, app, ops, shutdown).await;
    pruner.abort();
    refresher.abort();
    served
}
