//! The remote address of a request, as the accept loop recorded it
//! (`ConnectInfo`); absent when the application is driven without a socket.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// The peer's IP address, if the request came over a socket.
#[derive(Debug, Clone, Copy)]
pub struct Remote(pub Option<IpAddr>);

impl Remote {
    pub fn of(extensions: &axum::http::Extensions) -> Remote {
        Remote(
            extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        )
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Remote {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Remote, Infallible> {
        Ok(Remote::of(&parts.extensions))
    }
}
