//! What every HTTP-facing layer shares: the error table ([`ApiError`] for the
//! management API and everything else, [`OAuthError`] for `/oauth/…`), the
//! step that writes error bodies, request ids, the authenticated [`Caller`],
//! JSON body reading, the endpoints' paths, and `no_store`.

pub mod body;
pub mod caller;
pub mod error;
mod error_response;
pub mod finish;
pub mod oauth_error;
pub mod paths;
pub mod remote;
pub mod request_id;

pub use caller::Caller;
pub use error::ApiError;
pub use oauth_error::OAuthError;
pub use remote::Remote;
pub use request_id::RequestId;

use crate::domain::ids::ClientId;
use axum::http::{HeaderValue, header};
use axum::response::Response;

/// `Cache-Control: no-store` and `Pragma: no-cache`: for responses that carry
/// a credential (RFC 6749 §5.1).
pub fn no_store(res: &mut Response) {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// Response extension naming the client an answer is about, whose
/// `allowedOrigins` decide its CORS headers (`oauth::cors`).
#[derive(Debug, Clone)]
pub struct CorsClient(pub ClientId);

/// Response extension marking an HTML page (the sign-in pages and the
/// authorization endpoint's error page): the finishing step leaves its body
/// as it is, whatever its status.
#[derive(Debug, Clone, Copy)]
pub struct HtmlBody;
