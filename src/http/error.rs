//! `ApiError`, the one table of the management API's errors: every error
//! response that is not an OAuth one (RFC 6749, `oauth_error.rs`) is a value
//! of it, the limits' 414, 431, 429 and request-timeout 503 included, and the
//! framework's own 404 and 405 once `finish` has classified them.
//!
//! `IntoResponse` (`error_response.rs`) only records *what* went wrong (an
//! [`ErrorInfo`] extension) with the status and headers; `finish::finish_response`, which knows the
//! request id, writes the reference's body
//! `{"errors":[{"code","title","detail","status"}],"traceId"}`.

use crate::domain::ValidationError;
use crate::store::StoreError;
use axum::http::StatusCode;
use std::borrow::Cow;

/// Stable error codes of the management API (documented in docs/errors.md).
#[path = "error_codes.rs"]
pub mod codes;

/// The rows of the limits (`limit_parts`).
#[path = "error_limits.rs"]
mod limits;
pub use limits::EXPENSIVE_LISTS_RETRY_SECS;

/// The one description of every refused bearer token, whatever the reason:
/// telling a caller which check failed would help only an attacker.
pub const BEARER_REFUSED: &str = "the access token is missing, invalid, expired or revoked";

/// What went wrong, carried from [`ApiError`] to the body `finish` writes.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: Cow<'static, str>,
    pub title: Cow<'static, str>,
    pub detail: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the body is not JSON, or not of the expected JSON shape.
    #[error("invalid request body: {0}")]
    InvalidBody(String),
    /// 400: a field broke a validation rule; the detail names the field.
    #[error("{0}")]
    InvalidField(ValidationError),
    /// 400: a query parameter is malformed or out of range.
    #[error("invalid parameter {param}: {message}")]
    InvalidParameter {
        param: &'static str,
        message: String,
    },
    /// 400: the `filter` parameter does not parse.
    #[error("invalid filter: {0}")]
    InvalidFilter(String),
    /// 400: the `next`/`prev` cursor is malformed, altered or from another query.
    #[error("invalid cursor: {0}")]
    InvalidCursor(String),
    /// 400: the JSON Patch document is not acceptable.
    #[error("invalid patch: {0}")]
    InvalidPatch(ValidationError),
    /// 400: `qlik-confirm-delete` is missing or does not equal the id.
    #[error("confirmation header mismatch")]
    ConfirmDelete,
    /// 400: the client is not a `web` client allowing `client_secret`.
    #[error("client secrets not supported")]
    SecretsNotSupported,
    /// 401: no, malformed, invalid, expired or revoked bearer token. One
    /// answer for every reason (the reason is logged, never sent);
    /// `presented` says whether a token was sent at all (RFC 6750 §3.1: no
    /// error code in the challenge when none was).
    #[error("unauthorized")]
    Unauthorized { presented: bool },
    /// 403: the token lacks the scope the operation needs.
    #[error("insufficient scope, needs {0}")]
    Forbidden(&'static str),
    /// 404: no such client in the caller's tenant.
    #[error("client not found")]
    ClientNotFound,
    /// 404: no secret with that hint.
    #[error("secret not found")]
    SecretNotFound,
    /// 409: the client already has 5 secrets.
    #[error("secret limit reached")]
    SecretLimit,
    /// 400: a field of a user broke a rule; the detail names the field.
    #[error("{0}")]
    InvalidUser(ValidationError),
    /// 400: the JSON Patch document for a user is not acceptable.
    #[error("invalid user patch: {0}")]
    InvalidUserPatch(ValidationError),
    /// 400: `qlik-confirm-delete` is missing or does not equal the user's id.
    #[error("user deletion not confirmed")]
    ConfirmUserDelete,
    /// 404: no such user in the caller's tenant.
    #[error("user not found")]
    UserNotFound,
    /// 409: another user of the tenant has this email (case-insensitively).
    #[error("email taken")]
    EmailTaken,
    /// 409: another user of the tenant has this subject.
    #[error("subject taken")]
    SubjectTaken,
    /// 409: the tenant already has `--max-clients-per-tenant` clients.
    #[error("client quota reached")]
    ClientQuota(u64),
    /// 408: the body did not arrive within the body-read timeout; the
    /// connection is closed after the answer.
    #[error("request body timed out")]
    BodyTimeout(std::time::Duration),
    /// 413: the body exceeds the size limit.
    #[error("payload too large")]
    PayloadTooLarge(usize),
    /// 415: the body's media type is not accepted.
    #[error("unsupported media type")]
    UnsupportedMediaType(&'static str),
    /// 404 or 405 made by the router itself (unknown route, wrong method),
    /// or another bare error status: `HTTP-<status>`.
    #[error("{status} on {method} {path}")]
    Route {
        status: StatusCode,
        method: String,
        path: String,
    },
    /// 414: the request target is longer than the limit (bytes).
    #[error("URI too long")]
    UriTooLong(usize),
    /// 431: more header fields or bytes than the limits.
    #[error("request header fields too large")]
    HeadersTooLarge { fields: usize, bytes: usize },
    /// 429: the caller is over its rate limit.
    #[error("rate limited")]
    RateLimited {
        retry_after_secs: u64,
        per_minute: u32,
    },
    /// 429: the caller's address presented too many refused tokens.
    #[error("too many authentication failures")]
    TooManyFailures {
        retry_after_secs: u64,
        per_minute: u32,
    },
    /// 429: the tenant already runs `--max-expensive-lists-per-tenant`
    /// expensive list queries (`domain::list_query::ListQuery::is_expensive`).
    #[error("too many expensive lists")]
    ExpensiveLists(usize),
    /// 503: the request did not complete within the request timeout (seconds).
    #[error("request timed out")]
    Timeout(f64),
    /// 503: the store cannot be reached right now.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// 500: anything else; the cause is logged, never sent.
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        ApiError::InvalidField(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::ClientNotFound,
            StoreError::SecretNotFound => ApiError::SecretNotFound,
            StoreError::SecretsNotSupported => ApiError::SecretsNotSupported,
            StoreError::SecretLimit => ApiError::SecretLimit,
            StoreError::ClientQuota(max) => ApiError::ClientQuota(max),
            StoreError::Invalid(v) => ApiError::InvalidField(v),
            StoreError::UserNotFound => ApiError::UserNotFound,
            StoreError::EmailTaken => ApiError::EmailTaken,
            StoreError::SubjectTaken => ApiError::SubjectTaken,
            StoreError::Unavailable(e) => ApiError::Unavailable(e.to_string()),
            StoreError::TimedOut(limit) => ApiError::Timeout(limit.as_secs_f64()),
            other => ApiError::Internal(anyhow::Error::new(other)),
        }
    }
}

