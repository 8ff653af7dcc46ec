//! The sign-in pages (contract §8): server-rendered HTML for the
//! authorization endpoint's error page, sign-in, consent, sign-out and a
//! signed-in person's own consents.
//! Templates (`templates/`) are compiled into the binary by askama, which
//! escapes every value by construction; the pages need no JavaScript and
//! fetch nothing from elsewhere (their one stylesheet is served here).
//!
//! This room knows the protocol only through `oauth::interaction` (start,
//! show, finish) and `oauth::authorize`/`oauth::logout`, which answer
//! redirects and faults, never HTML. Every response of this router passes
//! [`headers::security_headers`].

pub mod authorize;
pub mod consents;
pub mod headers;
pub mod interaction;
pub mod logout;
pub mod render;
pub mod scope_words;
pub mod sign_in;

use crate::http::paths::{
    AUTHORIZE_PATH, INTERACTION_PATH, LOGOUT_PATH, MY_CONSENTS_PATH, STYLESHEET_PATH,
};
use crate::state::AppState;
use axum::Router;
use axum::middleware;
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(AUTHORIZE_PATH, get(authorize::authorize))
        .route(
            &format!("{INTERACTION_PATH}/{{ix}}"),
            get(interaction::show),
        )
        .route(
            &format!("{INTERACTION_PATH}/{{ix}}/signin"),
            post(sign_in::sign_in),
        )
        .route(
            &format!("{INTERACTION_PATH}/{{ix}}/consent"),
            post(interaction::consent),
        )
        .route(LOGOUT_PATH, get(logout::logout))
        .route(MY_CONSENTS_PATH, get(consents::show))
        .route(
            &format!("{MY_CONSENTS_PATH}/revoke"),
            post(consents::revoke),
        )
        .route(STYLESHEET_PATH, get(render::stylesheet))
        .layer(middleware::from_fn(headers::security_headers))
}
