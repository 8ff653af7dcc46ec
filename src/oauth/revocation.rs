//! `POST /oauth/revoke` (RFC 7009): an authenticated client revokes one of
//! its own access tokens; from then on the management API refuses it and
//! introspection reports it inactive, on every instance.
//!
//! The answer is 200 whether or not anything was revoked (RFC 7009 §2.2):
//! unknown, expired or forged tokens, and tokens issued to another client,
//! are left alone without saying so, so a caller learns nothing about tokens
//! that are not its own (notably nothing across tenants).

use super::client_auth::authenticate_request;
use super::introspection::active_claims;
use super::params::Params;
use crate::domain::audit::Origin;
use crate::domain::time::Timestamp;
use crate::http::paths::REVOCATION_PATH;
use crate::http::{OAuthError, Remote, RequestId, no_store};
use crate::state::AppState;
use axum::Extension;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// A revocation is kept until the token's `exp` plus this margin, which
/// covers the leeway with which access tokens are verified.
const KEEP_AFTER_EXP_SECS: i64 = 60;

pub async fn revoke(
    State(state): State<AppState>,
    remote: Remote,
    request: Option<Extension<RequestId>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let trace = request.map_or_else(String::new, |Extension(id)| id.as_str().to_owned());
    match run(&state, remote, &trace, &headers, body).await {
        Ok(()) => {
            let mut res = StatusCode::OK.into_response();
            no_store(&mut res);
            res
        }
        Err(e) => e.into_response(),
    }
}

async fn run(
    state: &AppState,
    remote: Remote,
    trace: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<(), OAuthError> {
    let p = Params::read(headers, body).await?;
    let caller = authenticate_request(state, headers, &p, REVOCATION_PATH, remote.0)
        .await?
        .client;
    let token = p
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("token is required"))?;
    // `token_type_hint` is ignored: access tokens are the only kind issued.
    if token.split('.').count() != 3 {
        return Ok(());
    }
    let Some(c) = active_claims(state, token).await? else {
        return Ok(());
    };
    let own = c.tenant_id == caller.tenant_id.as_str() && c.client_id == caller.client_id.as_str();
    if !own {
        return Ok(());
    }
    let keep_until = Timestamp::from_unix_seconds(c.exp.saturating_add(KEEP_AFTER_EXP_SECS));
    let client = caller.client_id.as_str();
    let source = format!("{}{REVOCATION_PATH}", state.settings.public_url);
    let origin = Origin::request(client, client, trace, source);
    state
        .store
        .revoke_token(
            &caller.tenant_id,
            &caller.client_id,
            &c.jti,
            keep_until,
            Timestamp::now(),
            &origin,
        )
        .await?;
    Ok(())
}