/// Title and detail of a status the router made on its own.
fn route_parts(status: StatusCode, method: &str, path: &str) -> (&'static str, Option<String>) {
    match status.as_u16() {
        404 => ("Not found.", Some(format!("path: no resource at {path}"))),
        405 => (
            "Method not allowed.",
            Some(format!("method: {method} is not allowed on {path}")),
        ),
        413 => ("Payload too large.", Some("body: too large".to_owned())),
        415 => (
            "Unsupported media type.",
            Some("Content-Type: not accepted".to_owned()),
        ),
        400 => ("Bad request.", None),
        429 => ("API rate limit reached.", None),
        503 => ("Service unavailable.", None),
        500 => ("Internal server error.", None),
        _ => (status.canonical_reason().unwrap_or("Error."), None),
    }
}

/// One row of the table: status, code, title, detail.
pub(super) type Row = (StatusCode, Cow<'static, str>, &'static str, Option<String>);

impl ApiError {
    /// The row of the error table for this error.
    // The one error table: a row per variant, long by design.
    #[allow(clippy::too_many_lines)]
    fn parts(&self) -> Row {
        use ApiError::*;
        use codes::*;
        let row = |status, code: &'static str, title, detail| {
            (status, Cow::Borrowed(code), title, detail)
        };
        match self {
            InvalidBody(m) => row(StatusCode::BAD_REQUEST, INVALID_BODY, "Invalid request body.", Some(m.clone())),
            InvalidField(v) => row(StatusCode::BAD_REQUEST, INVALID_FIELD, "Invalid field value.", Some(v.to_string())),
            InvalidParameter { param, message } => {
                row(StatusCode::BAD_REQUEST, INVALID_PARAMETER, "Invalid query parameter.", Some(format!("{param}: {message}")))
            }
            InvalidFilter(m) => row(StatusCode::BAD_REQUEST, INVALID_FILTER, "Invalid filter.", Some(format!("filter: {m}"))),
            InvalidCursor(m) => row(StatusCode::BAD_REQUEST, INVALID_CURSOR, "Invalid cursor.", Some(m.clone())),
            InvalidPatch(v) => row(StatusCode::BAD_REQUEST, INVALID_PATCH, "Invalid patch document.", Some(v.to_string())),
            ConfirmDelete => row(
                StatusCode::BAD_REQUEST,
                CONFIRM_DELETE,
                "Deletion not confirmed.",
                Some("qlik-confirm-delete: header must equal the id of the client to delete".into()),
            ),
            SecretsNotSupported => row(
                StatusCode::BAD_REQUEST,
                SECRETS_NOT_SUPPORTED,
                "Client secrets not supported.",
                Some("id: client secrets exist only for web clients with client_secret in allowedAuthMethods".into()),
            ),
            Unauthorized { .. } => row(StatusCode::UNAUTHORIZED, INVALID_TOKEN, "Unauthorized.", Some(format!("Authorization: {BEARER_REFUSED}"))),
            Forbidden(scope) => row(
                StatusCode::FORBIDDEN,
                INSUFFICIENT_SCOPE,
                "Forbidden.",
                Some(format!("Authorization: the access token lacks the scope {scope}")),
            ),
            ClientNotFound => row(StatusCode::NOT_FOUND, CLIENT_NOT_FOUND, "OAuth client not found.", Some("id: no such client".into())),
            SecretNotFound => {
                row(StatusCode::NOT_FOUND, SECRET_NOT_FOUND, "Client secret not found.", Some("hint: no secret with this hint".into()))
            }
            SecretLimit => row(
                StatusCode::CONFLICT,
                SECRET_LIMIT,
                "The maximum number of client secrets is 5.",
                Some("id: delete a secret before creating another".into()),
            ),
            InvalidUser(v) => row(StatusCode::BAD_REQUEST, INVALID_USER_FIELD, "Invalid user field value.", Some(v.to_string())),
            InvalidUserPatch(v) => row(StatusCode::BAD_REQUEST, INVALID_USER_PATCH, "Invalid user patch document.", Some(v.to_string())),
            ConfirmUserDelete => row(
                StatusCode::BAD_REQUEST,
                CONFIRM_USER_DELETE,
                "User deletion not confirmed.",
                Some("qlik-confirm-delete: header must equal the id of the user to delete".into()),
            ),
            UserNotFound => row(StatusCode::NOT_FOUND, USER_NOT_FOUND, "User not found.", Some("id: no such user".into())),
            EmailTaken => row(
                StatusCode::CONFLICT,
                EMAIL_TAKEN,
                "Email already in use.",
                Some("email: another user of the tenant has this email".into()),
            ),
            SubjectTaken => row(
                StatusCode::CONFLICT,
                SUBJECT_TAKEN,
                "Subject already in use.",
                Some("subject: another user of the tenant has this subject".into()),
            ),
            ClientQuota(max) => row(
                StatusCode::CONFLICT,
                CLIENT_QUOTA,
                "The maximum number of clients in this tenant is reached.",
                Some(format!("tenant: at most {max} clients; delete one before creating another")),
            ),
            Route { status, method, path } => {
                let (title, detail) = route_parts(*status, method, path);
                (*status, Cow::Owned(format!("HTTP-{}", status.as_u16())), title, detail)
            }
            BodyTimeout(_)
            | PayloadTooLarge(_)
            | UnsupportedMediaType(_)
            | UriTooLong(_)
            | HeadersTooLarge { .. }
            | RateLimited { .. }
            | TooManyFailures { .. }
            | ExpensiveLists(_)
            | Timeout(_)
            | Unavailable(_) => self.limit_parts(),
            Internal(_) => row(StatusCode::INTERNAL_SERVER_ERROR, "HTTP-500", "Internal server error.", None),
        }
    }

    /// The status and what the body will say.
    pub fn info(&self) -> (StatusCode, ErrorInfo) {
        let (status, code, title, detail) = self.parts();
        let title = Cow::Borrowed(title);
        (
            status,
            ErrorInfo {
                code,
                title,
                detail,
            },
        )
    }
}
