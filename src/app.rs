//! Application assembly: the router of every route with the management API's
//! authentication, wrapped in the request pipeline, and the server loop with
//! graceful shutdown. Composition only: every behaviour lives in a layer.

use crate::api;
use crate::audit;
use crate::oauth;
use crate::ops::pipeline::{Pipeline, PipelineLayer, RecordRouteLayer};
use crate::ops::server::Listener;
use crate::ops::{self, pruning, rate_limit};
use crate::pages;
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
/// (before routing, so unknown routes and wrong methods under `/api/core/` are
/// refused alike without a token) and panics turned into 500s.
pub fn router(state: AppState) -> Router {
    router_with(state, true)
}

/// [`router`], with or without `/metrics` (which an operations listener
/// serves instead when there is one).
pub fn router_with(state: AppState, with_metrics: bool) -> Router {
    Router::new()
        .merge(api::router())
        .merge(oauth::router())
        .merge(pages::router())
        .merge(ops::public_router(with_metrics))
        .fallback(not_found)
        .route_layer(RecordRouteLayer)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            api::auth::require_token,
        ))
        // Outside the management API's authentication: preflights carry no token.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            oauth::cors::cors,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .with_state(state)
}

/// The whole HTTP application: the router inside the request pipeline.
pub fn service(state: AppState) -> Pipeline<Router> {
    PipelineLayer::new(state.ops.clone()).layer(router(state))
}

/// The operations listener's application: `/metrics` and `/health`.
fn ops_service(state: AppState) -> Pipeline<Router> {
    let router = ops::ops_listener_router()
        .fallback(not_found)
        .route_layer(RecordRouteLayer)
        .with_state(state.clone());
    PipelineLayer::new(state.ops.clone()).layer(router)
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with_ops(listener, None, state, shutdown).await
}

/// [`serve`], with `/metrics` on `ops_listener` instead of `listener` when
/// there is one (`--ops-listen`).
pub async fn serve_with_ops(
    listener: TcpListener,
    ops_listener: Option<TcpListener>,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Picks up rotated signing keys without a restart (signing::key_ring).
    let refresher = tokio::spawn(state.keys.clone().refresh_periodically());
    let pruner = rate_limit::spawn_pruner(&state.ops);
    // Retention and webhook deliveries (audit/), stopped when dropped.
    let audit_tasks = audit::spawn(&state.store, &state.settings.audit);
    let expired = pruning::spawn_expired_pruner(state.store.clone(), state.ops.prune_expired_every);
    let ops = state.ops.clone();
    // Both listeners stop on the same signal.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }
    };
    let ops_served = ops_listener.map(|l| {
        let app = ops_service(state.clone());
        let run = ops::server::run_as(Listener::Ops, l, app, ops.clone(), stopped());
        tokio::spawn(run)
    });
    let app = PipelineLayer::new(ops.clone()).layer(router_with(state, ops_served.is_none()));
    let served = ops::server::run(listener, app, ops, stopped()).await;
    if let Some(task) = ops_served {
        let _ = task.await;
    }
    expired.abort();
    pruner.abort();
    refresher.abort();
    drop(audit_tasks);
    served
}
