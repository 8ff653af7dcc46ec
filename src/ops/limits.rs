//! Request limits that protect the server: header size, URI length and
//! request time (body sizes are checked where bodies are read, in
//! `api::body` and `oauth::params`; connections in `ops::server`).
//!
//! Limits the application enforces answer with the usual error body: the
//! reference's on most routes, an RFC 6749 body on `/oauth/…`. The HTTP layer
//! keeps larger hard caps of its own ([`HTTP_MAX_HEADER_BYTES`],
//! [`HTTP_MAX_HEADERS`]) beyond which it answers a bare 431 before the request
//! reaches the application.

use super::metrics::Api;
use crate::api::error::error_response;
use crate::app::AppState;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Duration;

/// Largest request header section the application accepts (431 beyond).
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Most request header fields the application accepts (431 beyond).
pub const MAX_HEADERS: usize = 100;
/// Longest request target (path and query) accepted (414 beyond).
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Hard cap of the HTTP parser on the header section, start line included.
pub const HTTP_MAX_HEADER_BYTES: usize = 64 * 1024;
/// Hard cap of the HTTP parser on the number of header fields.
pub const HTTP_MAX_HEADERS: usize = 256;

/// Server-wide limits, with the documented defaults.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    /// Most HTTP connections served at once; further ones wait in the
    /// kernel's listen backlog until one closes.
    pub max_connections: usize,
    /// Longest time from a request's headers to its response (503 beyond).
    pub request_timeout: Duration,
    /// Longest wait for a request's header section, which is also how long
    /// an idle keep-alive connection is kept (the connection is closed).
    pub header_read_timeout: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            request_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
        }
    }
}

/// An error of this module, shaped for the API the request was for.
fn refuse(
    path: &str,
    status: StatusCode,
    title: &str,
    oauth_code: &str,
    detail: String,
) -> Response {
    if matches!(Api::of_path(path), Api::Token | Api::OAuth) {
        let mut res = (
            status,
            Json(serde_json::json!({"error": oauth_code, "error_description": detail})),
        )
            .into_response();
        crate::oauth::error::no_store(&mut res);
        return res;
    }
    error_response(
        status,
        &format!("HTTP-{}", status.as_u16()),
        title,
        Some(detail),
    )
}

/// Middleware, outside authentication: checks the size of the request
/// target and headers, then bounds the time the rest of the stack may take.
pub async fn enforce(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let uri_len = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if uri_len > MAX_URI_BYTES {
        return refuse(
            &path,
            StatusCode::URI_TOO_LONG,
            "URI too long.",
            "invalid_request",
            format!("uri: the path and query must be at most {MAX_URI_BYTES} bytes"),
        );
    }
    let headers = req.headers();
    // Name, value and the `: ` and CRLF around them, as on the wire.
    let header_bytes: usize = headers
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len() + 4)
        .sum();
    if headers.len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
        return refuse(
            &path,
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "Request header fields too large.",
            "invalid_request",
            format!(
                "headers: at most {MAX_HEADERS} fields and {MAX_HEADER_BYTES} bytes are accepted"
            ),
        );
    }
    let limit = state.ops.limits.request_timeout;
    if let Ok(res) = tokio::time::timeout(limit, next.run(req)).await {
        return res;
    }
    tracing::warn!(
        timeout_s = limit.as_secs_f64(),
        "request not completed in time"
    );
    let mut res = refuse(
        &path,
        StatusCode::SERVICE_UNAVAILABLE,
        "Service unavailable.",
        "temporarily_unavailable",
        format!(
            "request: not completed within {} s; it may or may not have taken effect, so read before retrying a write",
            limit.as_secs_f64()
        ),
    );
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    res
}
