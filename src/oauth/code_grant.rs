//! `grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.5): a code
//! is redeemed once, by the client it was issued to, with the redirect URI
//! and PKCE verifier of its request. A second use revokes everything the
//! first one issued (RFC 9700 §4.2.4 hint, OAuth 2.1 §4.1.3).

use super::access_token::{Issuing, Refused, check_issuing};
use super::client_auth::Authenticated;
use super::params::Params;
use super::user_tokens::{GrantRevocation, Issue, presented_handle, respond, revoke_grant};
use crate::domain::audit::Origin;
use crate::domain::authorize::has_scope;
use crate::domain::client_record::AuthClient;
use crate::domain::handles::NewHandle;
use crate::domain::ids::UserId;
use crate::domain::pkce;
use crate::domain::signin_records::{Code, Grant, join_scopes};
use crate::domain::time::Timestamp;
use crate::domain::token_liveness::{AUTHORIZATION_CODE, LiveFacts};
use crate::domain::user::User;
use crate::http::OAuthError;
use crate::state::AppState;
use axum::response::Response;

/// How long the refresh tokens of a sign-in may be used, from the sign-in.
pub const GRANT_TTL_SECS: i64 = 30 * 24 * 3600;

fn invalid_grant(why: &str) -> OAuthError {
    OAuthError::invalid_grant(why)
}

/// The redirect URI sent with the exchange must be the code's; it may be
/// left out only when the client has exactly that one registered.
fn redirect_matches(client: &AuthClient, code: &Code, sent: Option<&str>) -> bool {
    match sent {
        Some(uri) => uri == code.redirect_uri,
        None => {
            client.config.redirect_uris.as_deref() == Some(std::slice::from_ref(&code.redirect_uri))
        }
    }
}

/// Revokes what `code` issued, with its event (`reason` in its `data`).
async fn revoke_code_grant(
    state: &AppState,
    origin: &Origin,
    code: &Code,
    reason: &'static str,
    now: Timestamp,
) -> Result<bool, OAuthError> {
    let revocation = GrantRevocation {
        tenant: &code.tenant,
        grant_id: &code.grant_id,
        client: &code.client_id,
        user_id: &code.user_id,
        reason,
    };
    revoke_grant(state, origin, &revocation, now).await
}

/// The code named by `p`, checked against the client; a used code revokes
/// its grant on the way out.
async fn live_code(
    state: &AppState,
    client: &AuthClient,
    p: &Params,
    origin: &Origin,
    now: Timestamp,
) -> Result<Code, OAuthError> {
    let handle = presented_handle(p, "code", "code", client)?;
    let code = state
        .store
        .find_code(&handle.tenant, &handle.hash)
        .await?
        .ok_or_else(|| invalid_grant("the code is invalid"))?;
    if code.client_id != client.client_id {
        return Err(invalid_grant("the code was issued to another client"));
    }
    if code.used {
        revoke_code_grant(state, origin, &code, "code-reused", now).await?;
        tracing::info!(grant = %code.grant_id, "authorization code reused: its grant is revoked");
        return Err(invalid_grant("the code was already used"));
    }
    if code.expires_at <= now {
        return Err(invalid_grant("the code has expired"));
    }
    if !redirect_matches(client, &code, p.get("redirect_uri")) {
        return Err(invalid_grant(
            "redirect_uri does not match the authorization request",
        ));
    }
    if !pkce::verify(code.code_challenge.as_deref(), p.get("code_verifier")) {
        return Err(invalid_grant(
            "code_verifier does not match the code_challenge",
        ));
    }
    Ok(code)
}

/// Exchanges a code for tokens.
pub async fn exchange(
    state: &AppState,
    caller: &Authenticated,
    p: &Params,
    origin: &Origin,
) -> Result<Response, OAuthError> {
    let client = &caller.client;
    let now = Timestamp::now();
    let code = live_code(state, client, p, origin, now).await?;
    let user_id = UserId::parse(&code.user_id)
        .ok_or_else(|| invalid_grant("the user is disabled or no longer exists"))?;
    let user = state
        .store
        .find_user(&code.tenant, &user_id)
        .await?
        .ok_or_else(|| invalid_grant("the user is disabled or no longer exists"))?;
    let grant = Grant {
        tenant: code.tenant.clone(),
        grant_id: code.grant_id.clone(),
        client_id: client.client_id.clone(),
        user_id: code.user_id.clone(),
        scopes: code.scopes.clone(),
        auth_time: code.auth_time,
        created_at: now,
        expires_at: now.plus_seconds(GRANT_TTL_SECS),
        revoked: false,
        token_generation: code.token_generation,
    };
    let refresh =
        has_scope(&code.scopes, "offline_access").then(|| NewHandle::generate(&code.tenant));
    let won = state
        .store
        .redeem_code(
            &code,
            &grant,
            refresh.as_ref().map(|r| r.hash.as_slice()),
            now,
        )
        .await?;
    if !won {
        // Another request redeemed it a moment ago: a replay.
        revoke_code_grant(state, origin, &code, "code-reused", now).await?;
        return Err(invalid_grant("the code was already used"));
    }
    check_grant_stands(state, caller, &user, &grant, origin, now).await?;
    respond(
        state,
        &Issue {
            client,
            user: &user,
            grant_id: &grant.grant_id,
            grant_type: AUTHORIZATION_CODE,
            credential: &caller.credential,
            generation: grant.token_generation,
            scopes: &grant.scopes,
            auth_time: grant.auth_time,
            nonce: code.nonce.as_deref(),
            refresh_token: refresh.map(|r| r.plain),
        },
    )
}

/// The new grant's tokens would be live (`domain::token_liveness`: the
/// user active, the client's tokens not revoked since the code was issued,
/// its scopes still allowed…); if not, the grant is revoked at once, so
/// nothing it holds stands, and the exchange is refused.
async fn check_grant_stands(
    state: &AppState,
    caller: &Authenticated,
    user: &User,
    grant: &Grant,
    origin: &Origin,
    now: Timestamp,
) -> Result<(), OAuthError> {
    let issuing = Issuing {
        grant_id: &grant.grant_id,
        grant_type: AUTHORIZATION_CODE,
        scopes: &join_scopes(&grant.scopes),
        credential: &caller.credential,
        generation: grant.token_generation,
    };
    // The grant was created by this request.
    let facts = LiveFacts::at_issue(&caller.client, user, true);
    match check_issuing(&issuing, &facts) {
        Ok(()) => Ok(()),
        Err(Refused::NotLive(why)) => {
            let revocation = GrantRevocation {
                tenant: &grant.tenant,
                grant_id: &grant.grant_id,
                client: &grant.client_id,
                user_id: &grant.user_id,
                reason: "no-longer-stands",
            };
            revoke_grant(state, origin, &revocation, now).await?;
            tracing::info!(grant = %grant.grant_id, reason = %why, "code exchange refused");
            Err(invalid_grant("the authorization no longer stands"))
        }
        Err(Refused::Store(e)) => Err(e.into()),
        Err(Refused::Invalid(why)) => Err(invalid_grant(&why)),
    }
}
