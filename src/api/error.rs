//! `ApiError`, the one error type of the management API, and the middleware
//! that gives every error response of the server the reference's body:
//! `{"errors":[{"code","title","detail","status"}],"traceId"}`.
//!
//! Handlers return `ApiError`; its `IntoResponse` only records *what* went
//! wrong (an [`ErrorInfo`] extension) and the status and headers. The
//! [`finalize_errors`] middleware, which knows the request id, turns that into
//! the JSON body — and does the same for responses the framework makes on its
//! own (unknown route, wrong method, body rejections), so no error leaves the
//! server without the body.

use crate::domain::ValidationError;
use crate::store::StoreError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Stable error codes of the management API (documented in docs/errors.md).
pub mod codes {
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
}

/// What went wrong, carried from the handler to [`finalize_errors`].
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: String,
    pub title: String,
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
    /// 401: no, malformed, invalid, expired or revoked bearer token.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
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
    /// 413: the body exceeds the size limit.
    #[error("payload too large")]
    PayloadTooLarge(usize),
    /// 415: the body's media type is not accepted.
    #[error("unsupported media type")]
    UnsupportedMediaType(&'static str),
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
            StoreError::Invalid(v) => ApiError::InvalidField(v),
            StoreError::Unavailable(e) => ApiError::Unavailable(e.to_string()),
            other => ApiError::Internal(anyhow::Error::new(other)),
        }
    }
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str, &'static str, Option<String>) {
        use ApiError::*;
        use codes::*;
        match self {
            InvalidBody(m) => (StatusCode::BAD_REQUEST, INVALID_BODY, "Invalid request body.", Some(m.clone())),
            InvalidField(v) => (StatusCode::BAD_REQUEST, INVALID_FIELD, "Invalid field value.", Some(v.to_string())),
            InvalidParameter { param, message } => {
                (StatusCode::BAD_REQUEST, INVALID_PARAMETER, "Invalid query parameter.", Some(format!("{param}: {message}")))
            }
            InvalidFilter(m) => (StatusCode::BAD_REQUEST, INVALID_FILTER, "Invalid filter.", Some(format!("filter: {m}"))),
            InvalidCursor(m) => (StatusCode::BAD_REQUEST, INVALID_CURSOR, "Invalid cursor.", Some(m.clone())),
            InvalidPatch(v) => (StatusCode::BAD_REQUEST, INVALID_PATCH, "Invalid patch document.", Some(v.to_string())),
            ConfirmDelete => (
                StatusCode::BAD_REQUEST,
                CONFIRM_DELETE,
                "Deletion not confirmed.",
                Some("qlik-confirm-delete: header must equal the id of the client to delete".into()),
            ),
            SecretsNotSupported => (
                StatusCode::BAD_REQUEST,
                SECRETS_NOT_SUPPORTED,
                "Client secrets not supported.",
                Some("id: client secrets exist only for web clients with client_secret in allowedAuthMethods".into()),
            ),
            Unauthorized(m) => (StatusCode::UNAUTHORIZED, INVALID_TOKEN, "Unauthorized.", Some(format!("Authorization: {m}"))),
            Forbidden(scope) => (
                StatusCode::FORBIDDEN,
                INSUFFICIENT_SCOPE,
                "Forbidden.",
                Some(format!("Authorization: the access token lacks the scope {scope}")),
            ),
            ClientNotFound => (StatusCode::NOT_FOUND, CLIENT_NOT_FOUND, "OAuth client not found.", Some("id: no such client".into())),
            SecretNotFound => {
                (StatusCode::NOT_FOUND, SECRET_NOT_FOUND, "Client secret not found.", Some("hint: no secret with this hint".into()))
            }
            SecretLimit => (
                StatusCode::CONFLICT,
                SECRET_LIMIT,
                "The maximum number of client secrets is 5.",
                Some("id: delete a secret before creating another".into()),
            ),
            PayloadTooLarge(limit) => {
                (StatusCode::PAYLOAD_TOO_LARGE, "HTTP-413", "Payload too large.", Some(format!("body: must be at most {limit} bytes")))
            }
            UnsupportedMediaType(expected) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "HTTP-415",
                "Unsupported media type.",
                Some(format!("Content-Type: must be {expected}")),
            ),
            Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "HTTP-503",
                "Service unavailable.",
                Some("the database is unreachable; try again later".into()),
            ),
            Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "HTTP-500", "Internal server error.", None),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Internal(e) => tracing::error!(error = %format!("{e:#}"), "internal error"),
            ApiError::Unavailable(e) => tracing::warn!(error = %e, "store unavailable"),
            _ => {}
        }
        let (status, code, title, detail) = self.parts();
        let mut res = error_response(status, code, title, detail);
        match self {
            ApiError::Unauthorized(m) => {
                let v = format!(
                    "Bearer realm=\"registrar\", error=\"invalid_token\", error_description=\"{}\"",
                    m.replace('"', "'")
                );
                if let Ok(v) = HeaderValue::from_str(&v) {
                    res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
                }
            }
            ApiError::Forbidden(scope) => {
                let v = format!(
                    "Bearer realm=\"registrar\", error=\"insufficient_scope\", scope=\"{scope}\""
                );
                if let Ok(v) = HeaderValue::from_str(&v) {
                    res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
                }
            }
            ApiError::Unavailable(_) => {
                res.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        res
    }
}

