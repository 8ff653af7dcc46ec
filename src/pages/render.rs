//! Turning templates into responses: every page is `text/html`, marked so
//! the finishing step keeps its body, and carries the `form-action` sources
//! its form needs. Also the stylesheet, compiled into the binary.

use super::headers::FormActions;
use crate::http::HtmlBody;
use crate::oauth::authorize::Step;
use crate::oauth::interaction::ClientView;
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A page with a title and one message.
#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub title: &'a str,
    pub message: &'a str,
}

/// One requested scope as the consent page shows it.
pub struct ScopeLine {
    pub scope: String,
    pub description: String,
}

#[derive(Template)]
#[template(path = "signin.html")]
pub struct SignInPage<'a> {
    pub client: &'a ClientView,
    pub action: &'a str,
    pub csrf: &'a str,
    pub email: &'a str,
    pub error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "consent.html")]
pub struct ConsentPage<'a> {
    pub client: &'a ClientView,
    pub action: &'a str,
    pub csrf: &'a str,
    pub scopes: Vec<ScopeLine>,
}

/// A rendered page with its status; `form_actions` for its CSP.
pub fn page(status: StatusCode, t: &impl Template, form_actions: Vec<String>) -> Response {
    let body = match t.render() {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "page template failed");
            return message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "Please try again later.",
            );
        }
    };
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res.extensions_mut().insert(HtmlBody);
    res.extensions_mut().insert(FormActions(form_actions));
    res
}

/// A page with one message.
pub fn message(status: StatusCode, title: &str, message: &str) -> Response {
    page(status, &MessagePage { title, message }, Vec::new())
}

/// The browser's next step: a `303 See Other` (after a form's `POST` too,
/// the client's redirect URI is then fetched with `GET`).
pub fn redirect(step: Step) -> Response {
    let Ok(location) = HeaderValue::from_str(&step.location) else {
        return message(
            StatusCode::BAD_REQUEST,
            "Cannot continue",
            "The return address is not usable.",
        );
    };
    let mut res = StatusCode::SEE_OTHER.into_response();
    res.headers_mut().insert(header::LOCATION, location);
    for c in step.cookies {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

/// The pages' stylesheet.
pub async fn stylesheet() -> Response {
    let mut res = include_str!("../../assets/registrar.css").into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    res
}
