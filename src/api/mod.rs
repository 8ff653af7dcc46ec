//! The management API of the reference (`/api/core/oauth-clients…`): routes,
//! handlers, wire types, errors and authentication.

pub mod auth;
pub mod clients;
pub mod cursor;
pub mod list;
pub mod origin;
pub mod secrets;
pub mod wire;

use crate::state::AppState;
use axum::Router;
use axum::routing::{delete, get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/core/oauth-clients",
            get(list::list_clients).post(clients::create_client),
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
}
