//! `GET /oauth/authorize` (RFC 6749 §4.1, OAuth 2.1, OpenID Connect Core
//! §3.1.2), as a state machine that knows no HTML: it validates the request
//! and answers either a [`Step`] (a redirect: back to the client with a code
//! or an error, or on to the sign-in pages through a stored interaction) or
//! [`Untrusted`] (a fault found before the redirect URI is trusted, which
//! the pages show as an error page and never redirect).

use super::browser::Browser;
use super::interaction;
use super::redirects::{Redirected, error_location};
// The pages take the step they answer from here.
pub use super::redirects::Step;
use crate::domain::authorize::{Prompt, is_public, requested_scopes, signs_people_in};
use crate::domain::client_record::AuthClient;
use crate::domain::ids::ClientId;
use crate::domain::pkce::check_challenge;
use crate::domain::redirect::{RedirectFault, resolve};
use crate::domain::signin_records::AuthRequest;
use crate::state::AppState;
use crate::store::StoreError;
use std::collections::HashMap;

/// A fault found before the redirect URI could be trusted: shown on an
/// error page, never redirected (RFC 6749 §4.1.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Untrusted {
    /// `client_id` is missing, repeated, malformed or names no client.
    UnknownClient,
    /// The client exists but cannot sign people in.
    CannotSignIn,
    /// The redirect URI is not one of the client's.
    Redirect(RedirectFault),
    /// The store failed; nothing about the request is known to be wrong.
    Unavailable,
    /// Anything else found wrong with a request whose redirect is unknown.
    Invalid(String),
}

impl From<StoreError> for Untrusted {
    fn from(e: StoreError) -> Self {
        if !matches!(e, StoreError::Unavailable(_)) {
            tracing::error!(error = %e, "store error at the authorization endpoint");
        }
        Untrusted::Unavailable
    }
}

/// The query parameters, each at most once (RFC 6749 §3.1); the names
/// given more than once are kept apart.
fn parse_query(raw: Option<&str>) -> (HashMap<String, String>, Vec<String>) {
    let mut map = HashMap::new();
    let mut repeated = Vec::new();
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        if v.is_empty() {
            continue;
        }
        if map.insert(k.to_string(), v.into_owned()).is_some() {
            repeated.push(k.into_owned());
        }
    }
    (map, repeated)
}

/// The client and redirect URI, or why they cannot be trusted.
async fn trusted_redirect(
    state: &AppState,
    q: &HashMap<String, String>,
    repeated: &[String],
) -> Result<(AuthClient, String), Untrusted> {
    if repeated.iter().any(|k| k == "client_id") {
        return Err(Untrusted::UnknownClient);
    }
    let id = q
        .get("client_id")
        .and_then(|c| ClientId::parse(c))
        .ok_or(Untrusted::UnknownClient)?;
    let client = state
        .store
        .find_auth_client(&id)
        .await?
        .ok_or(Untrusted::UnknownClient)?;
    if !signs_people_in(&client.config) {
        return Err(Untrusted::CannotSignIn);
    }
    if repeated.iter().any(|k| k == "redirect_uri") {
        return Err(Untrusted::Invalid("redirect_uri is repeated".into()));
    }
    let registered = client.config.redirect_uris.as_deref().unwrap_or(&[]);
    let uri = resolve(
        q.get("redirect_uri").map(String::as_str),
        registered,
        client.config.app_type,
    )
    .map_err(Untrusted::Redirect)?;
    Ok((client, uri))
}

/// The request's parameters once the redirect URI is trusted; errors here
/// are redirected.
fn validate(
    client: &AuthClient,
    redirect_uri: String,
    q: &HashMap<String, String>,
    repeated: &[String],
) -> Result<(AuthRequest, Prompt), Redirected> {
    if let Some(k) = repeated.first() {
        return Err(Redirected::new(
            "invalid_request",
            format!(
                "parameter `{}` is repeated",
                k.chars().take(32).collect::<String>()
            ),
        ));
    }
    let get = |k: &str| q.get(k).map(String::as_str);
    match get("response_type") {
        Some("code") => {}
        None => {
            return Err(Redirected::new(
                "invalid_request",
                "response_type is required",
            ));
        }
        Some(_) => {
            return Err(Redirected::new(
                "unsupported_response_type",
                "only response_type=code is supported",
            ));
        }
    }
    if get("response_mode").is_some_and(|m| m != "query") {
        return Err(Redirected::new(
            "invalid_request",
            "only response_mode=query is supported",
        ));
    }
    if get("request").is_some() || get("request_uri").is_some() {
        return Err(Redirected::new(
            "request_not_supported",
            "request objects are not supported",
        ));
    }
    let challenge = check_challenge(
        get("code_challenge"),
        get("code_challenge_method"),
        is_public(client.config.app_type),
    )
    .map_err(|f| Redirected::new("invalid_request", f.to_string()))?;
    let scopes = requested_scopes(get("scope"), client.config.scopes())
        .map_err(|m| Redirected::new("invalid_scope", m))?;
    let prompt = Prompt::parse(get("prompt")).map_err(|m| Redirected::new("invalid_request", m))?;
    let bounded = |k: &str| get(k).map(|v| v.chars().take(2048).collect::<String>());
    Ok((
        AuthRequest {
            client_id: client.client_id.to_string(),
            redirect_uri,
            scopes,
            state: bounded("state"),
            nonce: bounded("nonce"),
            code_challenge: challenge,
            prompt_login: prompt.login,
            prompt_consent: prompt.consent,
            login_hint: get("login_hint").map(|v| v.chars().take(320).collect()),
        },
        prompt,
    ))
}

/// Answers an authorization request made by `browser`.
pub async fn authorize(
    state: &AppState,
    raw_query: Option<&str>,
    browser: &Browser,
) -> Result<Step, Untrusted> {
    let (q, repeated) = parse_query(raw_query);
    let (client, redirect_uri) = trusted_redirect(state, &q, &repeated).await?;
    let st = q.get("state").map(String::as_str);
    let (request, prompt) = match validate(&client, redirect_uri.clone(), &q, &repeated) {
        Ok(v) => v,
        Err(e) => return Ok(Step::to(error_location(state, &redirect_uri, st, &e))),
    };
    match interaction::start(state, &client, request, prompt, browser).await {
        Ok(step) => Ok(step),
        Err(interaction::StartError::Redirect(e)) => {
            Ok(Step::to(error_location(state, &redirect_uri, st, &e)))
        }
        Err(interaction::StartError::Store(e)) => Err(e.into()),
    }
}
