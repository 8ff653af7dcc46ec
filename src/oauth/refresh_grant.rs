//! `grant_type=refresh_token` (RFC 6749 §6) with rotation: every use answers
//! a new refresh token and retires the one presented; presenting a retired
//! one again revokes the whole grant (its refresh tokens and access tokens,
//! RFC 9700 §4.14.2). A refused refresh leaves the token as it was. Before
//! it rotates, the refresh asks `domain::token_liveness` whether its grant's
//! tokens would be live (the grant not revoked, the user active, the
//! client's tokens not revoked since the sign-in, the scopes still
//! allowed…), so a refresh token dies with the same things as an access
//! token.

use super::access_token::{Issuing, Refused, check_issuing};
use super::client_auth::Authenticated;
use super::params::Params;
use super::user_tokens::{GrantRevocation, Issue, presented_handle, respond, revoke_grant};
use crate::domain::audit::Origin;
use crate::domain::authorize::{granted_scopes, signs_people_in};
use crate::domain::client_record::AuthClient;
use crate::domain::handles::NewHandle;
use crate::domain::ids::UserId;
use crate::domain::signin_records::{RefreshToken, join_scopes, split_scopes};
use crate::domain::time::Timestamp;
use crate::domain::token_liveness::{LiveFacts, REFRESH_TOKEN};
use crate::domain::user::User;
use crate::http::OAuthError;
use crate::state::AppState;
use axum::response::Response;

fn invalid_grant(why: &str) -> OAuthError {
    OAuthError::invalid_grant(why)
}

/// The refresh token named by `p`, if it is the client's and its grant has
/// not expired (whether it stands is `domain::token_liveness`'s question).
async fn find(
    state: &AppState,
    client: &AuthClient,
    p: &Params,
    now: Timestamp,
) -> Result<RefreshToken, OAuthError> {
    let handle = presented_handle(p, "refresh_token", "refresh token", client)?;
    let token = state
        .store
        .find_refresh_token(&handle.tenant, &handle.hash)
        .await?
        .ok_or_else(|| invalid_grant("the refresh token is invalid"))?;
    if token.grant.client_id != client.client_id {
        return Err(invalid_grant(
            "the refresh token was issued to another client",
        ));
    }
    if token.grant.expires_at <= now {
        return Err(invalid_grant("the refresh token has expired"));
    }
    Ok(token)
}

/// The scopes of the new access token: those asked for (all of the grant's
/// by default, never more), less the management scopes of a user who is no
/// longer a `TenantAdmin`.
fn scopes(user: &User, token: &RefreshToken, p: &Params) -> Result<Vec<String>, OAuthError> {
    let granted = &token.grant.scopes;
    let asked = match p.get("scope") {
        Some(s) => split_scopes(s),
        None => granted.clone(),
    };
    if let Some(extra) = asked.iter().find(|s| !granted.contains(s)) {
        return Err(OAuthError::invalid_scope(format!(
            "scope `{}` was not granted",
            extra.chars().take(64).collect::<String>()
        )));
    }
    Ok(granted_scopes(&asked, user.is_tenant_admin()))
}

/// Rotates a refresh token and issues a new access token.
pub async fn refresh(
    state: &AppState,
    caller: &Authenticated,
    p: &Params,
    origin: &Origin,
) -> Result<Response, OAuthError> {
    let client = &caller.client;
    let now = Timestamp::now();
    if !signs_people_in(&client.config) {
        return Err(OAuthError::unauthorized_client(
            "the client does not sign people in",
        ));
    }
    let token = find(state, client, p, now).await?;
    let grant = &token.grant;
    let user_id = UserId::parse(&grant.user_id)
        .ok_or_else(|| invalid_grant("the user is disabled or no longer exists"))?;
    let user = state
        .store
        .find_user(&grant.tenant, &user_id)
        .await?
        .ok_or_else(|| invalid_grant("the user is disabled or no longer exists"))?;
    let scopes = scopes(&user, &token, p)?;
    check_stands(caller, &token, &user, &scopes)?;
    let next = NewHandle::generate(&grant.tenant);
    let rotated = !token.used
        && state
            .store
            .rotate_refresh_token(
                &grant.tenant,
                &token.token_hash,
                &next.hash,
                &grant.grant_id,
                now,
            )
            .await?;
    if !rotated {
        let revocation = GrantRevocation {
            tenant: &grant.tenant,
            grant_id: &grant.grant_id,
            client: &grant.client_id,
            user_id: &grant.user_id,
            reason: "refresh-token-reused",
        };
        revoke_grant(state, origin, &revocation, now).await?;
        tracing::info!(grant = %grant.grant_id, "refresh token reused: its grant is revoked");
        return Err(invalid_grant("the refresh token was already used"));
    }
    respond(
        state,
        &Issue {
            client,
            user: &user,
            grant_id: &grant.grant_id,
            grant_type: REFRESH_TOKEN,
            credential: &caller.credential,
            generation: grant.token_generation,
            scopes: &scopes,
            auth_time: grant.auth_time,
            nonce: None,
            refresh_token: Some(next.plain),
        },
    )
}

/// The refresh's tokens would be live (`domain::token_liveness`); a refusal
/// leaves the refresh token as it was.
fn check_stands(
    caller: &Authenticated,
    token: &RefreshToken,
    user: &User,
    scopes: &[String],
) -> Result<(), OAuthError> {
    let grant = &token.grant;
    let issuing = Issuing {
        grant_id: &grant.grant_id,
        grant_type: REFRESH_TOKEN,
        scopes: &join_scopes(scopes),
        credential: &caller.credential,
        generation: grant.token_generation,
    };
    let facts = LiveFacts::at_issue(&caller.client, user, !grant.revoked);
    match check_issuing(&issuing, &facts) {
        Ok(()) => Ok(()),
        Err(Refused::NotLive(why)) => {
            tracing::info!(grant = %grant.grant_id, reason = %why, "refresh refused");
            Err(invalid_grant(
                "the refresh token was revoked or no longer stands",
            ))
        }
        Err(Refused::Store(e)) => Err(e.into()),
        Err(Refused::Invalid(why)) => Err(invalid_grant(&why)),
    }
}
