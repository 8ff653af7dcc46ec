//! The page of a paused authorization request (`GET
//! /oauth/interaction/{id}`: sign-in or consent, whichever it waits for) and
//! the consent form (`POST …/consent`, `decision=allow` or `deny`).

use super::render::{ConsentPage, ScopeLine, SignInPage, message, page, redirect};
use super::scope_words::describe;
use crate::http::RequestId;
use crate::http::paths::INTERACTION_PATH;
use crate::oauth::interaction::{self, Browser, PageFault, Resumed, View};
use crate::state::AppState;
use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use std::collections::HashMap;

/// Largest form accepted by the pages.
const MAX_FORM: usize = 8 * 1024;

/// A form body's fields (the last of a repeated name wins; the pages' forms
/// never repeat one).
pub async fn read_form(body: Body) -> Option<HashMap<String, String>> {
    let bytes = axum::body::to_bytes(body, MAX_FORM).await.ok()?;
    Some(url::form_urlencoded::parse(&bytes).into_owned().collect())
}

/// The page of a fault.
pub fn fault_page(f: &PageFault) -> Response {
    match f {
        PageFault::Expired => message(
            StatusCode::BAD_REQUEST,
            "Sign-in expired",
            "This sign-in has expired or was already completed. Go back to the application and start again.",
        ),
        PageFault::Forbidden => message(
            StatusCode::FORBIDDEN,
            "Request refused",
            "This form was not sent by the browser that started the sign-in, or it is out of date. Go back to the application and start again.",
        ),
        PageFault::Store(e) => {
            tracing::warn!(error = %e, "sign-in page: store error");
            message(
                StatusCode::SERVICE_UNAVAILABLE,
                "Temporarily unavailable",
                "Sign-in is unavailable right now. Please try again in a moment.",
            )
        }
    }
}

/// The sign-in page of `r`, with `email` filled in and an error, if any.
pub fn sign_in_page(r: &Resumed, email: &str, error: Option<&str>) -> Response {
    let action = format!("{INTERACTION_PATH}/{}/signin", r.plain);
    let t = SignInPage {
        client: &r.client_view,
        action: &action,
        csrf: &r.csrf,
        email,
        error,
    };
    page(StatusCode::OK, &t, r.client_view.form_actions.clone())
}

fn consent_page(r: &Resumed, scopes: &[String]) -> Response {
    let action = format!("{INTERACTION_PATH}/{}/consent", r.plain);
    let t = ConsentPage {
        client: &r.client_view,
        action: &action,
        csrf: &r.csrf,
        scopes: scopes
            .iter()
            .map(|s| ScopeLine {
                scope: s.clone(),
                description: describe(s),
            })
            .collect(),
    };
    page(StatusCode::OK, &t, r.client_view.form_actions.clone())
}

pub async fn show(
    State(state): State<AppState>,
    Path(ix): Path<String>,
    headers: HeaderMap,
) -> Response {
    let browser = Browser::from_headers(&state, &headers);
    match interaction::resume(&state, &ix, &browser, None).await {
        Ok(r) => match &r.view {
            View::SignIn { login_hint } => {
                sign_in_page(&r, login_hint.as_deref().unwrap_or(""), None)
            }
            View::Consent { scopes } => consent_page(&r, scopes),
        },
        Err(f) => fault_page(&f),
    }
}

pub async fn consent(
    State(state): State<AppState>,
    Path(ix): Path<String>,
    request: Option<Extension<RequestId>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let browser = Browser::from_headers(&state, &headers);
    let form = read_form(body).await.unwrap_or_default();
    let csrf = form.get("csrf").map_or("", String::as_str);
    let r = match interaction::resume(&state, &ix, &browser, Some(csrf)).await {
        Ok(r) => r,
        Err(f) => return fault_page(&f),
    };
    if r.wants_sign_in() {
        return fault_page(&PageFault::Forbidden);
    }
    let allow = match form.get("decision").map(String::as_str) {
        Some("allow") => true,
        Some("deny") => false,
        _ => {
            return message(
                StatusCode::BAD_REQUEST,
                "Invalid answer",
                "Choose Allow or Deny.",
            );
        }
    };
    let trace = request.map_or_else(String::new, |Extension(id)| id.as_str().to_owned());
    match interaction::finish_consent(&state, &r, allow, &trace).await {
        Ok(step) => redirect(step),
        Err(f) => fault_page(&f),
    }
}
