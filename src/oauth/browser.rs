//! The sign-in cookies a request carried: the browser's session and its
//! binding to a paused interaction, as the authorization endpoint, the
//! interaction, sign-out and a person's own consents read them.

use super::cookies::{BROWSER, CookiePolicy, SESSION};
use crate::state::AppState;
use axum::http::HeaderMap;

/// The sign-in cookies a request carried.
#[derive(Debug, Clone, Default)]
pub struct Browser {
    pub session: Option<String>,
    pub binding: Option<String>,
}

impl Browser {
    pub fn from_headers(state: &AppState, headers: &HeaderMap) -> Browser {
        let policy = CookiePolicy::for_public_url(&state.settings.public_url);
        Browser {
            session: policy.read(headers, SESSION),
            binding: policy.read(headers, BROWSER),
        }
    }
}
