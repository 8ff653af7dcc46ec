//! The rows of [`ApiError`]'s table for the limits and for the database
//! being away: `HTTP-<status>` codes, each with a detail naming the limit.

use super::{ApiError, Row};
use axum::http::StatusCode;
use std::borrow::Cow;

/// The `Retry-After` of a 429 for too many expensive lists: they are
/// bounded by the request timeout, and most end much sooner.
pub const EXPENSIVE_LISTS_RETRY_SECS: u64 = 1;

impl ApiError {
    /// The rows of the limits and of the database being away: `HTTP-<status>`
    /// codes, each with a detail naming the limit.
    pub(super) fn limit_parts(&self) -> Row {
        use ApiError::*;
        let row = |status, code: &'static str, title, detail| {
            (status, Cow::Borrowed(code), title, detail)
        };
        match self {
            BodyTimeout(limit) => row(
                StatusCode::REQUEST_TIMEOUT,
                "HTTP-408",
                "Request timeout.",
                Some(format!(
                    "body: not received within {} s",
                    limit.as_secs_f64()
                )),
            ),
            PayloadTooLarge(limit) => row(
                StatusCode::PAYLOAD_TOO_LARGE,
                "HTTP-413",
                "Payload too large.",
                Some(format!("body: must be at most {limit} bytes")),
            ),
            UnsupportedMediaType(expected) => row(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "HTTP-415",
                "Unsupported media type.",
                Some(format!("Content-Type: must be {expected}")),
            ),
            UriTooLong(max) => row(
                StatusCode::URI_TOO_LONG,
                "HTTP-414",
                "URI too long.",
                Some(format!(
                    "uri: the path and query must be at most {max} bytes"
                )),
            ),
            HeadersTooLarge { fields, bytes } => row(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "HTTP-431",
                "Request header fields too large.",
                Some(format!(
                    "headers: at most {fields} fields and {bytes} bytes are accepted"
                )),
            ),
            RateLimited {
                retry_after_secs,
                per_minute,
            } => row(
                StatusCode::TOO_MANY_REQUESTS,
                "HTTP-429",
                "API rate limit reached.",
                Some(format!(
                    "Authorization: this caller may make {per_minute} such requests per minute; retry after {retry_after_secs} s"
                )),
            ),
            TooManyFailures {
                retry_after_secs,
                per_minute,
            } => row(
                StatusCode::TOO_MANY_REQUESTS,
                "HTTP-429",
                "API rate limit reached.",
                Some(format!(
                    "Authorization: too many refused access tokens from this address ({per_minute} per minute allowed); retry after {retry_after_secs} s"
                )),
            ),
            ExpensiveLists(max) => row(
                StatusCode::TOO_MANY_REQUESTS,
                "HTTP-429",
                "API rate limit reached.",
                Some(format!(
                    "filter: this tenant may run {max} expensive list queries at once (a filter with co, ew, ne, pr, not or or, or totalResults with a filter); retry after {EXPENSIVE_LISTS_RETRY_SECS} s"
                )),
            ),
            Timeout(secs) => row(
                StatusCode::SERVICE_UNAVAILABLE,
                "HTTP-503",
                "Service unavailable.",
                Some(format!(
                    "request: not completed within {secs} s; it may or may not have taken effect, so read before retrying a write"
                )),
            ),
            Unavailable(_) => row(
                StatusCode::SERVICE_UNAVAILABLE,
                "HTTP-503",
                "Service unavailable.",
                Some("the database is unreachable; try again later".into()),
            ),
            _ => row(
                StatusCode::INTERNAL_SERVER_ERROR,
                "HTTP-500",
                "Internal server error.",
                None,
            ),
        }
    }
}
