//! The OAuth 2.0 authorization server: token endpoint, client
//! authentication, the one access-token check, introspection, revocation,
//! metadata. Its errors are RFC 6749's (`http::OAuthError`), not the
//! management API's.

pub mod access_token;
pub mod authorize;
pub mod browser;
pub mod client_auth;
pub mod code_grant;
pub mod cookies;
pub mod cors;
pub mod impersonation;
pub mod interaction;
pub mod introspection;
pub mod issue;
pub mod logout;
pub mod metadata;
pub mod my_consents;
pub mod params;
pub mod private_key_jwt;
pub mod redirects;
pub mod refresh_grant;
pub mod revocation;
pub mod session;
pub mod token;
pub mod user_tokens;
pub mod userinfo;

use crate::http::paths::{
    INTROSPECTION_PATH, JWKS_PATH, METADATA_PATH, OPENID_CONFIGURATION_PATH, REVOCATION_PATH,
    TOKEN_PATH, USERINFO_PATH,
};
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(TOKEN_PATH, post(token::token))
        .route(METADATA_PATH, get(metadata::metadata))
        .route(OPENID_CONFIGURATION_PATH, get(metadata::metadata))
        .route(
            USERINFO_PATH,
            get(userinfo::userinfo).post(userinfo::userinfo),
        )
        .route(JWKS_PATH, get(metadata::jwks))
        .route(INTROSPECTION_PATH, post(introspection::introspect))
        .route(REVOCATION_PATH, post(revocation::revoke))
}
