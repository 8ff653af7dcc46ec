//! Whether an access token that verifies is still live (contract §5: "a
//! token dies with what it was issued on"). One pure decision, made on every
//! use of a token by the management API and introspection, from what the
//! token says ([`TokenFacts`], its claims) and what the store says now
//! ([`LiveFacts`]).
//!
//! A token is refused once it was revoked; once its client is gone; once the
//! client's tokens were revoked (its token generation moved past the
//! token's); once the credential that obtained it is gone (the secret
//! deleted, the key removed from `publicKeys`) or its authentication method
//! is no longer allowed; once any of its scopes is no longer allowed; once
//! its grant type is no longer allowed. Tokens obtained with another secret
//! of the same client are unaffected, so secrets rotate without downtime.
//!
//! A user's token (contract §7) is also refused once its user is disabled or
//! deleted: the user's status is one more fact, read by the same statement.
//! A token of a sign-in (contract §8: the code and refresh grants, `gid`)
//! is also refused once its grant was revoked (a reused code or refresh
//! token, a revoked consent), once its client no longer signs people in,
//! and once it carries a management scope its user may no longer have (no
//! longer a `TenantAdmin`). Its credential is the one that authenticated
//! at the token endpoint, or [`Credential::Public`] for a `spa` or
//! `native` client, which has none. The refresh grant asks the same
//! question of a refresh token before it rotates it, so refresh tokens die
//! with the same things as access tokens.
//!
//! Adding a condition is one more field in the facts and one more check in
//! [`check`].

use super::authorize::{OIDC_SCOPES, is_public, signs_people_in};
use super::client::{AppType, AuthMethod, ClientConfig, GrantType};
use super::client_record::AuthClient;
use super::public_keys::thumbprint;
use super::scopes::is_management_scope;
use super::user::User;

/// The grant types of people signing in (contract §8). They are not in
/// `allowedGrantTypes` (the reference's enum): they follow from `appType`
/// and `redirectUris` ([`signs_people_in`]).
pub const AUTHORIZATION_CODE: &str = "authorization_code";
pub const REFRESH_TOKEN: &str = "refresh_token";

/// Whether `grant` (a `gty`) is one of a sign-in.
pub fn is_sign_in_grant(grant: &str) -> bool {
    grant == AUTHORIZATION_CODE || grant == REFRESH_TOKEN
}

/// Which credential obtained a token, as its `cred` claim carries it: a
/// secret by its id (`s.<id>`, never its hint or hash), a key by its
/// RFC 7638 thumbprint (`k.<thumbprint>`, so a key replaced under the same
/// `kid` is a different credential); a public client's token, obtained with
/// no credential, says `none` (RFC 8414's name of that method).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Secret(String),
    Key(String),
    Public,
}

/// The `cred` claim of a token obtained without a credential.
const PUBLIC_CLAIM: &str = "none";

impl Credential {
    /// The `cred` claim.
    pub fn claim(&self) -> String {
        match self {
            Credential::Secret(id) => format!("s.{id}"),
            Credential::Key(thumb) => format!("k.{thumb}"),
            Credential::Public => PUBLIC_CLAIM.to_owned(),
        }
    }

    pub fn parse(claim: &str) -> Option<Credential> {
        if claim == PUBLIC_CLAIM {
            return Some(Credential::Public);
        }
        match claim.split_once('.')? {
            ("s", id) if !id.is_empty() => Some(Credential::Secret(id.to_owned())),
            ("k", thumb) if !thumb.is_empty() => Some(Credential::Key(thumb.to_owned())),
            _ => None,
        }
    }

    /// The authentication method the credential belongs to (none for
    /// [`Credential::Public`]).
    pub fn method(&self) -> Option<AuthMethod> {
        match self {
            Credential::Secret(_) => Some(AuthMethod::ClientSecret),
            Credential::Key(_) => Some(AuthMethod::PrivateKeyJwt),
            Credential::Public => None,
        }
    }
}

/// What a token says about how it was obtained.
#[derive(Debug, Clone, Copy)]
pub struct TokenFacts<'a> {
    /// The granted scopes, space-separated (`scope`).
    pub scopes: &'a str,
    /// The grant type that issued it (`gty`).
    pub grant: Option<&'a str>,
    /// The credential that obtained it (`cred`).
    pub credential: Option<&'a str>,
    /// The client's token generation when it was issued (`gen`).
    pub generation: Option<i64>,
    /// Whether the token is a user's (its `sub` is a user, not its client).
    pub for_user: bool,
    /// The sign-in grant it was issued under (`gid`), if any.
    pub sign_in_grant: Option<&'a str>,
}

/// What the store says of a client now, as far as its tokens are concerned.
#[derive(Debug, Clone)]
pub struct ClientFacts {
    pub config: ClientConfig,
    /// The ids of the client's secrets.
    pub secret_ids: Vec<String>,
    /// Moves forward each time the client's tokens are revoked.
    pub token_generation: i64,
}

