//! `GET`/`POST /oauth/userinfo` (OpenID Connect Core §5.3): the claims of
//! the signed-in user a user access token stands for, by its scopes. The
//! token goes through the one liveness check (`access_token::check`); a
//! client's own token (client credentials) is not a user's and gets 401.

use super::access_token::{self, Refused};
use crate::domain::authorize::has_scope;
use crate::domain::ids::UserId;
use crate::http::{CorsClient, no_store};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// An RFC 6750 §3 refusal: 401 `invalid_token` with its challenge.
fn refuse(code: &'static str, status: StatusCode, description: &str) -> Response {
    let mut res = (
        status,
        Json(json!({"error": code, "error_description": description})),
    )
        .into_response();
    let challenge = format!(
        "Bearer realm=\"registrar\", error=\"{code}\", error_description=\"{description}\""
    );
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    res.extensions_mut()
        .insert(crate::http::oauth_error::OAuthBody);
    no_store(&mut res);
    res
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

pub async fn userinfo(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = bearer(&headers) else {
        let mut res = refuse(
            "invalid_request",
            StatusCode::UNAUTHORIZED,
            "a bearer access token is required",
        );
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"registrar\""),
        );
        return res;
    };
    let live = match access_token::check(&state, token).await {
        Ok(live) => live,
        Err(Refused::Store(e)) => return crate::http::OAuthError::from(e).into_response(),
        Err(_) => {
            return refuse(
                "invalid_token",
                StatusCode::UNAUTHORIZED,
                "the access token is invalid, expired or revoked",
            );
        }
    };
    let cors = CorsClient(live.client.clone());
    if !live.claims.is_user_token() {
        let mut res = refuse(
            "invalid_token",
            StatusCode::UNAUTHORIZED,
            "the access token is not a user's",
        );
        res.extensions_mut().insert(cors);
        return res;
    }
    let user = match UserId::parse(&live.claims.sub) {
        Some(id) => state.store.find_user(&live.tenant, &id).await,
        None => Ok(None),
    };
    let user = match user {
        Ok(Some(u)) => u,
        Ok(None) => {
            return refuse(
                "invalid_token",
                StatusCode::UNAUTHORIZED,
                "the token's user no longer exists",
            );
        }
        Err(e) => return crate::http::OAuthError::from(e).into_response(),
    };
    let scopes = live.scopes();
    let mut claims = Map::new();
    claims.insert("sub".into(), Value::from(user.id.as_str()));
    if has_scope(&scopes, "profile") {
        claims.insert("name".into(), Value::from(user.name.as_str()));
    }
    if has_scope(&scopes, "email") {
        claims.insert("email".into(), Value::from(user.email.as_str()));
    }
    let mut res = Json(Value::Object(claims)).into_response();
    no_store(&mut res);
    res.extensions_mut().insert(cors);
    res
}
