//! The web console (contract §11): hand-written HTML, CSS and JavaScript
//! modules from `console/`, compiled into the binary and served at
//! `/console/`. The console is an ordinary `spa` client of its tenant: it
//! signs people in through `/oauth/authorize` and calls only the public
//! APIs with their tokens, so this room serves files and nothing else; it
//! imports neither `api/`, `oauth/` nor `store/` (the Layers table).
//!
//! Every path under `/console/` that is not under `/console/assets/` answers
//! `index.html`, so the console's own routes (`/console/clients/…`) survive a
//! reload; a missing asset is a 404.

mod assets;

use assets::Asset;
use axum::Router;
use axum::extract::OriginalUri;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

pub use assets::ASSETS;

/// Where the console lives.
pub const CONSOLE_PATH: &str = "/console/";

/// The console's policy: its own scripts and styles only (no inline code),
/// images from anywhere over https (clients' logos), requests to this origin.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
style-src 'self'; img-src 'self' https: data:; connect-src 'self'; form-action 'self'; \
base-uri 'none'; frame-ancestors 'none'";

/// The console's routes, for any state.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/console", get(to_console))
        .route("/console/", get(index))
        .route("/console/{*path}", get(path))
}

/// `/console` → `/console/`, keeping the query (`?client_id=…`).
async fn to_console(OriginalUri(uri): OriginalUri) -> Redirect {
    match uri.query() {
        Some(q) => Redirect::permanent(&format!("{CONSOLE_PATH}?{q}")),
        None => Redirect::permanent(CONSOLE_PATH),
    }
}

async fn index(headers: HeaderMap) -> Response {
    respond(assets::index(), &headers)
}

async fn path(OriginalUri(uri): OriginalUri, headers: HeaderMap) -> Response {
    let rest = uri.path().strip_prefix(CONSOLE_PATH).unwrap_or_default();
    if rest.starts_with("assets/") {
        match assets::find(rest) {
            Some(asset) => respond(asset, &headers),
            None => with_security_headers(StatusCode::NOT_FOUND.into_response()),
        }
    } else {
        respond(assets::index(), &headers)
    }
}

/// The file, or 304 when the browser's copy is current. Nothing is
/// fingerprinted (the modules import each other by name, with no build
/// step), so every file is revalidated (`no-cache`) by its `ETag`.
fn respond(asset: &'static Asset, headers: &HeaderMap) -> Response {
    let etag = asset.etag();
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut res = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            )],
            asset.bytes,
        )
            .into_response()
    };
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    with_security_headers(res)
}

/// The security headers of every console response.
fn with_security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
}
