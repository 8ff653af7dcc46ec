//! Bearer-token authentication, scope checks and rate limits for everything
//! under `/api/core/` (other paths under `/api` are unknown routes, 404).
//!
//! It runs before routing, so an unauthenticated caller learns nothing, not
//! even which routes or methods exist (contract §3). The token is checked by
//! `oauth::access_token`, the one check every endpoint shares; the request is
//! then counted against its caller's tier (GET and HEAD Tier 1, the rest
//! Tier 2) and answered 429 over the limit.

use crate::domain::scopes::missing_scope;
use crate::http::paths::is_management;
use crate::http::{ApiError, Caller, CorsClient, Remote, RequestId};
use crate::oauth::access_token::{self, Refused};
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Why a bearer token was refused: for the log only.
enum Refusal {
    Missing,
    Presented(String),
    Store(ApiError),
}

/// The token of an `Authorization: Bearer …` header (RFC 6750 §2.1).
fn bearer(headers: &HeaderMap) -> Result<&str, Refusal> {
    let bad = |reason: &str| Refusal::Presented(reason.to_owned());
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let first = values.next().ok_or(Refusal::Missing)?;
    if values.next().is_some() {
        return Err(bad("more than one Authorization header"));
    }
    let v = first
        .to_str()
        .map_err(|_| bad("malformed Authorization header"))?;
    let (scheme, token) = v
        .split_once(' ')
        .ok_or_else(|| bad("expected `Bearer <token>`"))?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(bad("expected `Bearer <token>`"));
    }
    Ok(token)
}

async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller, Refusal> {
    let token = bearer(headers)?;
    let live = access_token::check(state, token)
        .await
        .map_err(|e| match e {
            Refused::Store(e) => Refusal::Store(ApiError::from(e)),
            refused => Refusal::Presented(refused.to_string()),
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

/// The one 401 of every refused token; the reason goes to the log with the
/// request id, never to the caller.
fn refuse(refusal: Refusal, req: &Request) -> Response {
    let id = req.extensions().get::<RequestId>().copied();
    let id = id.as_ref().map_or("-", RequestId::as_str);
    let presented = match refusal {
        Refusal::Store(e) => return e.into_response(),
        Refusal::Missing => {
            tracing::info!(
                request_id = id,
                reason = "no Authorization header",
                "bearer token refused"
            );
            false
        }
        Refusal::Presented(reason) => {
            tracing::info!(request_id = id, reason = %reason, "bearer token refused");
            true
        }
    };
    ApiError::Unauthorized { presented }.into_response()
}

/// Middleware: authenticates requests under `/api/core`, checks their scope and counts
/// them against the caller's rate limit.
pub async fn require_token(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !is_management(req.uri().path()) {
        return next.run(req).await;
    }
    // An address that presented too many bad tokens is refused before its
    // next one is even looked at.
    let remote = Remote::of(req.extensions()).0;
    if let Some(ip) = remote
        && let Err(limited) = state.ops.rate_limits.check_address(ip)
    {
        return ApiError::TooManyFailures {
            retry_after_secs: limited.retry_after_secs(),
            per_minute: limited.per_minute,
        }
        .into_response();
    }
    let caller = match authenticate(&state, req.headers()).await {
        Ok(c) => c,
        Err(refusal) => {
            if let (Refusal::Presented(_), Some(ip)) = (&refusal, remote) {
                state.ops.rate_limits.record_failure(ip);
            }
            return refuse(refusal, &req);
        }
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
