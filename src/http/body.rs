//! Reading JSON request bodies: media type (415), size (413), syntax (400).
//!
//! Bodies are parsed into `serde_json::Value` and validated field by field in
//! `domain/`, so every complaint can name the field at fault.

use super::error::ApiError;
use axum::body::Body;
use axum::http::{HeaderMap, header};
use serde_json::Value;

/// Largest accepted management request body. A client with ten 8192-bit RSA
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
        .map_err(|_| ApiError::PayloadTooLarge(MAX_BODY))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::InvalidBody(
            "body: a JSON body is required".into(),
        ));
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::InvalidBody(format!("body: not valid JSON ({e})")))
}
