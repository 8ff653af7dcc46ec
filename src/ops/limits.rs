//! Request limits that protect the server: header size, URI length and
//! request time (body sizes are checked where bodies are read, in
//! `api::body` and `oauth::params`; connections in `ops::server`).
//!
//! The request pipeline (`pipeline.rs`) applies them. Limits the
//! application enforces answer with the usual error body: the reference's on
//! most routes, an RFC 6749 body on `/oauth/…`. The HTTP layer
//! keeps larger hard caps of its own ([`HTTP_MAX_HEADER_BYTES`],
//! [`HTTP_MAX_HEADERS`]) beyond which it answers a bare 431 before the request
//! reaches the application.

use crate::http::paths::ApiKind;
use crate::http::{ApiError, OAuthError};
use axum::http::Request;
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
    /// Most connections served at once for one remote address; further ones
    /// are closed as soon as they are accepted.
    pub max_connections_per_address: usize,
    /// Longest time from a request's headers to its response (503 beyond).
    pub request_timeout: Duration,
    /// Longest wait for a request's header section once its first byte has
    /// arrived (the connection is closed).
    pub header_read_timeout: Duration,
    /// Longest time a request's whole body may take to arrive, from the end
    /// of its headers (408, and the connection is closed).
    pub body_read_timeout: Duration,
    /// How long a connection with no request in progress is kept open.
    pub keep_alive_timeout: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            max_connections_per_address: 256,
            request_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(5),
        }
    }
}

/// A request refused by a limit, before it reaches the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 414.
    UriTooLong,
    /// 431.
    HeadersTooLarge,
}

impl Refusal {
    /// The error response, in the shape of the API the request was for.
    pub fn into_response(self, api: ApiKind) -> Response {
        match (self, api.is_oauth()) {
            (Refusal::UriTooLong, true) => OAuthError::uri_too_long(MAX_URI_BYTES).into_response(),
            (Refusal::UriTooLong, false) => ApiError::UriTooLong(MAX_URI_BYTES).into_response(),
            (Refusal::HeadersTooLarge, true) => {
                OAuthError::headers_too_large(MAX_HEADERS, MAX_HEADER_BYTES).into_response()
            }
            (Refusal::HeadersTooLarge, false) => ApiError::HeadersTooLarge {
                fields: MAX_HEADERS,
                bytes: MAX_HEADER_BYTES,
            }
            .into_response(),
        }
    }
}

/// Checks the size of the request target and headers.
pub fn check<B>(req: &Request<B>) -> Result<(), Refusal> {
    let uri_len = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if uri_len > MAX_URI_BYTES {
        return Err(Refusal::UriTooLong);
    }
    let headers = req.headers();
    if headers.len() > MAX_HEADERS {
        return Err(Refusal::HeadersTooLarge);
    }
    // Name, value and the `: ` and CRLF around them, as on the wire.
    let header_bytes: usize = headers
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len() + 4)
        .sum();
    if header_bytes > MAX_HEADER_BYTES {
        return Err(Refusal::HeadersTooLarge);
    }
    Ok(())
}

/// The 503 of a request that did not complete within `limit`.
pub fn timed_out(api: ApiKind, limit: Duration) -> Response {
    let secs = limit.as_secs_f64();
    if api.is_oauth() {
        OAuthError::timeout(secs).into_response()
    } else {
        ApiError::Timeout(secs).into_response()
    }
}
