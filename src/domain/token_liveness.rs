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
//!
//! Adding a condition is one more field in the facts and one more check in
//! [`check`].

use super::client::{AppType, AuthMethod, ClientConfig, GrantType};
use super::public_keys::thumbprint;

/// Which credential obtained a token, as its `cred` claim carries it: a
/// secret by its id (`s.<id>`, never its hint or hash), a key by its
/// RFC 7638 thumbprint (`k.<thumbprint>`, so a key replaced under the same
/// `kid` is a different credential).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Secret(String),
    Key(String),
}

impl Credential {
    /// The `cred` claim.
    pub fn claim(&self) -> String {
        match self {
            Credential::Secret(id) => format!("s.{id}"),
            Credential::Key(thumb) => format!("k.{thumb}"),
        }
    }

    pub fn parse(claim: &str) -> Option<Credential> {
        match claim.split_once('.')? {
            ("s", id) if !id.is_empty() => Some(Credential::Secret(id.to_owned())),
            ("k", thumb) if !thumb.is_empty() => Some(Credential::Key(thumb.to_owned())),
            _ => None,
        }
    }

    /// The authentication method the credential belongs to.
    pub fn method(&self) -> AuthMethod {
        match self {
            Credential::Secret(_) => AuthMethod::ClientSecret,
            Credential::Key(_) => AuthMethod::PrivateKeyJwt,
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
    if generation < client.token_generation {
        return Err(Refusal::TokensRevoked);
    }
    check_credential(credential, client)?;
    let config = &client.config;
    let grant_allowed = GrantType::parse(grant).is_some_and(|g| config.allows_grant(g));
    if !grant_allowed {
        return Err(Refusal::GrantNotAllowed);
    }
    let allowed = config.scopes();
    if let Some(lost) = token
        .scopes
        .split(' ')
        .filter(|s| !s.is_empty())
        .find(|s| !allowed.iter().any(|a| a == s))
    {
        return Err(Refusal::ScopeNotAllowed(lost.to_owned()));
    }
    Ok(())
}

/// The credential still exists and its method is still allowed.
fn check_credential(claim: &str, client: &ClientFacts) -> Result<(), Refusal> {
    let credential = Credential::parse(claim).ok_or(Refusal::Unbound)?;
    let config = &client.config;
    if config.app_type != AppType::Web || !config.allows_auth_method(credential.method()) {
        return Err(Refusal::AuthMethodNotAllowed);
    }
    let present = match &credential {
        Credential::Secret(id) => client.secret_ids.iter().any(|s| s == id),
        Credential::Key(thumb) => config
            .public_keys
            .iter()
            .flatten()
            .any(|k| thumbprint(k) == *thumb),
    };
    if present {
        Ok(())
    } else {
        Err(Refusal::CredentialGone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::public_keys::generated_p384_jwk;
    use crate::domain::validate::{Mode, parse_config};
    use serde_json::json;

    fn config(extra: serde_json::Value) -> ClientConfig {
        let mut body = json!({
            "appType": "web",
            "clientName": "c",
            "allowedGrantTypes": ["client_credentials"],
            "allowedScopes": ["a", "b"],
            "allowedAuthMethods": ["client_secret", "private_key_jwt"],
            "publicKeys": [generated_p384_jwk("k1")],
        });
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                body.as_object_mut().unwrap().remove(k);
            } else {
                body[k] = v.clone();
            }
        }
        parse_config(&body, Mode::Create).unwrap()
    }

    fn live(config: ClientConfig) -> LiveFacts {
        LiveFacts {
            client: Some(ClientFacts {
                config,
                secret_ids: vec!["s1".into(), "s2".into()],
                token_generation: 3,
            }),
            revoked: false,
            user_active: false,
        }
    }

    fn token(credential: &str) -> TokenFacts<'_> {
        TokenFacts {
            scopes: "a b",
            grant: Some("client_credentials"),
            credential: Some(credential),
            generation: Some(3),
            for_user: false,
        }
    }

    #[test]
    fn a_token_lives_while_everything_it_was_issued_on_stands() {
        let now = live(config(json!({})));
        assert_eq!(check(&token("s.s1"), &now), Ok(()));
        assert_eq!(check(&token("s.s2"), &now), Ok(()), "another secret");
        let key = &now
            .client
            .as_ref()
            .unwrap()
            .config
            .public_keys
            .as_ref()
            .unwrap()[0];
        let by_key = format!("k.{}", thumbprint(key));
        assert_eq!(check(&token(&by_key), &now), Ok(()));
        let newer = TokenFacts {
            generation: Some(4),
            ..token("s.s1")
        };
        assert_eq!(check(&newer, &now), Ok(()), "issued after a revocation");
    }

    #[test]
    fn a_users_token_lives_only_while_its_user_is_active() {
        let user_token = TokenFacts {
            for_user: true,
            ..token("s.s1")
        };
        let active = LiveFacts {
            user_active: true,
            ..live(config(json!({})))
        };
        assert_eq!(check(&user_token, &active), Ok(()));
        let gone = live(config(json!({})));
        assert_eq!(check(&user_token, &gone), Err(Refusal::UserGone));
        assert_eq!(
            check(&token("s.s1"), &gone),
            Ok(()),
            "a client's token has no user"
        );
    }

    #[test]
    fn each_change_it_was_issued_on_refuses_it() {
        let base = config(json!({}));
        let key = base.public_keys.as_ref().unwrap()[0].clone();
        let by_key = format!("k.{}", thumbprint(&key));
        let cases: Vec<(&str, LiveFacts, TokenFacts<'_>, Refusal)> = vec![
            (
                "revoked",
                LiveFacts {
                    revoked: true,
                    ..live(base.clone())
                },
                token("s.s1"),
                Refusal::Revoked,
            ),
            (
                "client deleted",
                LiveFacts {
                    client: None,
                    revoked: false,
                    user_active: false,
                },
                token("s.s1"),
                Refusal::ClientGone,
            ),
            (
                "tokens revoked",
                live(base.clone()),
                TokenFacts {
                    generation: Some(2),
                    ..token("s.s1")
                },
                Refusal::TokensRevoked,
            ),
            (
                "secret deleted",
                live(base.clone()),
                token("s.gone"),
                Refusal::CredentialGone,
            ),
            (
                "key removed",
                live(config(json!({"publicKeys": [generated_p384_jwk("k2")]}))),
                token(&by_key),
                Refusal::CredentialGone,
            ),
            (
                "client_secret no longer allowed",
                live(config(json!({"allowedAuthMethods": ["private_key_jwt"]}))),
                token("s.s1"),
                Refusal::AuthMethodNotAllowed,
            ),
            (
                "private_key_jwt no longer allowed",
                live(config(
                    json!({"allowedAuthMethods": ["client_secret"], "publicKeys": null}),
                )),
                token(&by_key),
                Refusal::AuthMethodNotAllowed,
            ),
            (
                "grant no longer allowed",
                live(config(json!({"allowedGrantTypes": []}))),
                token("s.s1"),
                Refusal::GrantNotAllowed,
            ),
            (
                "a scope no longer allowed",
                live(config(json!({"allowedScopes": ["a"]}))),
                token("s.s1"),
                Refusal::ScopeNotAllowed("b".into()),
            ),
            (
                "no credential claim",
                live(base.clone()),
                TokenFacts {
                    credential: None,
                    ..token("s.s1")
                },
                Refusal::Unbound,
            ),
            (
                "a credential claim of no known kind",
                live(base),
                token("x.s1"),
                Refusal::Unbound,
            ),
        ];
        for (name, now, token, expected) in cases {
            assert_eq!(check(&token, &now), Err(expected), "{name}");
        }
    }

    #[test]
    fn credential_claims_round_trip() {
        for c in [
            Credential::Secret("abc".into()),
            Credential::Key("t-_x".into()),
        ] {
            assert_eq!(Credential::parse(&c.claim()), Some(c));
        }
        assert_eq!(Credential::parse("s."), None);
        assert_eq!(Credential::parse("nodot"), None);
    }
}
