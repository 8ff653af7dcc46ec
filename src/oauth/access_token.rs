//! The one check of an access token presented to this server: its signature
//! and claims (`signing::KeyRing`, with the memo of tokens already verified),
//! then whether it is still live: what the store says now (one read) against
//! what the token was issued on, decided by `domain::token_liveness` (its
//! client exists in its tenant, it was not revoked, nor were all the
//! client's tokens, and its credential, scopes and grant are still allowed).
//! Never cached: a change takes effect at once, on every instance.
//!
//! A user's token (`sub` is not its client) is also refused once its user is
//! disabled or deleted: a second point read (`Store::is_user_active`), kept
//! apart so client tokens do not pay for it; it can join the facts read in
//! one go later.
//!
//! The management API (`api::auth`), introspection and revocation all call
//! [`check`]; they differ only in how they answer a refusal.

use crate::domain::ids::{ClientId, TenantId, UserId};
use crate::domain::token_liveness::{self, TokenFacts};
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
    /// Verified, but no longer live: revoked, its client gone, or what it
    /// was issued on changed (`domain::token_liveness`).
    #[error(transparent)]
    NotLive(#[from] token_liveness::Refusal),
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
    let now = state
        .store
        .token_facts(&tenant, &client, &claims.jti)
        .await
        .map_err(Refused::Store)?;
    let facts = TokenFacts {
        scopes: &claims.scope,
        grant: claims.gty.as_deref(),
        credential: claims.cred.as_deref(),
        generation: claims.r#gen,
    };
    token_liveness::check(&facts, &now)?;
    if claims.is_user_token() {
        check_user(state, &tenant, &claims.sub).await?;
    }
    Ok(LiveToken {
        tenant,
        client,
        claims,
    })
}
