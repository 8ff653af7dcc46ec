//! RFC 8414 authorization-server metadata and the JWKS it points to. The
//! metadata lists exactly what is implemented, nothing more.

use super::private_key_jwt::ALGORITHMS;
use crate::domain::client::GrantType;
use crate::domain::scopes::all_management_scopes;
use crate::http::paths::{INTROSPECTION_PATH, JWKS_PATH, REVOCATION_PATH, TOKEN_PATH};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Client authentication methods of the token, introspection and revocation
/// endpoints (all three authenticate clients the same way).
pub const AUTH_METHODS: [&str; 3] = [
    "client_secret_basic",
    "client_secret_post",
    "private_key_jwt",
];

pub async fn metadata(State(state): State<AppState>) -> Response {
    let base = &state.settings.public_url;
    Json(json!({
        "issuer": state.settings.issuer(),
        "token_endpoint": format!("{base}{TOKEN_PATH}"),
        "jwks_uri": format!("{base}{JWKS_PATH}"),
        // No authorization endpoint exists, so no response type is supported.
        "response_types_supported": [],
        "grant_types_supported": [
            GrantType::ClientCredentials.as_str(),
            GrantType::UserImpersonation.as_str(),
        ],
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "token_endpoint_auth_signing_alg_values_supported": ALGORITHMS,
        "introspection_endpoint": format!("{base}{INTROSPECTION_PATH}"),
        "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
        "introspection_endpoint_auth_signing_alg_values_supported": ALGORITHMS,
        "revocation_endpoint": format!("{base}{REVOCATION_PATH}"),
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint_auth_signing_alg_values_supported": ALGORITHMS,
        "scopes_supported": all_management_scopes(),
        "service_documentation": format!("{base}/openapi.json"),
    }))
    .into_response()
}

pub async fn jwks(State(state): State<AppState>) -> Response {
    Json(state.keys.jwks()).into_response()
}
