//! The one check of an access token presented to this server: its signature
//! and claims (`signing::KeyRing`, with the memo of tokens already verified),
//! then whether it is still live: what the store says now (one read) against
//! what the token was issued on, decided by `domain::token_liveness` (its
//! client exists in its tenant, it was not revoked, nor were all the
//! client's tokens, and its credential, scopes and grant are still allowed;
//! for a user's token, its user exists and is active: contract §7; for a
//! token of a sign-in, its grant was not revoked: contract §8).
//! Never cached: a change takes effect at once, on every instance.
//!
//! The management API (`api::auth`), introspection, revocation and userinfo
//! all call [`check`]; they differ only in how they answer a refusal. The
//! code and refresh grants ask the same statement and decision about what
//! they are about to issue ([`check_issuing`]), so a refresh token dies with
//! the same things as its grant's access tokens.

use crate::domain::ids::{ClientId, TenantId, UserId};
use crate::domain::token_liveness::{self, Credential, LiveFacts, TokenFacts};
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
    /// The store could not answer; the token may be fine.
    #[error(transparent)]
    Store(StoreError),
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
    // A user's token names its user by id; a `sub` of any other shape is
    // no user of this server, and an empty id matches none.
    let user = claims
        .is_user_token()
        .then(|| UserId::parse(&claims.sub).unwrap_or_else(|| UserId::from_trusted("")));
    let now = state
        .store
        .token_facts(
            &tenant,
            &client,
            &claims.jti,
            user.as_ref(),
            claims.gid.as_deref(),
        )
        .await
        .map_err(Refused::Store)?;
    let facts = TokenFacts {
        scopes: &claims.scope,
        grant: claims.gty.as_deref(),
        credential: claims.cred.as_deref(),
        generation: claims.r#gen,
        for_user: user.is_some(),
        sign_in_grant: claims.gid.as_deref(),
    };
    token_liveness::check(&facts, &now)?;
    Ok(LiveToken {
        tenant,
        client,
        claims,
    })
}

/// What a code or refresh grant is about to issue for a user.
#[derive(Debug)]
pub struct Issuing<'a> {
    /// The sign-in grant (`gid`).
    pub grant_id: &'a str,
    /// `authorization_code` or `refresh_token` (`gty`).
    pub grant_type: &'a str,
    /// The scopes to issue, space-separated.
    pub scopes: &'a str,
    /// What authenticated the request (`Credential::Public` for a public client).
    pub credential: &'a Credential,
    /// The grant's token generation (`gen`).
    pub generation: i64,
}

/// Whether tokens issued as `issuing` says would be live: the decision of
/// [`check`], for a token not yet signed, on the facts the issuing request
/// read (`LiveFacts::at_issue`; every use of the token reads them again).
pub fn check_issuing(issuing: &Issuing<'_>, now: &LiveFacts) -> Result<(), Refused> {
    let credential = issuing.credential.claim();
    let facts = TokenFacts {
        scopes: issuing.scopes,
        grant: Some(issuing.grant_type),
        credential: Some(&credential),
        generation: Some(issuing.generation),
        for_user: true,
        sign_in_grant: Some(issuing.grant_id),
    };
    token_liveness::check(&facts, now)?;
    Ok(())
}
