//! The last step of every response: its `x-request-id` header and, for an
//! error, the reference's error body with the request id as `traceId`.
//!
//! An error response is one of three kinds, told apart by a marker each
//! carries, never by its content: an [`ApiError`] (its [`ErrorInfo`]
//! extension), an OAuth error (the [`OAuthBody`] extension: its RFC 6749 body
//! is already written and stays), or a bare status the router made itself
//! (unknown route, wrong method), which becomes [`ApiError::Route`]. So no
//! error leaves the server without a body.

use super::error::{ApiError, ErrorInfo};
use super::oauth_error::OAuthBody;
use super::request_id::RequestId;
use axum::body::Body;
use axum::http::{HeaderValue, Method, header};
use axum::response::Response;
use serde::Serialize;

#[derive(Serialize)]
struct ErrorEntry<'a> {
    code: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
    status: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody<'a> {
    errors: [ErrorEntry<'a>; 1],
    trace_id: &'a str,
}

/// Marks the response with its request id and writes the body of an error.
pub fn finish_response(mut res: Response, id: RequestId, method: &Method, path: &str) -> Response {
    res.headers_mut().insert("x-request-id", id.header_value());
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error())
        || res.extensions().get::<OAuthBody>().is_some()
        || res.extensions().get::<super::HtmlBody>().is_some()
    {
        return res;
    }
    let info = match res.extensions_mut().remove::<ErrorInfo>() {
        Some(info) => info,
        None => {
            if status.as_u16() == 400 || status.is_server_error() {
                tracing::debug!(%status, "framework error response rewritten");
            }
            let route = ApiError::Route {
                status,
                method: method.as_str().to_owned(),
                path: path.to_owned(),
            };
            route.info().1
        }
    };
    let status_text = status.as_u16().to_string();
    let body = ErrorBody {
        errors: [ErrorEntry {
            code: &info.code,
            title: &info.title,
            detail: info.detail.as_deref(),
            status: &status_text,
        }],
        trace_id: id.as_str(),
    };
    let json = serde_json::to_vec(&body).unwrap_or_default();
    let (mut parts, _) = res.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(json))
}
