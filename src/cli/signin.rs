//! `registrar login --browser`: a person signs in through a `native` client
//! (contract §8, RFC 8252): authorization code with PKCE S256, redirected to
//! a loopback listener on a random port, `state` and `iss` checked, the code
//! exchanged with the client id and the verifier, `offline_access` asked for
//! so the session can be renewed by the refresh token.

use super::output;
use crate::client::browser::{AuthorizeRequest, Pkce};
use crate::client::loopback::{Expect, Loopback, open_browser};
use crate::client::oauth::{self, ClientAuth, Metadata};
use crate::client::profile::{AuthMethod, Profile};
use crate::client::session::apply_grant;
use crate::client::{Error, random_b64};
use std::time::Duration;

/// Scopes asked for when `--scope` is not given.
pub const DEFAULT_SCOPE: &str =
    "oauth-clients:read oauth-clients:write users:read users:write audits:read";
pub const OFFLINE_ACCESS: &str = "offline_access";

pub struct How<'a> {
    pub scope: Option<&'a str>,
    pub open: bool,
    pub timeout: Duration,
}

/// The scope to ask for: the given one (or the default) plus `offline_access`.
pub fn scope_with_offline_access(given: Option<&str>) -> String {
    let mut scopes: Vec<&str> = given.unwrap_or(DEFAULT_SCOPE).split_whitespace().collect();
    if !scopes.contains(&OFFLINE_ACCESS) {
        scopes.push(OFFLINE_ACCESS);
    }
    scopes.join(" ")
}

/// Runs the sign-in and records its tokens in `profile`.
pub async fn browser(
    client: &reqwest::Client,
    meta: &Metadata,
    profile: &mut Profile,
    how: &How<'_>,
) -> Result<(), Error> {
    let endpoint = meta.authorization_endpoint.as_deref().ok_or_else(|| {
        Error::other(format!(
            "{} offers no browser sign-in (its metadata names no authorization_endpoint); sign in with client credentials instead",
            profile.server
        ))
    })?;
    let loopback = Loopback::bind().await?;
    let pkce = Pkce::generate()?;
    let state = random_b64(32)?;
    let scope = scope_with_offline_access(how.scope);
    let url = AuthorizeRequest {
        endpoint,
        client_id: &profile.client_id,
        redirect_uri: &loopback.redirect_uri,
        scope: &scope,
        state: &state,
        challenge: &pkce.challenge,
    }
    .url()?;
    output::note(&format!(
        "Sign in with your browser. If it does not open, visit this URL on this machine:\n\n  {url}\n"
    ));
    if how.open && !open_browser(url.as_str()) {
        output::note("(no browser could be started; open the URL above yourself)");
    }
    let expect = Expect {
        state: &state,
        issuer: meta.issuer.as_deref(),
        iss_required: meta.iss_parameter_supported,
    };
    let code = loopback.wait(&expect, how.timeout).await?;
    let auth = ClientAuth::Public {
        client_id: &profile.client_id,
    };
    let params = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", loopback.redirect_uri.as_str()),
        ("code_verifier", pkce.verifier.as_str()),
    ];
    let grant = oauth::token(client, &meta.token_endpoint, &auth, &params).await?;
    if grant.refresh_token.is_none() {
        output::note(
            "warning: no refresh token was issued (offline_access not granted): sign in again when the token expires",
        );
    }
    profile.auth = AuthMethod::Browser;
    profile.scope = Some(scope);
    apply_grant(profile, &grant);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_access_is_always_asked_for_once() {
        assert_eq!(scope_with_offline_access(Some("a b")), "a b offline_access");
        assert_eq!(
            scope_with_offline_access(Some("offline_access a")),
            "offline_access a"
        );
        assert!(scope_with_offline_access(None).ends_with("audits:read offline_access"));
    }
}
