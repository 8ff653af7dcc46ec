//! Client authentication at the token service: `client_secret_basic`,
//! `client_secret_post` (RFC 6749 §2.3.1) and `private_key_jwt` (RFC 7523,
//! in `private_key_jwt.rs`). The token, introspection and revocation
//! endpoints all authenticate through [`authenticate_request`].

use super::params::Params;
use super::private_key_jwt::{self, ASSERTION_TYPE};
use crate::domain::authorize::is_public;
use crate::domain::client::{AppType, AuthMethod};
use crate::domain::client_record::AuthClient;
use crate::domain::ids::ClientId;
use crate::domain::secret::{REDACTED, matching};
use crate::domain::token_liveness::Credential;
use crate::http::OAuthError;
use crate::state::AppState;
use axum::http::{HeaderMap, header};
use base64::Engine;
use std::net::IpAddr;

/// The credentials a request presents.
pub enum Credentials {
    /// `Authorization: Basic` with the client id and secret.
    Basic { client_id: String, secret: String },
    /// `client_id` and `client_secret` in the body.
    Post { client_id: String, secret: String },
    /// `client_assertion` (a signed JWT) in the body; `client_id` optional.
    Assertion {
        client_id: Option<String>,
        assertion: String,
    },
}

/// The client id only: never the secret or the assertion.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (kind, client_id) = match self {
            Credentials::Basic { client_id, .. } => ("Basic", Some(client_id.as_str())),
            Credentials::Post { client_id, .. } => ("Post", Some(client_id.as_str())),
            Credentials::Assertion { client_id, .. } => ("Assertion", client_id.as_deref()),
        };
        f.debug_struct(kind)
            .field("client_id", &client_id)
            .field("credential", &REDACTED)
            .finish()
    }
}

impl Credentials {
    fn is_basic(&self) -> bool {
        matches!(self, Credentials::Basic { .. })
    }
}

