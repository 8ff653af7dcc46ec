//! Bearer-token authentication and scope checks for everything under `/api/`.
//!
//! It runs before routing, so an unauthenticated caller learns nothing, not
//! even which routes or methods exist (contract §3).

use super::error::ApiError;
use crate::app::AppState;
use crate::domain::ids::{ClientId, TenantId};
use crate::signing::{AccessClaims, VerifyError};
use crate::store::StoreError;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub const SCOPE_READ: &str = "oauth-clients:read";
pub const SCOPE_WRITE: &str = "oauth-clients:write";

/// Who is calling: taken from a verified access token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub tenant: TenantId,
    /// The token's `sub`: the id of the client the token was issued to.
    pub subject: String,
    pub scopes: Vec<String>,
    pub jti: String,
}

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
    let s = &state.settings;
    let claims: AccessClaims = state
        .keys
        .verify_access_token(token, s.issuer(), s.audience())
        .await
        .map_err(|e| match e {
            VerifyError::Store(StoreError::Unavailable(e)) => ApiError::Unavailable(e.to_string()),
            other => ApiError::Unauthorized(other.to_string()),
        })?;
    let tenant = TenantId::from_trusted(claims.tenant_id);
    let client = ClientId::from_trusted(claims.client_id);
    // Checked on every request, never cached, in one query: a revoked token
    // and a deleted client's tokens stop working at once, on every instance.
    if !state
        .store
        .is_token_active(&tenant, &client, &claims.jti)
        .await?
    {
        return Err(ApiError::Unauthorized(
            "the token was revoked or its client no longer exists".into(),
        ));
    }
    Ok(Caller {
        tenant,
        subject: claims.sub,
        scopes: claims
            .scope
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        jti: claims.jti,
    })
}

/// Middleware: authenticates `/api/` requests and checks their scope.
pub async fn require_token(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    if !(path == "/api" || path.starts_with("/api/")) {
        return next.run(req).await;
    }
    let caller = match authenticate(&state, req.headers()).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    // Reading needs either scope (write includes read); everything else needs write.
    let reading = matches!(*req.method(), Method::GET | Method::HEAD);
    let has = |s: &str| caller.scopes.iter().any(|c| c == s);
    let allowed = has(SCOPE_WRITE) || (reading && has(SCOPE_READ));
    if !allowed {
        return ApiError::Forbidden(if reading { SCOPE_READ } else { SCOPE_WRITE }).into_response();
    }
    req.extensions_mut().insert(caller);
    next.run(req).await
}
