//! The HTTP client of webhook deliveries: timeouts on connecting and on the
//! whole exchange, no redirects, no proxy, and a resolver that refuses
//! names resolving to loopback or private addresses (unless internal targets
//! are allowed), so a webhook cannot reach into the network Registrar runs
//! in, also when its name changes address after it was set.

use crate::domain::webhook::is_public;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::SocketAddr;
use std::time::Duration;

/// Longest wait for a connection to a receiver.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest a whole delivery may take (connect, send, answer).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Resolves names with the system resolver, keeping public addresses only.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = all.into_iter().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// The client deliveries are sent with.
pub fn client(allow_internal: bool) -> reqwest::Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("Registrar-Webhooks/", env!("CARGO_PKG_VERSION")));
    let builder = if allow_internal {
        builder
    } else {
        builder.dns_resolver(PublicOnly)
    };
    builder.build()
}