/// RFC 6749 §2.3.1: id and secret are form-urlencoded before being joined by
/// `:` and base64-encoded, so each half is form-decoded (`%2D`, `+`…).
fn form_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn basic(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || OAuthError::invalid_client(true);
    let value = value.to_str().map_err(|_| bad())?;
    let Some((scheme, b64)) = value.split_once(' ') else {
        return Err(bad());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(OAuthError::invalid_request(
            "only HTTP Basic is accepted in the Authorization header",
        ));
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (id, secret) = text.split_once(':').ok_or_else(bad)?;
    Ok(Some((form_decode(id), form_decode(secret))))
}

/// The client a request names, whether or not it proves it (the answer's
/// CORS client): the HTTP Basic user, else `client_id`.
pub fn named_client(headers: &HeaderMap, p: &Params) -> Option<ClientId> {
    let basic_user = basic(headers).ok().flatten().map(|(id, _)| id);
    basic_user
        .as_deref()
        .or_else(|| p.get("client_id"))
        .and_then(ClientId::parse)
}

/// Finds the credentials; more than one method at once is an error (RFC 6749 §2.3).
pub fn credentials(headers: &HeaderMap, p: &Params) -> Result<Credentials, OAuthError> {
    let basic = basic(headers)?;
    let post = p.get("client_secret");
    let assertion = p.get("client_assertion");
    let assertion_type = p.get("client_assertion_type");
    let uses_assertion = assertion.is_some() || assertion_type.is_some();
    let methods =
        usize::from(basic.is_some()) + usize::from(post.is_some()) + usize::from(uses_assertion);
    if methods > 1 {
        return Err(OAuthError::invalid_request(
            "use one client authentication method, not several",
        ));
    }
    if uses_assertion {
        let (Some(assertion), Some(ASSERTION_TYPE)) = (assertion, assertion_type) else {
            return Err(OAuthError::invalid_client(false));
        };
        return Ok(Credentials::Assertion {
            client_id: p.get("client_id").map(str::to_owned),
            assertion: assertion.to_owned(),
        });
    }
    match (basic, post) {
        (Some((client_id, secret)), _) => {
            if p.get("client_id").is_some_and(|id| id != client_id) {
                return Err(OAuthError::invalid_request(
                    "client_id does not match the Authorization header",
                ));
            }
            Ok(Credentials::Basic { client_id, secret })
        }
        (None, Some(secret)) => {
            let client_id = p
                .get("client_id")
                .ok_or_else(|| OAuthError::invalid_request("client_id is required"))?;
            Ok(Credentials::Post {
                client_id: client_id.to_owned(),
                secret: secret.to_owned(),
            })
        }
        (None, None) => Err(OAuthError::invalid_client(false)),
    }
}

/// A client that proved itself, and with what.
#[derive(Debug)]
pub struct Authenticated {
    pub client: AuthClient,
    /// The secret or key it used: its tokens die with it.
    pub credential: Credential,
}

/// Verifies the credentials; every failure is the same `invalid_client`.
/// `endpoint` is the URL of the endpoint called (an accepted assertion
/// `aud`), `path` its path (its rate-limit bucket). The client's rate limit
/// is checked once it is known and before anything is written (the
/// assertion's `jti`), so a client over its limit costs no write.
async fn verify(
    state: &AppState,
    creds: &Credentials,
    endpoint: &str,
    path: &str,
) -> Result<Authenticated, OAuthError> {
    let (client_id, secret) = match creds {
        Credentials::Basic { client_id, secret } | Credentials::Post { client_id, secret } => {
            (client_id, secret)
        }
        Credentials::Assertion {
            client_id,
            assertion,
        } => {
            let (client, verified) =
                private_key_jwt::verify(state, client_id.as_deref(), assertion, endpoint).await?;
            check_client_rate(state, path, &client)?;
            private_key_jwt::take_jti(state, &client, &verified).await?;
            return Ok(Authenticated {
                client,
                credential: Credential::Key(verified.thumbprint),
            });
        }
    };
    let fail = || OAuthError::invalid_client(creds.is_basic());
    let id = ClientId::parse(client_id).ok_or_else(fail)?;
    let client = state.store.find_auth_client(&id).await?.ok_or_else(fail)?;
    let allowed = client.config.app_type == AppType::Web
        && client.config.allows_auth_method(AuthMethod::ClientSecret);
    let hashes = client.secrets.iter().map(|s| s.hash.as_slice());
    let Some(matched) = matching(secret, hashes).filter(|_| allowed) else {
        return Err(fail());
    };
    let matched = client.secrets.get(matched).ok_or_else(fail)?;
    let credential = Credential::Secret(matched.id.clone());
    check_client_rate(state, path, &client)?;
    Ok(Authenticated { client, credential })
}

/// Counts a request of an authenticated client against its limit at the
/// endpoint `path` (429 over it).
fn check_client_rate(state: &AppState, path: &str, client: &AuthClient) -> Result<(), OAuthError> {
    state
        .ops
        .rate_limits
        .check_client(path, client.client_id.as_str())
        .map_err(|l| OAuthError::rate_limited(l.retry_after_secs(), l.per_minute))
}

/// Finds and verifies the credentials of a request to the endpoint at
/// `path` from `remote`. An address that failed too often is refused (429)
/// before anything is checked, and every `invalid_client` counts against it.
pub async fn authenticate_request(
    state: &AppState,
    headers: &HeaderMap,
    p: &Params,
    path: &str,
    remote: Option<IpAddr>,
) -> Result<Authenticated, OAuthError> {
    let limits = &state.ops.rate_limits;
    if let Some(ip) = remote {
        limits
            .check_address(ip)
            .map_err(|l| OAuthError::too_many_failures(l.retry_after_secs(), l.per_minute))?;
    }
    let endpoint = format!("{}{path}", state.settings.public_url);
    let result = match credentials(headers, p) {
        Ok(creds) => verify(state, &creds, &endpoint, path).await,
        Err(e) => Err(e),
    };
    if let (Err(e), Some(ip)) = (&result, remote)
        && e.code == "invalid_client"
    {
        limits.record_failure(ip);
    }
    result
}

/// The client of a code or refresh request: authenticated as for the other
/// grants when it presents credentials; a public client (`spa`, `native`),
/// which has none, names itself with `client_id` alone (RFC 6749 §4.1.3)
/// and its credential is [`Credential::Public`]. A `web` client must
/// authenticate. Failures count against the address as in
/// [`authenticate_request`].
pub async fn identify_client(
    state: &AppState,
    headers: &HeaderMap,
    p: &Params,
    path: &str,
    remote: Option<IpAddr>,
) -> Result<Authenticated, OAuthError> {
    let presents = headers.contains_key(header::AUTHORIZATION)
        || ["client_secret", "client_assertion", "client_assertion_type"]
            .iter()
            .any(|k| p.get(k).is_some());
    if presents {
        return authenticate_request(state, headers, p, path, remote).await;
    }
    let limits = &state.ops.rate_limits;
    if let Some(ip) = remote {
        limits
            .check_address(ip)
            .map_err(|l| OAuthError::too_many_failures(l.retry_after_secs(), l.per_minute))?;
    }
    let result = public_client(state, p, path).await;
    if let (Err(e), Some(ip)) = (&result, remote)
        && e.code == "invalid_client"
    {
        limits.record_failure(ip);
    }
    result
}

/// The public client named by `client_id`, counted against its rate limit.
async fn public_client(
    state: &AppState,
    p: &Params,
    path: &str,
) -> Result<Authenticated, OAuthError> {
    let fail = || OAuthError::invalid_client(false);
    let id = p
        .get("client_id")
        .and_then(ClientId::parse)
        .ok_or_else(fail)?;
    let client = state.store.find_auth_client(&id).await?.ok_or_else(fail)?;
    if !is_public(client.config.app_type) {
        return Err(fail());
    }
    check_client_rate(state, path, &client)?;
    Ok(Authenticated {
        client,
        credential: Credential::Public,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_the_client_id_but_not_the_secret_or_assertion() {
        let cases = [
            Credentials::Basic {
                client_id: "cid".into(),
                secret: "hunter2hunter2".into(),
            },
            Credentials::Post {
                client_id: "cid".into(),
                secret: "hunter2hunter2".into(),
            },
            Credentials::Assertion {
                client_id: Some("cid".into()),
                assertion: "hunter2hunter2".into(),
            },
        ];
        for c in cases {
            let shown = format!("{c:?}");
            assert!(shown.contains("cid"), "{shown}");
            assert!(!shown.contains("hunter2"), "{shown}");
        }
    }
}
