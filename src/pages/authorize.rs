//! `GET /oauth/authorize`: runs the protocol's state machine
//! (`oauth::authorize`) and draws its untrusted faults as an error page;
//! every other answer is a redirect.

use super::render::{message, redirect};
use crate::domain::redirect::RedirectFault;
use crate::oauth::authorize::{self, Untrusted};
use crate::oauth::interaction::Browser;
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

/// The error page of a request that cannot be sent back to its client.
pub fn untrusted_page(fault: &Untrusted) -> Response {
    let (status, title, text) = match fault {
        Untrusted::UnknownClient => (
            StatusCode::BAD_REQUEST,
            "Unknown application",
            "The application that sent you here is not registered, so you cannot be sent back to it.".to_owned(),
        ),
        Untrusted::CannotSignIn => (
            StatusCode::BAD_REQUEST,
            "Sign-in not available",
            "This application is not set up to sign people in.".to_owned(),
        ),
        Untrusted::Redirect(f) => (
            StatusCode::BAD_REQUEST,
            "Invalid return address",
            match f {
                RedirectFault::NoneRegistered => "The application has no return address (redirect URI) registered.",
                RedirectFault::Ambiguous => {
                    "The request names no return address (redirect_uri) and the application has several."
                }
                RedirectFault::NotRegistered => {
                    "The return address (redirect_uri) is not one registered for this application."
                }
            }
            .to_owned(),
        ),
        Untrusted::Invalid(m) => (StatusCode::BAD_REQUEST, "Invalid request", m.clone()),
        Untrusted::Unavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Temporarily unavailable",
            "Sign-in is unavailable right now. Please try again in a moment.".to_owned(),
        ),
    };
    message(status, title, &text)
}

pub async fn authorize(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let browser = Browser::from_headers(&state, &headers);
    match authorize::authorize(&state, query.as_deref(), &browser).await {
        Ok(step) => redirect(step),
        Err(fault) => untrusted_page(&fault),
    }
}
