//! Handlers of users (contract §7): the list (on the shared list endpoint,
//! `list.rs`), and create, get, patch, delete of one user. The
//! password is hashed off the worker threads (`ops::passwords`) before the
//! store's transaction begins, and never appears in a response.

use super::list::{self, ListEndpoint};
use super::origin::RequestOrigin;
use crate::domain::time::Timestamp;
use crate::domain::user::{NewUser, User, UserChange, UserId};
use crate::domain::user_rules::{apply_user_patch, parse_new_user, parse_user_patch};
use crate::http::ApiError;
use crate::http::Caller;
use crate::http::body::{Accept, read_json};
use crate::ops::passwords;
use crate::state::AppState;
use crate::store::StoreError;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The collection's path.
pub const PATH: &str = "/api/core/users";

impl ListEndpoint for User {
    const PATH: &'static str = PATH;
    const CURSOR_LABEL: &'static str = "cursor-v1 users";
    fn write_item(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        serde_json::to_writer(out, self)
    }
}

/// `GET /api/core/users`: filter, sort, keyset pages, links.
pub async fn list_users(
    State(state): State<AppState>,
    caller: axum::Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    list::list::<User>(&state, &caller, raw.as_deref()).await
}

/// Ids that could never have been issued are answered like unknown ones.
fn parse_id(id: &str) -> Result<UserId, ApiError> {
    UserId::parse(id).ok_or(ApiError::UserNotFound)
}

/// A store error on a users route: a rule the change broke names its field
/// with the users' code.
fn user_error(e: StoreError) -> ApiError {
    match e {
        StoreError::Invalid(v) => ApiError::InvalidUser(v),
        other => ApiError::from(other),
    }
}

async fn hash(password: crate::domain::user_rules::Password) -> Result<String, ApiError> {
    passwords::hash(password)
        .await
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e)))
}

pub async fn create_user(
    State(state): State<AppState>,
    caller: axum::Extension<Caller>,
    RequestOrigin(origin): RequestOrigin,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let body = read_json(&headers, body, Accept::Json).await?;
    let input = parse_new_user(&body).map_err(ApiError::InvalidUser)?;
    let (user, password) = input.into_user(UserId::generate(), Timestamp::now());
    let password_hash = hash(password).await?;
    state
        .store
        .insert_user(
            &caller.tenant,
            NewUser {
                user: &user,
                password_hash: &password_hash,
            },
            &origin,
        )
        .await
        .map_err(user_error)?;
    let mut res = (StatusCode::CREATED, Json(&user)).into_response();
    if let Ok(loc) = HeaderValue::from_str(&format!("{PATH}/{}", user.id)) {
        res.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(res)
}

pub async fn get_user(
    State(state): State<AppState>,
    caller: axum::Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let user = state
        .store
        .find_user(&caller.tenant, &id)
        .await?
        .ok_or(ApiError::UserNotFound)?;
    Ok(Json(user).into_response())
}

pub async fn patch_user(
    State(state): State<AppState>,
    caller: axum::Extension<Caller>,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let body = read_json(&headers, body, Accept::JsonOrJsonPatch).await?;
    let patch = parse_user_patch(&body).map_err(ApiError::InvalidUserPatch)?;
    let id = parse_id(&id)?;
    let password_hash = match patch.password() {
        Some(p) => Some(hash(p.clone()).await?),
        None => None,
    };
    let now = Timestamp::now();
    state
        .store
        .update_user(&caller.tenant, &id, &origin, body, |current| {
            Ok(UserChange {
                user: apply_user_patch(current, &patch, now)?,
                password_hash,
            })
        })
        .await
        .map_err(user_error)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn delete_user(
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
        return Err(ApiError::ConfirmUserDelete);
    }
    let id = parse_id(&id)?;
    state
        .store
        .delete_user(&caller.tenant, &id, Timestamp::now(), &origin)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
