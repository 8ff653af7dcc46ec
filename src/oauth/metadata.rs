//! RFC 8414 authorization-server metadata and the JWKS it points to.

use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub const JWKS_PATH: &str = "/oauth/jwks";
pub const TOKEN_PATH: &str = "/oauth/token";

pub async fn metadata(State(state): State<AppState>) -> Response {
    let base = &state.settings.public_url;
    Json(json!({
        "issuer": state.settings.issuer(),
        "token_endpoint": format!("{base}{TOKEN_PATH}"),
        "jwks_uri": format!("{base}{JWKS_PATH}"),
        // No authorization endpoint exists, so no response type is supported.
        "response_types_supported": [],
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": [crate::api::auth::SCOPE_READ, crate::api::auth::SCOPE_WRITE],
        "service_documentation": format!("{base}/openapi.json"),
    }))
    .into_response()
}

pub async fn jwks(State(state): State<AppState>) -> Response {
    Json(state.keys.jwks()).into_response()
}
