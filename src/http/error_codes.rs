//! Stable error codes of the management API (documented in docs/errors.md):
//! `OAUTH-CLIENTS-<n>` for the clients API, `USERS-<n>` for the users API.

pub const INVALID_BODY: &str = "OAUTH-CLIENTS-1";
pub const INVALID_FIELD: &str = "OAUTH-CLIENTS-2";
pub const INVALID_PARAMETER: &str = "OAUTH-CLIENTS-3";
pub const INVALID_FILTER: &str = "OAUTH-CLIENTS-4";
pub const INVALID_CURSOR: &str = "OAUTH-CLIENTS-5";
pub const INVALID_PATCH: &str = "OAUTH-CLIENTS-6";
pub const CONFIRM_DELETE: &str = "OAUTH-CLIENTS-7";
pub const SECRETS_NOT_SUPPORTED: &str = "OAUTH-CLIENTS-8";
pub const SECRET_LIMIT: &str = "OAUTH-CLIENTS-9";
pub const CLIENT_NOT_FOUND: &str = "OAUTH-CLIENTS-10";
pub const SECRET_NOT_FOUND: &str = "OAUTH-CLIENTS-11";
pub const INVALID_TOKEN: &str = "OAUTH-CLIENTS-12";
pub const INSUFFICIENT_SCOPE: &str = "OAUTH-CLIENTS-13";
pub const INVALID_USER_FIELD: &str = "USERS-1";
pub const INVALID_USER_PATCH: &str = "USERS-2";
pub const CONFIRM_USER_DELETE: &str = "USERS-3";
pub const USER_NOT_FOUND: &str = "USERS-4";
pub const EMAIL_TAKEN: &str = "USERS-5";
pub const SUBJECT_TAKEN: &str = "USERS-6";
pub const CLIENT_QUOTA: &str = "OAUTH-CLIENTS-14";
