//! `GET /oauth/logout`: ends the session (`oauth::logout`) and either
//! redirects back to the client or shows that the person is signed out.

use super::render::{message, redirect};
use crate::oauth::interaction::Browser;
use crate::oauth::logout::{Outcome, logout as end_session};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

fn with_cookies(mut res: Response, cookies: Vec<HeaderValue>) -> Response {
    for c in cookies {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let browser = Browser::from_headers(&state, &headers);
    match end_session(&state, query.as_deref(), &browser).await {
        Ok(Outcome::Redirect(step)) => redirect(step),
        Ok(Outcome::SignedOut(cookies)) => with_cookies(
            message(
                StatusCode::OK,
                "Signed out",
                "You are signed out. You may close this window.",
            ),
            cookies,
        ),
        Ok(Outcome::UnknownRedirect(cookies)) => with_cookies(
            message(
                StatusCode::BAD_REQUEST,
                "Signed out",
                "You are signed out, but the return address (post_logout_redirect_uri) is not registered for the application, so you were not sent back.",
            ),
            cookies,
        ),
        Err(e) => {
            tracing::warn!(error = %e, "sign-out: store error");
            message(
                StatusCode::SERVICE_UNAVAILABLE,
                "Temporarily unavailable",
                "Sign-out is unavailable right now. Please try again in a moment.",
            )
        }
    }
}