/// What the store says now, for one token.
#[derive(Debug, Clone)]
pub struct LiveFacts {
    /// The token's client, if it still exists in the token's tenant.
    pub client: Option<ClientFacts>,
    /// Whether this very token was revoked (RFC 7009).
    pub revoked: bool,
    /// Whether the token's user exists in its tenant and is active (false
    /// for a client's own token, which has no user).
    pub user_active: bool,
    /// Whether that user is also a `TenantAdmin`.
    pub user_admin: bool,
    /// Whether the token's sign-in grant exists in its tenant and was not
    /// revoked (false for a token of no sign-in).
    pub grant_live: bool,
}

impl LiveFacts {
    /// The facts for tokens about to be issued, from what the issuing
    /// request read itself: its client (as it authenticated at this
    /// request), its user, and whether its grant stands. A token not yet
    /// issued cannot have been revoked.
    pub fn at_issue(client: &AuthClient, user: &User, grant_live: bool) -> LiveFacts {
        LiveFacts {
            client: Some(ClientFacts {
                config: client.config.clone(),
                secret_ids: client.secrets.iter().map(|s| s.id.clone()).collect(),
                token_generation: client.token_generation,
            }),
            revoked: false,
            user_active: user.is_active(),
            user_admin: user.is_active() && user.is_tenant_admin(),
            grant_live,
        }
    }
}

/// Why a verified token is no longer live: for the log, never for the
/// caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the token was revoked")]
    Revoked,
    #[error("the token's client no longer exists")]
    ClientGone,
    #[error("the token's user is disabled or no longer exists")]
    UserGone,
    #[error("the sign-in grant of the token was revoked")]
    GrantRevoked,
    #[error("the client's tokens were revoked after this one was issued")]
    TokensRevoked,
    #[error("the token does not say how it was obtained (issued before credential binding)")]
    Unbound,
    #[error("the credential that obtained the token is gone")]
    CredentialGone,
    #[error("the client may no longer use the authentication method that obtained the token")]
    AuthMethodNotAllowed,
    #[error("the client may no longer use the grant type that issued the token")]
    GrantNotAllowed,
    #[error("the client may no longer have the scope `{0}`")]
    ScopeNotAllowed(String),
}

/// The decision: `Ok` while the token is live.
pub fn check(token: &TokenFacts<'_>, now: &LiveFacts) -> Result<(), Refusal> {
    if now.revoked {
        return Err(Refusal::Revoked);
    }
    let client = now.client.as_ref().ok_or(Refusal::ClientGone)?;
    if token.for_user && !now.user_active {
        return Err(Refusal::UserGone);
    }
    let (Some(generation), Some(grant), Some(credential)) =
        (token.generation, token.grant, token.credential)
    else {
        return Err(Refusal::Unbound);
    };
    let sign_in = is_sign_in_grant(grant);
    if sign_in != token.sign_in_grant.is_some() || (sign_in && !token.for_user) {
        return Err(Refusal::Unbound);
    }
    if sign_in && !now.grant_live {
        return Err(Refusal::GrantRevoked);
    }
    if generation < client.token_generation {
        return Err(Refusal::TokensRevoked);
    }
    check_credential(credential, client)?;
    let config = &client.config;
    let grant_allowed = if sign_in {
        signs_people_in(config)
    } else {
        GrantType::parse(grant).is_some_and(|g| config.allows_grant(g))
    };
    if !grant_allowed {
        return Err(Refusal::GrantNotAllowed);
    }
    check_scopes(token.scopes, config, sign_in, now.user_admin)
}

/// Each scope is still allowed to the client; a sign-in's OpenID Connect
/// scopes need no listing, and its management scopes need a `TenantAdmin`.
fn check_scopes(
    scopes: &str,
    config: &ClientConfig,
    sign_in: bool,
    user_admin: bool,
) -> Result<(), Refusal> {
    let allowed = config.scopes();
    let still = |s: &str| {
        if sign_in && OIDC_SCOPES.contains(&s) {
            return true;
        }
        allowed.iter().any(|a| a == s) && !(sign_in && is_management_scope(s) && !user_admin)
    };
    match scopes
        .split(' ')
        .filter(|s| !s.is_empty())
        .find(|s| !still(s))
    {
        Some(lost) => Err(Refusal::ScopeNotAllowed(lost.to_owned())),
        None => Ok(()),
    }
}

/// The credential still exists and its method is still allowed; a public
/// client's token needs its client to be public still.
fn check_credential(claim: &str, client: &ClientFacts) -> Result<(), Refusal> {
    let credential = Credential::parse(claim).ok_or(Refusal::Unbound)?;
    let config = &client.config;
    let Some(method) = credential.method() else {
        return if is_public(config.app_type) {
            Ok(())
        } else {
            Err(Refusal::AuthMethodNotAllowed)
        };
    };
    if config.app_type != AppType::Web || !config.allows_auth_method(method) {
        return Err(Refusal::AuthMethodNotAllowed);
    }
    let present = match &credential {
        Credential::Secret(id) => client.secret_ids.iter().any(|s| s == id),
        Credential::Key(thumb) => config
            .public_keys
            .iter()
            .flatten()
            .any(|k| thumbprint(k) == *thumb),
        Credential::Public => false,
    };
    if present {
        Ok(())
    } else {
        Err(Refusal::CredentialGone)
    }
}

#[cfg(test)]
mod tests;
