//! Operations: rate limits, metrics, request and connection limits, the
//! server loop, and the API description (`/openapi.json`, `/docs`).
//!
//! Everything here is per process and lives in [`Ops`], which `AppState`
//! holds; nothing is global, so several servers in one process (the test
//! suite) never share counters or limits.

pub mod limits;
pub mod log_output;
pub mod metrics;
pub mod openapi;
pub mod rate_limit;
pub mod server;

use crate::app::AppState;
use axum::Router;
use axum::routing::get;
use limits::ServerLimits;
use metrics::Metrics;
use rate_limit::RateLimits;

/// Operational settings of a server.
#[derive(Debug, Clone, Default)]
pub struct OpsConfig {
    /// Tier 1 (management GET) requests per minute per caller; 0 disables.
    pub rate_limit_tier1: u32,
    /// Tier 2 (other management methods, and token requests per client) per
    /// minute; 0 disables.
    pub rate_limit_tier2: u32,
    pub limits: ServerLimits,
}

/// The per-process operational state.
#[derive(Debug)]
pub struct Ops {
    pub rate_limits: RateLimits,
    pub metrics: Metrics,
    pub limits: ServerLimits,
}

impl Ops {
    pub fn new(config: &OpsConfig) -> Ops {
        Ops {
            rate_limits: RateLimits::new(config.rate_limit_tier1, config.rate_limit_tier2),
            metrics: Metrics::default(),
            limits: config.limits.clone(),
        }
    }
}

/// `/metrics`, `/openapi.json` and the browsable `/docs`; none needs a token.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/metrics", get(metrics::metrics))
        .route(openapi::SPEC_PATH, get(openapi::spec))
        .route(openapi::DOCS_PATH, get(openapi::docs_redirect))
        .route("/docs/", get(openapi::docs_index))
        .route("/docs/{*file}", get(openapi::docs_file))
}
