//! `POST /oauth/revoke` (RFC 7009): an authenticated client revokes one of
//! its own access tokens; from then on the management API refuses it and
//! introspection reports it inactive, on every instance.
//!
//! A refresh token (opaque, not a JWT) is revoked with its whole grant: its
//! other refresh tokens and the access tokens issued under it. Either records
//! `com.registrar.token.revoked` (subject the client; `data.jti` for an
//! access token, `data.grantId` for a refresh token's grant, never the
//! token) in the revocation's transaction, when something was revoked.
//! Public clients (`spa`, `native`) revoke with their `client_id` alone
//! (RFC 7009 §2.1).
//!
//! The answer is 200 whether or not anything was revoked (RFC 7009 §2.2):
//! unknown, expired or forged tokens, and tokens issued to another client,
//! are left alone without saying so, so a caller learns nothing about tokens
//! that are not its own (notably nothing across tenants).

use super::client_auth::{identify_client, named_client};
use super::introspection::active_claims;
use super::params::Params;
use super::user_tokens::{GrantRevocation, revoke_grant};
use crate::domain::audit::Origin;
use crate::domain::client_record::AuthClient;
use crate::domain::handles::Handle;
use crate::domain::ids::ClientId;
use crate::domain::time::Timestamp;
use crate::http::paths::REVOCATION_PATH;
use crate::http::{CorsClient, OAuthError, Remote, RequestId, no_store};
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
    let (result, client) = run(&state, remote, &trace, &headers, body).await;
    let mut res = match result {
        Ok(()) => {
            let mut res = StatusCode::OK.into_response();
            no_store(&mut res);
            res
        }
        Err(e) => e.into_response(),
    };
    if let Some(c) = client {
        res.extensions_mut().insert(CorsClient(c));
    }
    res
}

/// Revokes, and names the client the answer is about (for CORS).
async fn run(
    state: &AppState,
    remote: Remote,
    trace: &str,
    headers: &HeaderMap,
    body: Body,
) -> (Result<(), OAuthError>, Option<ClientId>) {
    let p = match Params::read(headers, body).await {
        Ok(p) => p,
        Err(e) => return (Err(e), None),
    };
    let named = named_client(headers, &p);
    match identify_client(state, headers, &p, REVOCATION_PATH, remote.0).await {
        Ok(caller) => {
            let id = caller.client.client_id.clone();
            (revoke_for(state, &caller.client, trace, &p).await, Some(id))
        }
        Err(e) => (Err(e), named),
    }
}

/// Revokes a refresh token's grant, if it is the caller's, with its
/// `token.revoked` event (`data.grantId`, never the token).
async fn revoke_refresh(
    state: &AppState,
    caller: &AuthClient,
    origin: &Origin,
    token: &str,
) -> Result<(), OAuthError> {
    let Some(handle) = Handle::parse(token).filter(|h| h.tenant == caller.tenant_id) else {
        return Ok(());
    };
    if let Some(r) = state
        .store
        .find_refresh_token(&handle.tenant, &handle.hash)
        .await?
        && r.grant.client_id == caller.client_id
    {
        let revocation = GrantRevocation {
            tenant: &handle.tenant,
            grant_id: &r.grant.grant_id,
            client: &caller.client_id,
            user_id: &r.grant.user_id,
            reason: "revoked",
        };
        revoke_grant(state, origin, &revocation, Timestamp::now()).await?;
    }
    Ok(())
}

async fn revoke_for(
    state: &AppState,
    caller: &AuthClient,
    trace: &str,
    p: &Params,
) -> Result<(), OAuthError> {
    let token = p
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("token is required"))?;
    let client = caller.client_id.as_str();
    let source = format!("{}{REVOCATION_PATH}", state.settings.public_url);
    let origin = Origin::request(client, client, trace, source);
    // `token_type_hint` is only a hint (RFC 7009 §2.1): the shape tells
    // access tokens (JWTs) from refresh tokens.
    if token.split('.').count() != 3 {
        return revoke_refresh(state, caller, &origin, token).await;
    }
    let Some(c) = active_claims(state, token).await? else {
        return Ok(());
    };
    let own = c.tenant_id == caller.tenant_id.as_str() && c.client_id == client;
    if !own {
        return Ok(());
    }
    let keep_until = Timestamp::from_unix_seconds(c.exp.saturating_add(KEEP_AFTER_EXP_SECS));
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
