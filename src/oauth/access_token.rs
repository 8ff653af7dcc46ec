//! The one check of an access token presented to this server: its signature
//! and claims (`signing::KeyRing`, with the memo of tokens already verified),
//! then, in the store, whether it is still live: its client exists in its
//! tenant and the token was not revoked, and, for a user's token, that the
//! user still exists and is active. Never cached: a revocation, a deletion
//! or a user's disabling takes effect at once, on every instance.
//!
//! The management API (`api::auth`), introspection and revocation all call
//! [`check`]; they differ only in how they answer a refusal.

use crate::domain::ids::{ClientId, TenantId, UserId};
use crate::signing::{AccessClaims, VerifyError};
use crate::state::AppState;
use crate::store::StoreError;

/// A verified, live access token.
#[derive(Debug, Clone)]
pub struct LiveToken {
    pub tenant: TenantId,
    pub client: ClientId,
    pub claims: AccessClaims,
}

impl LiveToken {
    /// The token's scopes.
    pub fn scopes(&self) -> Vec<String> {
        self.claims
            .scope
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// Not a token of this server, or expired, or badly signed: the reason is
    /// for the log.
    #[error("{0}")]
    Invalid(String),
    /// Verified, but revoked or its client is gone.
    #[error("the token was revoked or its client no longer exists")]
    NotLive,
    /// Verified, but its user is disabled or gone.
    #[error("the token's user is disabled or no longer exists")]
    UserNotLive,
    /// The store could not answer; the token may be fine.
    #[error(transparent)]
    Store(StoreError),
}

/// The user conditions of a user token (contract §7): its user exists in its
/// tenant and is active. A separate read from the client's, so only user
/// tokens pay for it.
async fn check_user(state: &AppState, tenant: &TenantId, sub: &str) -> Result<(), Refused> {
    let Some(user) = UserId::parse(sub) else {
        return Err(Refused::UserNotLive);
    };
    let active = state
        .store
        .is_user_active(tenant, &user)
        .await
        .map_err(Refused::Store)?;
    if active {
        Ok(())
    } else {
        Err(Refused::UserNotLive)
    }
}

/// The grant condition of a sign-in token (contract §8): the grant it was
/// issued under (an exchanged code and its refresh tokens) is not revoked, as
/// a reused code or refresh token revokes it. Only sign-in tokens pay for it.
async fn check_grant(state: &AppState, tenant: &TenantId, gid: &str) -> Result<(), Refused> {
    let live = state
        .store
        .is_grant_live(tenant, gid)
        .await
        .map_err(Refused::Store)?;
    if live { Ok(()) } else { Err(Refused::NotLive) }
}

/// Verifies `token` and checks in the store that it is still live.
pub async fn check(state: &AppState, token: &str) -> Result<LiveToken, Refused> {
    let s = &state.settings;
    let claims: AccessClaims = state
        .keys
        .verify_access_token(token, s.issuer(), s.audience())
        .await
        .map_err(|e| match e {
            VerifyError::Store(e) => Refused::Store(e),
            other => Refused::Invalid(other.to_string()),
        })?;
    let tenant = TenantId::from_trusted(claims.tenant_id.clone());
    let client = ClientId::from_trusted(claims.client_id.clone());
    let live = state
        .store
        .is_token_active(&tenant, &client, &claims.jti)
        .await
        .map_err(Refused::Store)?;
    if !live {
        return Err(Refused::NotLive);
    }
    if claims.is_user_token() {
        check_user(state, &tenant, &claims.sub).await?;
    }
    if let Some(gid) = &claims.gid {
        check_grant(state, &tenant, gid).await?;
    }
    Ok(LiveToken {
        tenant,
        client,
        claims,
    })
}
