//! `OAuthError`, the errors of the authorization server's endpoints
//! (`/oauth/…`), in the form of RFC 6749 §5.2: `{"error","error_description"}`.
//! Every such response carries the [`OAuthBody`] marker, so the finishing
//! step keeps its body as it is.

use super::no_store;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
#[error("{code}: {description}")]
pub struct OAuthError {
    pub code: &'static str,
    pub description: String,
    pub status: StatusCode,
    /// Set when the client tried HTTP Basic: the 401 then carries
    /// `WWW-Authenticate: Basic` (RFC 6749 §5.2).
    pub basic_challenge: bool,
    /// Seconds for `Retry-After`, on a 429.
    pub retry_after: Option<u64>,
    /// `Connection: close`: the connection cannot carry another request.
    pub close: bool,
}

impl OAuthError {
    fn new(code: &'static str, status: StatusCode, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
            status,
            basic_challenge: false,
            retry_after: None,
            close: false,
        }
    }
    pub fn invalid_request(d: impl Into<String>) -> Self {
        Self::new("invalid_request", StatusCode::BAD_REQUEST, d)
    }
    /// Deliberately vague: which check failed is not revealed to the caller.
    pub fn invalid_client(basic: bool) -> Self {
        Self {
            basic_challenge: basic,
            ..Self::new(
                "invalid_client",
                StatusCode::UNAUTHORIZED,
                "client authentication failed",
            )
        }
    }
    pub fn unauthorized_client(d: impl Into<String>) -> Self {
        Self::new("unauthorized_client", StatusCode::BAD_REQUEST, d)
    }
    pub fn unsupported_grant_type(d: impl Into<String>) -> Self {
        Self::new("unsupported_grant_type", StatusCode::BAD_REQUEST, d)
    }
    pub fn invalid_grant(d: impl Into<String>) -> Self {
        Self::new("invalid_grant", StatusCode::BAD_REQUEST, d)
    }
    pub fn invalid_scope(d: impl Into<String>) -> Self {
        Self::new("invalid_scope", StatusCode::BAD_REQUEST, d)
    }
    pub fn server_error(e: &anyhow::Error) -> Self {
        tracing::error!(error = %format!("{e:#}"), "token service error");
        Self::new(
            "server_error",
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error",
        )
    }
    /// The client is over its token-request rate limit (429, `Retry-After`).
    pub fn rate_limited(retry_after_secs: u64, per_minute: u32) -> Self {
        Self {
            retry_after: Some(retry_after_secs),
            ..Self::new(
                "temporarily_unavailable",
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "rate limit reached: {per_minute} token requests per minute per client; retry after {retry_after_secs} s"
                ),
            )
        }
    }
    /// 408: the body did not arrive within `limit`; the connection closes.
    pub fn body_timeout(limit: std::time::Duration) -> Self {
        Self {
            close: true,
            ..Self::new(
                "invalid_request",
                StatusCode::REQUEST_TIMEOUT,
                format!("body: not received within {} s", limit.as_secs_f64()),
            )
        }
    }
    /// Too many failed authentications from the caller's address (429,
    /// `Retry-After`).
    pub fn too_many_failures(retry_after_secs: u64, per_minute: u32) -> Self {
        Self {
            retry_after: Some(retry_after_secs),
            ..Self::new(
                "temporarily_unavailable",
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "too many failed authentications from this address ({per_minute} per minute allowed); retry after {retry_after_secs} s"
                ),
            )
        }
    }
    /// 414: the request target is longer than `max` bytes.
    pub fn uri_too_long(max: usize) -> Self {
        Self::new(
            "invalid_request",
            StatusCode::URI_TOO_LONG,
            format!("uri: the path and query must be at most {max} bytes"),
        )
    }
    /// 431: more header fields or bytes than accepted.
    pub fn headers_too_large(fields: usize, bytes: usize) -> Self {
        Self::new(
            "invalid_request",
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!("headers: at most {fields} fields and {bytes} bytes are accepted"),
        )
    }
    /// 503: the request did not complete within `secs` seconds.
    pub fn timeout(secs: f64) -> Self {
        tracing::warn!(timeout_s = secs, "request not completed in time");
        Self {
            retry_after: Some(1),
            ..Self::new(
                "temporarily_unavailable",
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "request: not completed within {secs} s; it may or may not have taken effect, so read before retrying a write"
                ),
            )
        }
    }
    pub fn temporarily_unavailable() -> Self {
        Self::new(
            "temporarily_unavailable",
            StatusCode::SERVICE_UNAVAILABLE,
            "the database is unreachable; try again later",
        )
    }
}

impl From<crate::store::StoreError> for OAuthError {
    fn from(e: crate::store::StoreError) -> Self {
        match e {
            crate::store::StoreError::Unavailable(_) => Self::temporarily_unavailable(),
            other => Self::server_error(&anyhow::Error::new(other)),
        }
    }
}

/// Marks a response whose body is an RFC 6749 error body.
#[derive(Debug, Clone, Copy)]
pub struct OAuthBody;

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut res = (
            self.status,
            Json(json!({"error": self.code, "error_description": self.description})),
        )
            .into_response();
        no_store(&mut res);
        res.extensions_mut().insert(OAuthBody);
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.close {
            res.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if self.basic_challenge {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                // `error` in the challenge too: some client libraries
                // (openid-client) read the challenge, not the body.
                HeaderValue::from_static(
                    "Basic realm=\"registrar\", charset=\"UTF-8\", error=\"invalid_client\"",
                ),
            );
        }
        res
    }
}
