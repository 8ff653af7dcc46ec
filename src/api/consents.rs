//! A user's consents (contract §8: an allowed set of scopes is remembered
//! per user and client until an admin or the user revokes it), beyond the
//! reference: `GET /api/core/users/{id}/consents` lists them (`users:read`),
//! `DELETE /api/core/users/{id}/consents/{clientId}` forgets one and revokes
//! the grants it led to, their access and refresh tokens (`users:write`).
//! The next sign-in to that client asks for consent again.

use super::origin::RequestOrigin;
use crate::domain::audit::EventType;
use crate::domain::ids::ClientId;
use crate::domain::signin_records::Consent;
use crate::domain::time::Timestamp;
use crate::domain::user::UserId;
use crate::http::{ApiError, Caller};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// One consent on the wire.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentResponse {
    pub client_id: String,
    pub scopes: Vec<String>,
    pub granted_at: String,
}

#[derive(Debug, Serialize)]
pub struct ConsentsResponse {
    pub data: Vec<ConsentResponse>,
}

impl From<Consent> for ConsentResponse {
    fn from(c: Consent) -> Self {
        ConsentResponse {
            client_id: c.client_id.to_string(),
            scopes: c.scopes,
            granted_at: c.granted_at.to_rfc3339(),
        }
    }
}

/// The user `id` of the caller's tenant (404 `USERS-4` otherwise).
async fn user_of(state: &AppState, caller: &Caller, id: &str) -> Result<UserId, ApiError> {
    let id = UserId::parse(id).ok_or(ApiError::UserNotFound)?;
    state
        .store
        .find_user(&caller.tenant, &id)
        .await?
        .ok_or(ApiError::UserNotFound)?;
    Ok(id)
}

pub async fn list_consents(
    State(state): State<AppState>,
    caller: axum::Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<ConsentsResponse>, ApiError> {
    let user = user_of(&state, &caller, &id).await?;
    let consents = state
        .store
        .list_consents(&caller.tenant, user.as_str())
        .await?;
    Ok(Json(ConsentsResponse {
        data: consents.into_iter().map(ConsentResponse::from).collect(),
    }))
}

/// 204 whether or not there was a consent: the outcome is the same.
pub async fn revoke_consent(
    State(state): State<AppState>,
    caller: axum::Extension<Caller>,
    RequestOrigin(origin): RequestOrigin,
    Path((id, client)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let user = user_of(&state, &caller, &id).await?;
    if let Some(client) = ClientId::parse(&client) {
        let now = Timestamp::now();
        let data = serde_json::json!({"userId": user.as_str(), "clientId": client.as_str()});
        let event = origin.event(
            EventType::ConsentRevoked,
            Some(&caller.tenant),
            user.as_str(),
            now,
            data,
        );
        state
            .store
            .revoke_consent(&caller.tenant, user.as_str(), &client, now, &event)
            .await?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
