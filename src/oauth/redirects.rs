//! The redirects of a sign-in: the next [`Step`] of the browser (where it
//! goes, the cookies it gets), an error for the client sent to its trusted
//! redirect URI ([`Redirected`], [`error_location`]: `error`,
//! `error_description`, `state`, `iss`), and [`with_query`], which adds
//! parameters to a redirect URI's query.

use crate::state::AppState;
use axum::http::HeaderValue;

/// Where the browser goes next, and the cookies it gets on the way.
#[derive(Debug)]
pub struct Step {
    pub location: String,
    pub cookies: Vec<HeaderValue>,
}

impl Step {
    pub fn to(location: String) -> Step {
        Step {
            location,
            cookies: Vec::new(),
        }
    }
}

/// An error for the client, sent to its trusted redirect URI.
#[derive(Debug)]
pub struct Redirected {
    pub code: &'static str,
    pub description: String,
}

impl Redirected {
    pub fn new(code: &'static str, description: impl Into<String>) -> Self {
        Redirected {
            code,
            description: description.into(),
        }
    }
}

/// `uri` with `params` added to its query (RFC 6749 §4.1.2: keeping any
/// query it already has).
pub fn with_query(uri: &str, params: &[(&str, Option<&str>)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        if let Some(v) = v {
            s.append_pair(k, v);
        }
    }
    let query = s.finish();
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{query}")
}

/// The error redirect: `error`, `error_description`, `state` and `iss`.
pub fn error_location(
    state: &AppState,
    redirect_uri: &str,
    st: Option<&str>,
    e: &Redirected,
) -> String {
    with_query(
        redirect_uri,
        &[
            ("error", Some(e.code)),
            ("error_description", Some(&e.description)),
            ("state", st),
            ("iss", Some(state.settings.issuer())),
        ],
    )
}
