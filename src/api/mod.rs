//! The management API: the reference's `/api/core/oauth-clients…`, the
//! users API `/api/core/users…` (contract §7) with a user's consents
//! (contract §8), and the audit log `/api/core/audits` (contract §10):
//! routes, handlers, wire types and authentication.

pub mod actions;
pub mod audits;
pub mod auth;
pub mod clients;
pub mod consents;
pub mod cursor;
pub mod list;
pub mod origin;
pub mod secrets;
pub mod users;
pub mod wire;

use crate::state::AppState;
use axum::Router;
use axum::routing::{delete, get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/core/oauth-clients",
            get(clients::list_clients).post(clients::create_client),
        )
        .route(
            "/api/core/oauth-clients/{id}",
            get(clients::get_client)
                .patch(clients::patch_client)
                .delete(clients::delete_client),
        )
        .route(
            "/api/core/oauth-clients/{id}/client-secrets",
            post(secrets::create_secret),
        )
        .route(
            "/api/core/oauth-clients/{id}/client-secrets/{hint}",
            delete(secrets::delete_secret),
        )
        .route(
            "/api/core/oauth-clients/{id}/actions/revoke-tokens",
            post(actions::revoke_tokens),
        )
        .route(audits::PATH, get(audits::list_audits))
        .route("/api/core/users", post(users::create_user))
        .route(
            "/api/core/users/{id}",
            get(users::get_user)
                .patch(users::patch_user)
                .delete(users::delete_user),
        )
        .route(
            "/api/core/users/{id}/consents",
            get(consents::list_consents),
        )
        .route(
            "/api/core/users/{id}/consents/{clientId}",
            delete(consents::revoke_consent),
        )
}
