//! The paths of the authorization server's endpoints, and which API a request
//! is for, decided from its path before routing (so that requests refused
//! before a handler runs still get the error body of their API).

pub const TOKEN_PATH: &str = "/oauth/token";
pub const JWKS_PATH: &str = "/oauth/jwks";
pub const INTROSPECTION_PATH: &str = "/oauth/introspect";
pub const REVOCATION_PATH: &str = "/oauth/revoke";
pub const METADATA_PATH: &str = "/.well-known/oauth-authorization-server";
pub const OPENID_CONFIGURATION_PATH: &str = "/.well-known/openid-configuration";
pub const AUTHORIZE_PATH: &str = "/oauth/authorize";
pub const USERINFO_PATH: &str = "/oauth/userinfo";
pub const LOGOUT_PATH: &str = "/oauth/logout";
/// The sign-in and consent pages of one paused request: `{this}/{id}`.
pub const INTERACTION_PATH: &str = "/oauth/interaction";
/// A signed-in person's own consents (list; `{this}/revoke` revokes one).
pub const MY_CONSENTS_PATH: &str = "/oauth/consents";
/// The pages' stylesheet, served by the binary.
pub const STYLESHEET_PATH: &str = "/oauth/assets/registrar.css";

/// Where the bearer-authenticated management API lives. Requests under it
/// are authenticated before routing (contract §3); other paths under `/api`
/// are ordinary unknown routes.
pub const MANAGEMENT_ROOT: &str = "/api/core";

/// Whether `path` is `/api/core` or below it.
pub fn is_management(path: &str) -> bool {
    path.strip_prefix(MANAGEMENT_ROOT)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Which API a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKind {
    /// `/api/…`: bearer-token authenticated, the reference's error body.
    Management,
    /// `POST /oauth/token`.
    Token,
    /// Other `/oauth/…` routes: RFC 6749 error bodies.
    OAuth,
    /// Everything else.
    Other,
}

impl ApiKind {
    pub fn of_path(path: &str) -> ApiKind {
        if path == "/api" || path.starts_with("/api/") {
            ApiKind::Management
        } else if path == TOKEN_PATH {
            ApiKind::Token
        } else if path.starts_with("/oauth/") {
            ApiKind::OAuth
        } else {
            ApiKind::Other
        }
    }

    /// Whether errors of this API are RFC 6749 bodies.
    pub fn is_oauth(self) -> bool {
        matches!(self, ApiKind::Token | ApiKind::OAuth)
    }
}
