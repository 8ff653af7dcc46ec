//! Reading JSON request bodies: media type (415), size (413), time (408),
//! syntax (400).
//!
//! Bodies are parsed into `serde_json::Value` and validated field by field in
//! `domain/`, so every complaint can name the field at fault.

use super::error::ApiError;
use axum::body::Body;
use axum::http::{HeaderMap, header};
use serde_json::Value;
use std::time::Duration;

/// The error a request body yields when it has not arrived within the
/// server's body-read timeout (`ops::connection` puts it there); readers
/// answer 408.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the request body did not arrive within {} s", .0.as_secs_f64())]
pub struct BodyReadTimeout(pub Duration);

/// The [`BodyReadTimeout`] behind a body-reading error, if that is what it is.
pub fn timed_out(e: &(dyn std::error::Error + 'static)) -> Option<BodyReadTimeout> {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if let Some(t) = c.downcast_ref::<BodyReadTimeout>() {
            return Some(*t);
        }
        cause = c.source();
    }
    None
}

/// Largest accepted management request body. A client with ten 4096-bit RSA
/// keys and every list at its maximum fits in well under half of this.
pub const MAX_BODY: usize = 64 * 1024;

/// Which media types a route accepts.
#[derive(Debug, Clone, Copy)]
pub enum Accept {
    Json,
    JsonOrJsonPatch,
}

fn media_type(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        v.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    )
}

pub async fn read_json(headers: &HeaderMap, body: Body, accept: Accept) -> Result<Value, ApiError> {
    let ok = matches!(
        (media_type(headers).as_deref(), accept),
        (Some("application/json"), _)
            | (Some("application/json-patch+json"), Accept::JsonOrJsonPatch)
    );
    if !ok {
        return Err(ApiError::UnsupportedMediaType(match accept {
            Accept::Json => "application/json",
            Accept::JsonOrJsonPatch => "application/json or application/json-patch+json",
        }));
    }
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|e| match timed_out(&e) {
            Some(t) => ApiError::BodyTimeout(t.0),
            None => ApiError::PayloadTooLarge(MAX_BODY),
        })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::InvalidBody(
            "body: a JSON body is required".into(),
        ));
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::InvalidBody(format!("body: not valid JSON ({e})")))
}
