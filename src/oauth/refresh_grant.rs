//! `grant_type=refresh_token` (RFC 6749 §6) with rotation: every use answers
//! a new refresh token and retires the one presented; presenting a retired
//! one again revokes the whole grant (its refresh tokens and access tokens,
//! RFC 9700 §4.14.2). A refused refresh leaves the token as it was.

use super::params::Params;
use super::user_tokens::{Issue, respond};
use crate::domain::authorize::{OIDC_SCOPES, granted_scopes, signs_people_in};
use crate::domain::client_record::AuthClient;
use crate::domain::handles::{Handle, NewHandle};
use crate::domain::ids::UserId;
use crate::domain::signin_records::{RefreshToken, split_scopes};
use crate::domain::time::Timestamp;
use crate::domain::user::User;
use crate::http::OAuthError;
use crate::state::AppState;
use axum::response::Response;

fn invalid_grant(why: &str) -> OAuthError {
    OAuthError::invalid_grant(why)
}

/// The refresh token named by `p`, if it is the client's and its grant is live.
async fn find(
    state: &AppState,
    client: &AuthClient,
    p: &Params,
    now: Timestamp,
) -> Result<RefreshToken, OAuthError> {
    let raw = p
        .get("refresh_token")
        .ok_or_else(|| OAuthError::invalid_request("refresh_token is required"))?;
    let handle = Handle::parse(raw).ok_or_else(|| invalid_grant("the refresh token is invalid"))?;
    if handle.tenant != client.tenant_id {
        return Err(invalid_grant("the refresh token is invalid"));
    }
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
    if token.grant.revoked || token.grant.expires_at <= now {
        return Err(invalid_grant(
            "the refresh token was revoked or has expired",
        ));
    }
    Ok(token)
}

/// The scopes of the new access token: those asked for (all of the grant's
/// by default), each still allowed to the client and the user.
fn scopes(
    client: &AuthClient,
    user: &User,
    token: &RefreshToken,
    p: &Params,
) -> Result<Vec<String>, OAuthError> {
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
    let still =
        |s: &&String| OIDC_SCOPES.contains(&s.as_str()) || client.config.scopes().contains(s);
    if asked.iter().any(|s| !still(&s)) {
        return Err(invalid_grant(
            "a scope of the grant is no longer allowed to the client",
        ));
    }
    Ok(granted_scopes(&asked, user.is_tenant_admin()))
}

/// Rotates a refresh token and issues a new access token.
pub async fn refresh(
    state: &AppState,
    client: &AuthClient,
    p: &Params,
) -> Result<Response, OAuthError> {
    let now = Timestamp::now();
    if !signs_people_in(&client.config) {
        return Err(OAuthError::unauthorized_client(
            "the client does not sign people in",
        ));
    }
    let token = find(state, client, p, now).await?;
    let grant = &token.grant;
    let user = match UserId::parse(&grant.user_id) {
        Some(id) => state.store.find_user(&grant.tenant, &id).await?,
        None => None,
    };
    let user = user
        .filter(User::is_active)
        .ok_or_else(|| invalid_grant("the user is disabled or no longer exists"))?;
    let scopes = scopes(client, &user, &token, p)?;
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
        state
            .store
            .revoke_grant(&grant.tenant, &grant.grant_id, now)
            .await?;
        tracing::info!(grant = %grant.grant_id, "refresh token reused: its grant is revoked");
        return Err(invalid_grant("the refresh token was already used"));
    }
    respond(
        state,
        &Issue {
            client,
            user: &user,
            grant_id: &grant.grant_id,
            scopes: &scopes,
            auth_time: grant.auth_time,
            nonce: None,
            refresh_token: Some(next.plain),
        },
    )
}
