//! `POST /oauth/introspect` (RFC 7662): tells an authenticated client whether
//! an access token is active, and what it carries.
//!
//! Any client of a tenant may introspect the tenant's tokens: that is what a
//! resource server in the tenant needs. A token is active only when its
//! signature, issuer, audience and expiry verify, its client still exists,
//! it was not revoked, and it belongs to the caller's tenant; everything
//! else (expired, revoked, unknown, forged, deleted client, other tenant)
//! is the same `{"active": false}`.

use super::client_auth::authenticate_request;
use super::error::{OAuthError, no_store};
use super::params::Params;
use crate::app::AppState;
use crate::domain::ids::{ClientId, TenantId};
use crate::signing::{AccessClaims, VerifyError};
use crate::store::StoreError;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub const INTROSPECTION_PATH: &str = "/oauth/introspect";

pub async fn introspect(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    match run(&state, &headers, body).await {
        Ok(v) => {
            let mut res = Json(v).into_response();
            no_store(&mut res);
            res
        }
        Err(e) => e.into_response(),
    }
}

/// Verifies one of our access tokens and checks, in one store query, that it
/// is still usable. `None` for any token that is not active.
pub async fn active_claims(
    state: &AppState,
    token: &str,
) -> Result<Option<AccessClaims>, StoreError> {
    let s = &state.settings;
    let claims: AccessClaims = match state
        .keys
        .verify_access_token(token, s.issuer(), s.audience())
        .await
    {
        Ok(c) => c,
        Err(VerifyError::Store(e)) => return Err(e),
        Err(_) => return Ok(None),
    };
    let tenant = TenantId::from_trusted(claims.tenant_id.clone());
    let client = ClientId::from_trusted(claims.client_id.clone());
    let active = state
        .store
        .is_token_active(&tenant, &client, &claims.jti)
        .await?;
    Ok(active.then_some(claims))
}

async fn run(state: &AppState, headers: &HeaderMap, body: Body) -> Result<Value, OAuthError> {
    let p = Params::read(headers, body).await?;
    let caller = authenticate_request(state, headers, &p, INTROSPECTION_PATH).await?;
    let token = p
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("token is required"))?;
    // `token_type_hint` is optional and only a hint (RFC 7662 §2.1): there is
    // one kind of token here, so it is ignored.
    let inactive = json!({"active": false});
    if token.split('.').count() != 3 {
        return Ok(inactive);
    }
    let Some(c) = active_claims(state, token).await? else {
        return Ok(inactive);
    };
    if c.tenant_id != caller.tenant_id.as_str() {
        return Ok(inactive);
    }
    Ok(json!({
        "active": true,
        "scope": c.scope,
        "client_id": c.client_id,
        "token_type": "bearer",
        "exp": c.exp,
        "iat": c.iat,
        "sub": c.sub,
        "aud": c.aud,
        "iss": c.iss,
        "jti": c.jti,
        "tenant_id": c.tenant_id,
    }))
}
