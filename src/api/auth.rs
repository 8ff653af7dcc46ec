//! Bearer-token authentication, scope checks and rate limits for everything
//! under `/api/`.
//!
//! It runs before routing, so an unauthenticated caller learns nothing, not
//! even which routes or methods exist (contract §3). The token is checked by
//! `oauth::access_token`, the one check every endpoint shares; the request is
//! then counted against its caller's tier (GET and HEAD Tier 1, the rest
//! Tier 2) and answered 429 over the limit.

use crate::domain::scopes::missing_scope;
use crate::http::{ApiError, Caller, CorsClient};
use crate::oauth::access_token::{self, Refused};
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The token of an `Authorization: Bearer …` header (RFC 6750 §2.1).
fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let first = values
        .next()
        .ok_or_else(|| ApiError::Unauthorized("a bearer access token is required".into()))?;
    if values.next().is_some() {
        return Err(ApiError::Unauthorized(
            "more than one Authorization header".into(),
        ));
    }
    let v = first
        .to_str()
        .map_err(|_| ApiError::Unauthorized("malformed Authorization header".into()))?;
    let (scheme, token) = v
        .split_once(' ')
        .ok_or_else(|| ApiError::Unauthorized("expected `Bearer <token>`".into()))?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(ApiError::Unauthorized("expected `Bearer <token>`".into()));
    }
    Ok(token)
}

async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let token = bearer(headers)?;
    let live = access_token::check(state, token)
        .await
        .map_err(|e| match e {
            Refused::Store(e) => ApiError::from(e),
            refused => ApiError::Unauthorized(refused.to_string()),
        })?;
    let scopes = live.scopes();
    Ok(Caller {
        tenant: live.tenant,
        client: live.client,
        subject: live.claims.sub,
        scopes,
        jti: live.claims.jti,
    })
}

/// Middleware: authenticates `/api/` requests, checks their scope and counts
/// them against the caller's rate limit.
pub async fn require_token(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if !(path == "/api" || path.starts_with("/api/")) {
        return next.run(req).await;
    }
    let caller = match authenticate(&state, req.headers()).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    // The answer is about the token's client: its allowed origins decide
    // the CORS headers (oauth::cors), error answers included.
    let cors = CorsClient(caller.client.clone());
    let mut res = authorized(&state, req, next, caller).await;
    res.extensions_mut().insert(cors);
    res
}

/// Checks the scope and rate limit of an authenticated request and runs it.
async fn authorized(state: &AppState, mut req: Request, next: Next, caller: Caller) -> Response {
    let reading = matches!(*req.method(), Method::GET | Method::HEAD);
    if let Some(scope) = missing_scope(req.uri().path(), reading, &caller.scopes) {
        return ApiError::Forbidden(scope).into_response();
    }
    if let Err(limited) = state.ops.rate_limits.check_caller(req.method(), &caller) {
        return ApiError::RateLimited {
            retry_after_secs: limited.retry_after_secs(),
            per_minute: limited.per_minute,
        }
        .into_response();
    }
    req.extensions_mut().insert(caller);
    next.run(req).await
}
