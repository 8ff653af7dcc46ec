//! The claims of the access tokens this server issues (RFC 9068), which the
//! key ring signs and verifies.

use serde::{Deserialize, Serialize};

/// JOSE `typ` of access tokens (RFC 9068 §2.1).
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// Claims of an access token (RFC 9068 §2.2, plus `tenant_id`).
#[derive(Debug, Clone, Serialize, Deserialize)]
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
}
