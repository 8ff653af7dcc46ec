//! Handlers of clients: the list (on the shared list endpoint, `list.rs`),
//! and create, get, patch, delete of one client.

use super::list::{self, ListEndpoint};
use super::origin::RequestOrigin;
use super::wire::{ClientResponse, PatchSecret};
use crate::domain::client_list::{ListedClient, Shown};
use crate::domain::client_record::{ClientRecord, NewClient};
use crate::domain::ids::ClientId;
use crate::domain::patch::{apply, parse_patch};
use crate::domain::patch_plan::{plan_patch, secret_to_draw};
use crate::domain::time::Timestamp;
use crate::domain::validate::{Mode, parse_config};
use crate::http::body::{Accept, read_json};
use crate::http::{ApiError, Caller, no_store};
use crate::state::AppState;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

impl ListEndpoint for ListedClient {
    const PATH: &'static str = "/api/core/oauth-clients";
    /// What every cursor was bound to before lists were generic.
    const CURSOR_LABEL: &'static str = "cursor-v1";

    /// The answer the store keeps, as it is; else drawn from the client.
    fn write_item(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        match &self.shown {
            Shown::Stored(wire) => {
                out.extend_from_slice(wire.as_bytes());
                Ok(())
            }
            Shown::Record(record) => serde_json::to_writer(out, &ClientResponse::new(record)),
        }
    }
}

/// `GET /api/core/oauth-clients`: filter, sort, keyset pages, links.
pub async fn list_clients(
    State(state): State<AppState>,
    caller: axum::Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    list::list::<ListedClient>(&state, &caller, raw.as_deref()).await
}

/// Ids that could never have been issued are answered like unknown ones.
pub fn parse_id(id: &str) -> Result<ClientId, ApiError> {
    ClientId::parse(id).ok_or(ApiError::ClientNotFound)
}

pub async fn create_client(
    State(state): State<AppState>,
    caller: axum::Extension<Caller>,
    RequestOrigin(origin): RequestOrigin,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let body = read_json(&headers, body, Accept::Json).await?;
    let config = parse_config(&body, Mode::Create)?;
    let client_id = ClientId::generate();
    let now = Timestamp::now();
    let secret = secret_to_draw(None, &config);
    let first_secret = secret.as_ref().map(|s| (s, caller.subject.as_str()));
    state
        .store
        .insert_client(
            &caller.tenant,
            NewClient {
                client_id: &client_id,
                config: &config,
                now,
                first_secret,
            },
            state.settings.max_clients_per_tenant,
            &origin,
        )
        .await?;
    let record = ClientRecord::created(client_id.clone(), config, now, first_secret);
    let mut wire = ClientResponse::new(&record);
    wire.client_secret = secret.as_ref().map(|s| s.plain.as_str());
    let mut res = (StatusCode::CREATED, Json(&wire)).into_response();
    // The body may carry the client's first secret.
    no_store(&mut res);
    if let Ok(loc) = HeaderValue::from_str(&format!("/api/core/oauth-clients/{client_id}")) {
        res.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(res)
}

pub async fn get_client(
    State(state): State<AppState>,
    caller: axum::Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let record = state
        .store
        .find_client(&caller.tenant, &id)
        .await?
        .ok_or(ApiError::ClientNotFound)?;
    Ok(Json(ClientResponse::new(&record)).into_response())
}

pub async fn patch_client(
    State(state): State<AppState>,
    caller: axum::Extension<Caller>,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let body = read_json(&headers, body, Accept::JsonOrJsonPatch).await?;
    let patch = parse_patch(&body).map_err(ApiError::InvalidPatch)?;
    let id = parse_id(&id)?;
    let plan = state
        .store
        .update_client(
            &caller.tenant,
            &id,
            Timestamp::now(),
            &origin,
            patch.operations(),
            |current| Ok(plan_patch(current, apply(&current.config, &patch)?)),
        )
        .await?;
    Ok(match plan.new_secret {
        Some(s) => {
            let body = PatchSecret {
                client_secret: s.plain,
            };
            let mut res = (StatusCode::ACCEPTED, Json(body)).into_response();
            no_store(&mut res);
            res
        }
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

pub async fn delete_client(
    State(state): State<AppState>,
    caller: axum::Extension<Caller>,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let confirmed = headers
        .get("qlik-confirm-delete")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == id);
    if !confirmed {
        return Err(ApiError::ConfirmDelete);
    }
    let id = parse_id(&id)?;
    state
        .store
        .delete_client(&caller.tenant, &id, Timestamp::now(), &origin)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
