//! CORS (contract §8) for the endpoints a browser application calls: the
//! token, revocation and userinfo endpoints and the management API answer
//! `Access-Control-Allow-Origin` with the request's `Origin` only when it is
//! in the `allowedOrigins` of the client concerned (the handler names that
//! client with a [`CorsClient`] response extension: the client that
//! authenticated or was named, or the bearer token's client), error answers
//! included; the discovery documents and the JWKS answer `*`. Preflights
//! (`OPTIONS`) are answered here, before the management API's
//! authentication, since they carry no token.
//!
//! A preflight names no client, so it is answered for any well-formed
//! origin: it only lets the browser send the request, whose answer stays
//! unreadable to the page unless that answer allows the origin.

use crate::domain::uris::check_origin;
use crate::http::CorsClient;
use crate::http::paths::{
    JWKS_PATH, METADATA_PATH, OPENID_CONFIGURATION_PATH, REVOCATION_PATH, TOKEN_PATH, USERINFO_PATH,
};
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// How a path answers cross-origin requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Public documents: any origin.
    Public,
    /// Client-specific answers: the client's allowed origins only.
    Client {
        methods: &'static str,
        headers: &'static str,
    },
}

fn kind_of(path: &str) -> Option<Kind> {
    const OAUTH_HEADERS: &str = "Authorization, Content-Type";
    match path {
        METADATA_PATH | OPENID_CONFIGURATION_PATH | JWKS_PATH => Some(Kind::Public),
        TOKEN_PATH | REVOCATION_PATH => Some(Kind::Client {
            methods: "POST",
            headers: OAUTH_HEADERS,
        }),
        USERINFO_PATH => Some(Kind::Client {
            methods: "GET, POST",
            headers: OAUTH_HEADERS,
        }),
        p if p.starts_with("/api/core/") => Some(Kind::Client {
            methods: "GET, POST, PATCH, DELETE",
            headers: "Authorization, Content-Type, qlik-confirm-delete",
        }),
        _ => None,
    }
}

/// The request's `Origin`, if it is one origin of the right shape.
fn origin(headers: &HeaderMap) -> Option<HeaderValue> {
    let v = headers.get(header::ORIGIN)?;
    check_origin(v.to_str().ok()?).ok()?;
    Some(v.clone())
}

fn vary(res: &mut Response) {
    res.headers_mut()
        .append(header::VARY, HeaderValue::from_static("Origin"));
}

fn preflight(kind: Kind, origin: HeaderValue) -> Response {
    let mut res = StatusCode::NO_CONTENT.into_response();
    let h = res.headers_mut();
    let (allow_origin, methods, headers) = match kind {
        Kind::Public => (HeaderValue::from_static("*"), "GET", "Content-Type"),
        Kind::Client { methods, headers } => (origin, methods, headers),
    };
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(methods),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(headers),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    vary(&mut res);
    res
}

/// Whether `origin` is one of the allowed origins of the client the answer
/// is about.
async fn client_allows(state: &AppState, about: Option<CorsClient>, origin: &HeaderValue) -> bool {
    let Some(CorsClient(id)) = about else {
        return false;
    };
    let Ok(Some(client)) = state.store.find_auth_client(&id).await else {
        return false;
    };
    let origin = origin.to_str().unwrap_or_default();
    client
        .config
        .allowed_origins
        .as_deref()
        .is_some_and(|allowed| allowed.iter().any(|a| a == origin))
}

/// Middleware: answers preflights and adds the CORS headers to answers.
pub async fn cors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(kind) = kind_of(req.uri().path()) else {
        return next.run(req).await;
    };
    let origin = origin(req.headers());
    if req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
        && let Some(origin) = origin
    {
        return preflight(kind, origin);
    }
    let mut res = next.run(req).await;
    let Some(origin) = origin else {
        return res;
    };
    vary(&mut res);
    let allow = match kind {
        Kind::Public => Some(HeaderValue::from_static("*")),
        Kind::Client { .. } => {
            let about = res.extensions().get::<CorsClient>().cloned();
            client_allows(&state, about, &origin)
                .await
                .then_some(origin)
        }
    };
    if let Some(v) = allow {
        let h = res.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("WWW-Authenticate, Retry-After, Location, x-request-id"),
        );
    }
    res
}
