//! The page of a signed-in person's own consents (`GET /oauth/consents`)
//! and its revocation form (`POST /oauth/consents/revoke`, fields
//! `client_id` and `csrf`). The protocol side is `oauth::my_consents`.

use super::interaction::read_form;
use super::render::{ScopeLine, message, page};
use super::scope_words::describe;
use crate::http::RequestId;
use crate::http::paths::MY_CONSENTS_PATH;
use crate::oauth::interaction::Browser;
use crate::oauth::my_consents::{self, MyConsents, Revoked};
use crate::state::AppState;
use crate::store::StoreError;
use askama::Template;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One client's consent as the page shows it.
pub struct Line {
    pub client_id: String,
    pub client_name: String,
    pub scopes: Vec<ScopeLine>,
}

#[derive(Template)]
#[template(path = "my_consents.html")]
pub struct MyConsentsPage<'a> {
    pub email: &'a str,
    pub action: &'a str,
    pub csrf: &'a str,
    pub lines: Vec<Line>,
}

fn unavailable(e: &StoreError) -> Response {
    tracing::warn!(error = %e, "consents page: store error");
    message(
        StatusCode::SERVICE_UNAVAILABLE,
        "Temporarily unavailable",
        "This page is unavailable right now. Please try again in a moment.",
    )
}

fn not_signed_in() -> Response {
    message(
        StatusCode::UNAUTHORIZED,
        "Not signed in",
        "Sign in to an application first; this page then lists what you allowed.",
    )
}

fn draw(mine: &MyConsents) -> Response {
    let lines = mine
        .consents
        .iter()
        .map(|l| Line {
            client_id: l.consent.client_id.to_string(),
            client_name: l
                .client_name
                .clone()
                .unwrap_or_else(|| "A deleted application".to_owned()),
            scopes: l
                .consent
                .scopes
                .iter()
                .map(|s| ScopeLine {
                    scope: s.clone(),
                    description: describe(s),
                })
                .collect(),
        })
        .collect();
    let action = format!("{MY_CONSENTS_PATH}/revoke");
    let t = MyConsentsPage {
        email: &mine.user.email,
        action: &action,
        csrf: &mine.csrf,
        lines,
    };
    page(StatusCode::OK, &t, Vec::new())
}

pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let browser = Browser::from_headers(&state, &headers);
    match my_consents::list(&state, &browser).await {
        Ok(Some(mine)) => draw(&mine),
        Ok(None) => not_signed_in(),
        Err(e) => unavailable(&e),
    }
}

pub async fn revoke(State(state): State<AppState>, req: Request) -> Response {
    let trace = req
        .extensions()
        .get::<RequestId>()
        .map_or_else(String::new, |id| id.as_str().to_owned());
    let browser = Browser::from_headers(&state, req.headers());
    let form = read_form(req.into_body()).await.unwrap_or_default();
    let field = |k: &str| form.get(k).map_or("", String::as_str);
    match my_consents::revoke(&state, &browser, field("csrf"), field("client_id"), &trace).await {
        Ok(Revoked::Done) => {
            let mut res = StatusCode::SEE_OTHER.into_response();
            res.headers_mut()
                .insert(header::LOCATION, HeaderValue::from_static(MY_CONSENTS_PATH));
            res
        }
        Ok(Revoked::NotSignedIn) => not_signed_in(),
        Ok(Revoked::Forbidden) => message(
            StatusCode::FORBIDDEN,
            "Request refused",
            "This form is out of date. Open the page again and retry.",
        ),
        Err(e) => unavailable(&e),
    }
}
