//! Discovery: the RFC 8414 authorization-server metadata and the OpenID
//! Connect discovery document (OpenID Connect Discovery 1.0 §3), one
//! document served at both addresses so they always agree, and the JWKS it
//! points to. It lists exactly what is implemented, nothing more.

use super::private_key_jwt::ALGORITHMS;
use crate::domain::authorize::OIDC_SCOPES;
use crate::domain::client::GrantType;
use crate::domain::pkce::S256;
use crate::domain::scopes::all_management_scopes;
use crate::domain::token_liveness::{AUTHORIZATION_CODE, REFRESH_TOKEN};
use crate::http::paths::{
    AUTHORIZE_PATH, INTROSPECTION_PATH, JWKS_PATH, LOGOUT_PATH, REVOCATION_PATH, TOKEN_PATH,
    USERINFO_PATH,
};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Client authentication methods of the token, introspection and revocation
/// endpoints (all three authenticate clients the same way).
pub const AUTH_METHODS: [&str; 3] = [
    "client_secret_basic",
    "client_secret_post",
    "private_key_jwt",
];

/// The grant types of the token endpoint.
pub fn grant_types() -> [&'static str; 4] {
    [
        AUTHORIZATION_CODE,
        REFRESH_TOKEN,
        GrantType::ClientCredentials.as_str(),
        GrantType::UserImpersonation.as_str(),
    ]
}

/// The discovery document.
pub fn document(state: &AppState) -> Value {
    let base = &state.settings.public_url;
    let mut token_auth: Vec<&str> = AUTH_METHODS.to_vec();
    // Public clients (spa, native) send only their client_id.
    token_auth.push("none");
    let mut scopes: Vec<&str> = OIDC_SCOPES.to_vec();
    scopes.extend(all_management_scopes());
    json!({
        "issuer": state.settings.issuer(),
        "authorization_endpoint": format!("{base}{AUTHORIZE_PATH}"),
        "token_endpoint": format!("{base}{TOKEN_PATH}"),
        "userinfo_endpoint": format!("{base}{USERINFO_PATH}"),
        "jwks_uri": format!("{base}{JWKS_PATH}"),
        "end_session_endpoint": format!("{base}{LOGOUT_PATH}"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": grant_types(),
        "code_challenge_methods_supported": [S256],
        "token_endpoint_auth_methods_supported": token_auth,
        "token_endpoint_auth_signing_alg_values_supported": ALGORITHMS,
        "introspection_endpoint": format!("{base}{INTROSPECTION_PATH}"),
        "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
        "introspection_endpoint_auth_signing_alg_values_supported": ALGORITHMS,
        "revocation_endpoint": format!("{base}{REVOCATION_PATH}"),
        "revocation_endpoint_auth_methods_supported": token_auth,
        "revocation_endpoint_auth_signing_alg_values_supported": ALGORITHMS,
        "id_token_signing_alg_values_supported": ["ES256"],
        "subject_types_supported": ["public"],
        "scopes_supported": scopes,
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "email", "name"],
        "prompt_values_supported": ["none", "login", "consent"],
        "authorization_response_iss_parameter_supported": true,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "service_documentation": format!("{base}/openapi.json"),
    })
}

/// `GET /.well-known/oauth-authorization-server` and
/// `GET /.well-known/openid-configuration`: the same document.
pub async fn metadata(State(state): State<AppState>) -> Response {
    Json(document(&state)).into_response()
}

pub async fn jwks(State(state): State<AppState>) -> Response {
    Json(state.keys.jwks()).into_response()
}
