//! `POST /oauth/introspect` (RFC 7662): tells an authenticated client whether
//! an access token is active, and what it carries.
//!
//! Any client of a tenant may introspect the tenant's tokens: that is what a
//! resource server in the tenant needs. A token is active only when its
//! signature, issuer, audience and expiry verify, its client still exists,
//! its user (for a user's token) exists and is active, it was not revoked,
//! and it belongs to the caller's tenant; everything
//! else (expired, revoked, unknown, forged, deleted client, other tenant)
//! is the same `{"active": false}`.

use super::access_token::{self, Refused};
use super::client_auth::authenticate_request;
use super::params::Params;
use crate::http::paths::INTROSPECTION_PATH;
use crate::http::{OAuthError, Remote, no_store};
use crate::signing::AccessClaims;
use crate::state::AppState;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub async fn introspect(
    State(state): State<AppState>,
    remote: Remote,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match run(&state, remote, &headers, body).await {
        Ok(v) => {
            let mut res = Json(v).into_response();
            no_store(&mut res);
            res
        }
        Err(e) => e.into_response(),
    }
}

/// The claims of `token` if it is an active access token (the one check of
/// `access_token`); `None` for any token that is not.
pub async fn active_claims(
    state: &AppState,
    token: &str,
) -> Result<Option<AccessClaims>, OAuthError> {
    match access_token::check(state, token).await {
        Ok(live) => Ok(Some(live.claims)),
        Err(Refused::Store(e)) => Err(e.into()),
        Err(Refused::Invalid(_) | Refused::NotLive(_)) => Ok(None),
    }
}

async fn run(
    state: &AppState,
    remote: Remote,
    headers: &HeaderMap,
    body: Body,
) -> Result<Value, OAuthError> {
    let p = Params::read(headers, body).await?;
    let caller = authenticate_request(state, headers, &p, INTROSPECTION_PATH, remote.0)
        .await?
        .client;
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
    let mut answer = json!({
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
    });
    // A user's token also tells when the user signed in and who acts for it.
    if let Some(t) = c.auth_time {
        answer["auth_time"] = json!(t);
    }
    if let Some(act) = c.act {
        answer["act"] = json!({"sub": act.sub});
    }
    Ok(answer)
}
