//! How an [`ApiError`] becomes a response: its status, the headers that go
//! with it (challenges, `Retry-After`, `Connection: close`) and the
//! [`ErrorInfo`](super::error::ErrorInfo) extension from which
//! `finish::finish_response` writes the body. The table itself is
//! `error.rs`.

use super::error::{ApiError, BEARER_REFUSED};
use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

impl ApiError {
    /// The headers that go with the error: the RFC 6750 challenges of 401
    /// and 403, and `Retry-After` on 429 and 503.
    pub(super) fn headers(&self, res: &mut Response) {
        let value = match self {
            ApiError::Unauthorized { presented: false } => Some((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"registrar\""),
            )),
            ApiError::Unauthorized { presented: true } => HeaderValue::from_str(&format!(
                "Bearer realm=\"registrar\", error=\"invalid_token\", error_description=\"{BEARER_REFUSED}\""
            ))
            .ok()
            .map(|v| (header::WWW_AUTHENTICATE, v)),
            ApiError::Forbidden(scope) => HeaderValue::from_str(&format!(
                "Bearer realm=\"registrar\", error=\"insufficient_scope\", scope=\"{scope}\""
            ))
            .ok()
            .map(|v| (header::WWW_AUTHENTICATE, v)),
            ApiError::RateLimited {
                retry_after_secs, ..
            }
            | ApiError::TooManyFailures {
                retry_after_secs, ..
            } => Some((header::RETRY_AFTER, HeaderValue::from(*retry_after_secs))),
            ApiError::ExpensiveLists(_) => Some((
                header::RETRY_AFTER,
                HeaderValue::from(super::error::EXPENSIVE_LISTS_RETRY_SECS),
            )),
            ApiError::Unavailable(_) | ApiError::Timeout(_) => {
                Some((header::RETRY_AFTER, HeaderValue::from_static("1")))
            }
            // The rest of the body may still be on its way: this connection
            // cannot carry another request.
            ApiError::BodyTimeout(_) => Some((header::CONNECTION, HeaderValue::from_static("close"))),
            _ => None,
        };
        if let Some((name, value)) = value {
            res.headers_mut().insert(name, value);
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Internal(e) => tracing::error!(error = %format!("{e:#}"), "internal error"),
            ApiError::Unavailable(e) => tracing::warn!(error = %e, "store unavailable"),
            ApiError::Timeout(secs) => {
                tracing::warn!(timeout_s = secs, "request not completed in time")
            }
            _ => {}
        }
        let (status, info) = self.info();
        let mut res = Response::new(Body::empty());
        *res.status_mut() = status;
        res.extensions_mut().insert(info);
        self.headers(&mut res);
        res
    }
}