/// An error response whose body [`finalize_errors`] will write.
pub fn error_response(
    status: StatusCode,
    code: &str,
    title: &str,
    detail: Option<String>,
) -> Response {
    let mut res = Response::new(Body::empty());
    *res.status_mut() = status;
    res.extensions_mut().insert(ErrorInfo {
        code: code.to_owned(),
        title: title.to_owned(),
        detail,
    });
    res
}

/// Title and detail for errors the framework produced without our help.
fn generic(
    status: StatusCode,
    req_method: &str,
    req_path: &str,
) -> (String, String, Option<String>) {
    let code = format!("HTTP-{}", status.as_u16());
    let (title, detail) = match status.as_u16() {
        400 => ("Bad request.", None),
        404 => (
            "Not found.",
            Some(format!("path: no resource at {req_path}")),
        ),
        405 => (
            "Method not allowed.",
            Some(format!("method: {req_method} is not allowed on {req_path}")),
        ),
        413 => ("Payload too large.", Some("body: too large".to_owned())),
        415 => (
            "Unsupported media type.",
            Some("Content-Type: not accepted".to_owned()),
        ),
        429 => ("API rate limit reached.", None),
        500 => ("Internal server error.", None),
        503 => ("Service unavailable.", None),
        _ => (status.canonical_reason().unwrap_or("Error."), None),
    };
    (code, title.to_owned(), detail)
}

/// The request id of the current request, set by the request-id middleware.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Writes the error body on every error response that does not have one yet.
pub async fn finalize_errors(req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let trace_id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let info = res.extensions().get::<ErrorInfo>().cloned();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let info = match info {
        Some(i) => i,
        // A JSON error we did not mark is an OAuth (RFC 6749) error body: keep it.
        None if is_json => return res,
        None => {
            if status == StatusCode::BAD_REQUEST || status.is_server_error() {
                tracing::debug!(%status, "framework error response rewritten");
            }
            let (code, title, detail) = generic(status, &method, &path);
            ErrorInfo {
                code,
                title,
                detail,
            }
        }
    };
    let mut err =
        json!({"code": info.code, "title": info.title, "status": status.as_u16().to_string()});
    if let Some(d) = info.detail {
        err["detail"] = json!(d);
    }
    let body = json!({"errors": [err], "traceId": trace_id});
    let (mut parts, _) = res.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body.to_string()))
}
