//! The claims of the access tokens this server issues (RFC 9068), which the
//! key ring signs and verifies.

use serde::{Deserialize, Serialize};

/// JOSE `typ` of access tokens (RFC 9068 §2.1).
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// Claims of an access token (RFC 9068 §2.2, plus `tenant_id`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub client_id: String,
    pub scope: String,
    pub tenant_id: String,
    /// The grant type that issued the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gty: Option<String>,
    /// The credential that obtained it (`domain::token_liveness::Credential`):
    /// an opaque id, never a secret's hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cred: Option<String>,
    /// The client's token generation when it was issued; a revocation of
    /// all the client's tokens moves the generation past it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#gen: Option<i64>,
}
