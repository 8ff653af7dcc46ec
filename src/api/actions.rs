//! `POST /api/core/oauth-clients/{id}/actions/revoke-tokens`: every access
//! token issued to the client so far is refused from then on (contract §4,
//! beyond the reference). The client's token generation moves forward
//! (`domain::token_liveness`); tokens issued afterwards work.

use super::clients::parse_id;
use super::origin::RequestOrigin;
use crate::domain::time::Timestamp;
use crate::http::{ApiError, Caller};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

pub async fn revoke_tokens(
    State(state): State<AppState>,
    caller: axum::Extension<Caller>,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    state
        .store
        .revoke_client_tokens(&caller.tenant, &id, Timestamp::now(), &origin)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
