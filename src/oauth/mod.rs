//! The OAuth 2.0 authorization server: token endpoint, client
//! authentication, introspection, revocation, signing keys, metadata. Its
//! errors are RFC 6749's, not the management API's.

pub mod client_auth;
pub mod error;
pub mod introspection;
pub mod metadata;
pub mod params;
pub mod private_key_jwt;
pub mod revocation;
pub mod token;

use crate::app::AppState;
use axum::Router;
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(metadata::TOKEN_PATH, post(token::token))
        .route(
            "/.well-known/oauth-authorization-server",
            get(metadata::metadata),
        )
        .route(metadata::JWKS_PATH, get(metadata::jwks))
        .route(
            introspection::INTROSPECTION_PATH,
            post(introspection::introspect),
        )
        .route(revocation::REVOCATION_PATH, post(revocation::revoke))
}
