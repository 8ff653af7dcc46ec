//! The HTTP/1.1 server loop: accepts connections up to
//! `ServerLimits::max_connections` (and `max_connections_per_address` from
//! any one remote address), serves each with `connection.rs` under the
//! header, body and keep-alive limits, and shuts down gracefully.
//!
//! `axum::serve` offers no configuration (no header read timeout, no header
//! size or connection limits), so this loop replaces it; it follows the same
//! shape: stop accepting on the shutdown signal, ask every connection to
//! finish its in-flight request, and return once all have closed.

use super::Ops;
use super::connection::{App, Connection};
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

/// Which listener a loop serves: the main one counts toward the connection
/// metrics and limit; the operations listener (`--ops-listen`) only serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    Main,
    Ops,
}

/// Serves `app` on `listener` until `shutdown` resolves, then finishes the
/// requests in flight.
pub async fn run(
    listener: TcpListener,
    app: App,
    ops: Arc<Ops>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    run_as(Listener::Main, listener, app, ops, shutdown).await
}

/// [`run`], for either listener.
pub async fn run_as(
    kind: Listener,
    listener: TcpListener,
    app: App,
    ops: Arc<Ops>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let max = ops.limits.max_connections.max(1);
    if kind == Listener::Main {
        ops.metrics.set_connection_limit(max);
    }
    let permits = Arc::new(Semaphore::new(max));
    let per_address = PerAddress::new(ops.limits.max_connections_per_address);
    // `signal_tx.closed()` resolves once the shutdown signal has fired.
    let (signal_tx, signal_rx) = watch::channel(());
    tokio::spawn(async move {
        shutdown.await;
        drop(signal_rx);
    });
    // Every connection task holds a `close_rx`; `close_tx.closed()` resolves
    // when the last one has finished.
    let (close_tx, close_rx) = watch::channel(());
    loop {
        // Waiting for a permit before accepting leaves excess connections in
        // the kernel's backlog instead of taking memory here.
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = signal_tx.closed() => break,
        };
        let (stream, remote) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    accept_error(&e).await;
                    continue;
                }
            },
            () = signal_tx.closed() => break,
        };
        // One address may not hold every slot: over its share, the
        // connection is closed at once (and its permit freed).
        let Some(slot) = per_address.take(remote.ip()) else {
            ops.metrics.connection_refused();
            tracing::debug!(remote = %remote.ip(), "connection refused: too many from this address");
            continue;
        };
        let conn = Connection {
            app: app.clone(),
            ops: ops.clone(),
            signal: signal_tx.clone(),
            close_rx: close_rx.clone(),
        };
        tokio::spawn(async move {
            conn.run(stream, remote).await;
            drop(slot);
            drop(permit);
        });
    }
    drop(close_rx);
    drop(listener);
    close_tx.closed().await;
    Ok(())
}

/// Errors of `accept` that concern one connection are skipped; others (out of
/// file descriptors, say) are logged and retried after a pause, as
/// `axum::serve` does, rather than ending the server.
async fn accept_error(e: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accept failed; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// Open connections per remote address, capped.
struct PerAddress {
    max: usize,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One open connection of an address; dropping it frees the place.
struct AddressSlot {
    ip: IpAddr,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

fn lock(map: &Mutex<HashMap<IpAddr, usize>>) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
    map.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl PerAddress {
    fn new(max: usize) -> PerAddress {
        PerAddress {
            max: max.max(1),
            open: Arc::default(),
        }
    }

    /// A place for one more connection of `ip`, unless it has `max` already.
    fn take(&self, ip: IpAddr) -> Option<AddressSlot> {
        let mut open = lock(&self.open);
        let n = open.entry(ip).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(AddressSlot {
            ip,
            open: self.open.clone(),
        })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut open = lock(&self.open);
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_at_most_its_share_and_gets_it_back() {
        let per = PerAddress::new(2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = per.take(a).unwrap();
        let _second = per.take(a).unwrap();
        assert!(per.take(a).is_none(), "a third from the same address");
        assert!(per.take(b).is_some(), "another address is not affected");
        drop(first);
        assert!(per.take(a).is_some(), "a closed connection frees its place");
        drop(per.take(b));
        assert!(!lock(&per.open).contains_key(&b), "no entry left behind");
    }
}
