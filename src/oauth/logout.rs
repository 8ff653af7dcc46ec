//! `GET /oauth/logout` (OpenID Connect RP-Initiated Logout 1.0): ends the
//! browser's session and, when `post_logout_redirect_uri` is one of the
//! client's registered redirect URIs, sends the browser there with `state`.
//! The client is the one `client_id` names, or else the `aud` of
//! `id_token_hint`; the hint only names the client, it grants nothing, so it
//! is read without checking its signature or expiry (an expired ID token is
//! the usual hint). A URI that is not registered is never redirected to.

use super::browser::Browser;
use super::cookies::{CookiePolicy, SESSION};
use super::redirects::{Step, with_query};
use crate::domain::handles::Handle;
use crate::domain::ids::ClientId;
use crate::state::AppState;
use crate::store::StoreError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::collections::HashMap;

/// How a sign-out ends.
#[derive(Debug)]
pub enum Outcome {
    /// Back to the client.
    Redirect(Step),
    /// Signed out; nowhere to go (the pages say so). The cookie to clear.
    SignedOut(Vec<axum::http::HeaderValue>),
    /// `post_logout_redirect_uri` is not registered for the client (the
    /// session was ended all the same).
    UnknownRedirect(Vec<axum::http::HeaderValue>),
}

/// The `aud` of an ID token, read without verification (see above).
fn hint_audience(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    match &v["aud"] {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(a) if a.len() == 1 => a[0].as_str().map(str::to_owned),
        _ => None,
    }
}

/// Ends the session of `browser` and says where to go.
pub async fn logout(
    state: &AppState,
    raw_query: Option<&str>,
    browser: &Browser,
) -> Result<Outcome, StoreError> {
    let q: HashMap<String, String> =
        url::form_urlencoded::parse(raw_query.unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    if let Some(h) = browser.session.as_deref().and_then(Handle::parse) {
        state.store.delete_session(&h.tenant, &h.hash).await?;
    }
    let policy = CookiePolicy::for_public_url(&state.settings.public_url);
    let cookies = vec![policy.clear(SESSION)];
    let Some(target) = q.get("post_logout_redirect_uri") else {
        return Ok(Outcome::SignedOut(cookies));
    };
    let named = q
        .get("client_id")
        .cloned()
        .or_else(|| q.get("id_token_hint").and_then(|t| hint_audience(t)));
    let client = match named.as_deref().and_then(ClientId::parse) {
        Some(id) => state.store.find_auth_client(&id).await?,
        None => None,
    };
    let registered = client
        .as_ref()
        .and_then(|c| c.config.redirect_uris.as_deref())
        .is_some_and(|uris| uris.iter().any(|u| u == target));
    if !registered {
        return Ok(Outcome::UnknownRedirect(cookies));
    }
    let location = if q.contains_key("state") {
        with_query(target, &[("state", q.get("state").map(String::as_str))])
    } else {
        target.clone()
    };
    Ok(Outcome::Redirect(Step { location, cookies }))
}
