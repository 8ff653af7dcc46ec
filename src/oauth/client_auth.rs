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
use crate::domain::secret::matches_any;
use crate::http::OAuthError;
use crate::state::AppState;
use axum::http::{HeaderMap, header};
use base64::Engine;

/// The credentials a request presents.
#[derive(Debug)]
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

/// Verifies the credentials; every failure is the same `invalid_client`.
/// `endpoint` is the URL of the endpoint called (an accepted assertion `aud`).
pub async fn authenticate(
    state: &AppState,
    creds: &Credentials,
    endpoint: &str,
) -> Result<AuthClient, OAuthError> {
    let (client_id, secret) = match creds {
        Credentials::Basic { client_id, secret } | Credentials::Post { client_id, secret } => {
            (client_id, secret)
        }
        Credentials::Assertion {
            client_id,
            assertion,
        } => {
            return private_key_jwt::authenticate(state, client_id.as_deref(), assertion, endpoint)
                .await;
        }
    };
    let fail = || OAuthError::invalid_client(creds.is_basic());
    let id = ClientId::parse(client_id).ok_or_else(fail)?;
    let client = state.store.find_auth_client(&id).await?.ok_or_else(fail)?;
    let allowed = client.config.app_type == AppType::Web
        && client.config.allows_auth_method(AuthMethod::ClientSecret);
    if !allowed || !matches_any(secret, &client.secret_hashes) {
        return Err(fail());
    }
    Ok(client)
}

/// Finds and verifies the credentials of a request to the endpoint at `path`.
pub async fn authenticate_request(
    state: &AppState,
    headers: &HeaderMap,
    p: &Params,
    path: &str,
) -> Result<AuthClient, OAuthError> {
    let creds = credentials(headers, p)?;
    let endpoint = format!("{}{path}", state.settings.public_url);
    authenticate(state, &creds, &endpoint).await
}

/// The client of a code or refresh request: authenticated as for the other
/// grants when it presents credentials; a public client (`spa`, `native`),
/// which has none, names itself with `client_id` alone (RFC 6749 §4.1.3).
/// A `web` client must authenticate.
pub async fn identify_client(
    state: &AppState,
    headers: &HeaderMap,
    p: &Params,
    path: &str,
) -> Result<AuthClient, OAuthError> {
    let presents = headers.contains_key(header::AUTHORIZATION)
        || ["client_secret", "client_assertion", "client_assertion_type"]
            .iter()
            .any(|k| p.get(k).is_some());
    if presents {
        return authenticate_request(state, headers, p, path).await;
    }
    let fail = || OAuthError::invalid_client(false);
    let id = p
        .get("client_id")
        .and_then(ClientId::parse)
        .ok_or_else(fail)?;
    let client = state.store.find_auth_client(&id).await?.ok_or_else(fail)?;
    if !is_public(client.config.app_type) {
        return Err(fail());
    }
    Ok(client)
}
