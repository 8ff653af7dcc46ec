//! Handlers for a client's secrets: create one, delete one by hint.

use super::clients::parse_id;
use super::origin::RequestOrigin;
use super::wire::SecretCreated;
use crate::domain::time::Timestamp;
use crate::http::{ApiError, Caller, no_store};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

pub async fn create_secret(
    State(state): State<AppState>,
    caller: axum::Extension<Caller>,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let (info, plain) = state
        .store
        .add_secret(&caller.tenant, &id, Timestamp::now(), &origin)
        .await?;
    let body = SecretCreated {
        hint: info.hint,
        client_id: id.to_string(),
        created_at: info.created_at.to_rfc3339(),
        created_by: info.created_by,
        client_secret: plain,
    };
    let mut res = (StatusCode::CREATED, Json(body)).into_response();
    no_store(&mut res);
    Ok(res)
}

pub async fn delete_secret(
    State(state): State<AppState>,
    caller: axum::Extension<Caller>,
    RequestOrigin(origin): RequestOrigin,
    Path((id, hint)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    // Hints are short runs of lowercase letters and digits; anything else
    // was never issued (and never reaches the store).
    let plausible = (1..=64).contains(&hint.len())
        && hint
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !plausible {
        return Err(ApiError::SecretNotFound);
    }
    state
        .store
        .delete_secret(&caller.tenant, &id, &hint, Timestamp::now(), &origin)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
