//! `GET /health`: 200 when the store answers, else the 503 of the error table.

use super::OpsState;
use crate::http::ApiError;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub async fn health(State(state): State<OpsState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            r#"{"status":"ok"}"#,
        )
            .into_response(),
        Err(e) => ApiError::Unavailable(e.to_string()).into_response(),
    }
}
