//! Operations: the per-request pipeline, rate limits, metrics, request and
//! connection limits, logs, the accept loop, and the operational routes
//! (`/health`, `/metrics`, `/openapi.json`, `/docs`).
//!
//! Everything here is per process and lives in [`Ops`], which the application
//! state holds; nothing is global, so several servers in one process (the
//! test suite) never share counters or limits. The routes read [`OpsState`],
//! a view axum derives from the application state, so this layer never
//! imports it.

pub mod access_line;
pub mod address_failures;
pub mod connection;
pub mod expensive_lists;
pub mod health;
pub mod limits;
pub mod log_output;
pub mod metrics;
mod metrics_text;
pub mod openapi;
pub mod passwords;
pub mod pipeline;
pub mod pruning;
pub mod rate_limit;
pub mod server;

use crate::store::Store;
use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;
use limits::ServerLimits;
use metrics::Metrics;
use rate_limit::RateLimits;
use std::sync::Arc;

/// Operational settings of a server.
#[derive(Debug, Clone)]
pub struct OpsConfig {
    /// Tier 1 (management GET) requests per minute per caller; 0 disables.
    pub rate_limit_tier1: u32,
    /// Tier 2 (other management methods, and token, introspection and
    /// revocation requests per client) per minute; 0 disables.
    pub rate_limit_tier2: u32,
    /// Failed client authentications and refused bearer tokens per minute
    /// per remote address; 0 disables.
    pub auth_failures_per_minute: u32,
    pub limits: ServerLimits,
    /// How often expired `jti`s and revocations are pruned.
    pub prune_expired_every: std::time::Duration,
    /// Expensive list queries one tenant may run at once; 0 disables.
    pub max_expensive_lists_per_tenant: usize,
}

impl Default for OpsConfig {
    /// No rate limits nor cap of expensive lists, the default server limits
    /// and pruning period.
    fn default() -> Self {
        OpsConfig {
            rate_limit_tier1: 0,
            rate_limit_tier2: 0,
            auth_failures_per_minute: 0,
            limits: ServerLimits::default(),
            prune_expired_every: pruning::PRUNE_EXPIRED_EVERY,
            max_expensive_lists_per_tenant: 0,
        }
    }
}

/// The per-process operational state.
#[derive(Debug)]
pub struct Ops {
    pub rate_limits: RateLimits,
    pub metrics: Metrics,
    pub limits: ServerLimits,
    pub prune_expired_every: std::time::Duration,
    /// Failed sign-ins per remote address (the sign-in pages).
    pub signin_failures: address_failures::AddressFailures,
    /// The per-tenant cap of concurrent expensive lists.
    pub expensive_lists: expensive_lists::ExpensiveLists,
}

impl Ops {
    pub fn new(config: &OpsConfig) -> Ops {
        Ops {
            rate_limits: RateLimits::new(
                config.rate_limit_tier1,
                config.rate_limit_tier2,
                config.auth_failures_per_minute,
            ),
            metrics: Metrics::default(),
            limits: config.limits.clone(),
            prune_expired_every: config.prune_expired_every,
            signin_failures: address_failures::AddressFailures::default(),
            expensive_lists: expensive_lists::ExpensiveLists::new(
                config.max_expensive_lists_per_tenant,
            ),
        }
    }
}

/// What the operational routes read of the application state.
#[derive(Clone)]
pub struct OpsState(Arc<OpsView>);

pub struct OpsView {
    pub ops: Arc<Ops>,
    pub store: Store,
    /// The server's `--public-url`, without a trailing slash.
    pub public_url: Box<str>,
}

impl OpsState {
    pub fn new(ops: Arc<Ops>, store: Store, public_url: &str) -> OpsState {
        OpsState(Arc::new(OpsView {
            ops,
            store,
            public_url: public_url.into(),
        }))
    }
}

impl std::ops::Deref for OpsState {
    type Target = OpsView;
    fn deref(&self) -> &OpsView {
        &self.0
    }
}

/// `/health`, `/metrics`, `/openapi.json` and the browsable `/docs`; none
/// needs a token.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    OpsState: FromRef<S>,
{
    public_router(true)
}

/// The operational routes of the main listener: `/metrics` among them only
/// when `with_metrics` (without, it is an unknown route, 404, because an
/// operations listener serves it).
pub fn public_router<S>(with_metrics: bool) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    OpsState: FromRef<S>,
{
    let router = Router::new()
        .route("/health", get(health::health))
        .route(openapi::SPEC_PATH, get(openapi::spec))
        .route(openapi::DOCS_PATH, get(openapi::docs_redirect))
        .route("/docs/", get(openapi::docs_index))
        .route("/docs/{*file}", get(openapi::docs_file));
    if with_metrics {
        router.route(METRICS_PATH, get(metrics_text::metrics))
    } else {
        router
    }
}

/// The routes of the operations listener (`--ops-listen`): `/metrics` and
/// `/health`.
pub fn ops_listener_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    OpsState: FromRef<S>,
{
    Router::new()
        .route("/health", get(health::health))
        .route(METRICS_PATH, get(metrics_text::metrics))
}

/// Where the Prometheus metrics are served.
pub const METRICS_PATH: &str = "/metrics";
