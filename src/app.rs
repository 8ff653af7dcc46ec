//! Application assembly: the router of every route with the management API's
//! authentication, wrapped in the request pipeline, and the server loop with
//! graceful shutdown. Composition only: every behaviour lives in a layer.

use crate::api;
use crate::audit;
use crate::oauth;
use crate::ops::pipeline::{Pipeline, PipelineLayer, RecordRouteLayer};
use crate::ops::{self, rate_limit};
use crate::state::AppState;
use axum::Router;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use std::future::Future;
use tokio::net::TcpListener;
use tower::Layer as _;

async fn not_found() -> Response {
    // A bare 404: the pipeline's finishing step writes the body, naming the path.
    StatusCode::NOT_FOUND.into_response()
}

/// Every route, with the management API's authentication and rate limits
/// (before routing, so unknown routes and wrong methods under `/api/` are
/// refused alike without a token) and panics turned into 500s.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(api::router())
        .merge(oauth::router())
        .merge(ops::router())
        .fallback(not_found)
        .route_layer(RecordRouteLayer)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            api::auth::require_token,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .with_state(state)
}

/// The whole HTTP application: the router inside the request pipeline.
pub fn service(state: AppState) -> Pipeline<Router> {
    PipelineLayer::new(state.ops.clone()).layer(router(state))
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Picks up rotated signing keys without a restart (signing::key_ring).
    let refresher = tokio::spawn(state.keys.clone().refresh_periodically());
    let pruner = rate_limit::spawn_pruner(&state.ops);
    // Retention and webhook deliveries (audit/), stopped when dropped.
    let audit_tasks = audit::spawn(&state.store, &state.settings.audit);
    let ops = state.ops.clone();
    let served = ops::server::run(listener, service(state), ops, shutdown).await;
    pruner.abort();
    refresher.abort();
    drop(audit_tasks);
    served
}
