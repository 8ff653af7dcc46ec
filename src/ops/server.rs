//! The HTTP/1.1 server loop: accepts connections up to
//! `ServerLimits::max_connections`, serves each with hyper under the header
//! limits and timeouts, and shuts down gracefully.
//!
//! `axum::serve` offers no configuration (no header read timeout, no header
//! size or connection limits), so this loop replaces it; it follows the same
//! shape: stop accepting on the shutdown signal, ask every connection to
//! finish its in-flight request, and return once all have closed.

use super::Ops;
use super::limits::{HTTP_MAX_HEADER_BYTES, HTTP_MAX_HEADERS};
use super::pipeline::Pipeline;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt as _;

/// The application as the accept loop serves it.
pub type App = Pipeline<Router>;

/// Serves `app` on `listener` until `shutdown` resolves, then finishes the
/// requests in flight.
pub async fn run(
    listener: TcpListener,
    app: App,
    ops: Arc<Ops>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let max = ops.limits.max_connections.max(1);
    ops.metrics.set_connection_limit(max);
    let permits = Arc::new(Semaphore::new(max));
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
        let conn = Connection {
            app: app.clone(),
            ops: ops.clone(),
            signal: signal_tx.clone(),
            close_rx: close_rx.clone(),
        };
        tokio::spawn(async move {
            conn.run(stream, remote).await;
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

struct Connection {
    app: App,
    ops: Arc<Ops>,
    signal: watch::Sender<()>,
    close_rx: watch::Receiver<()>,
}

impl Connection {
    async fn run(self, stream: TcpStream, remote: SocketAddr) {
        // Responses are small and written whole; Nagle would only add latency.
        let _ = stream.set_nodelay(true);
        self.ops.metrics.connection_opened();
        let service = self
            .app
            .clone()
            .map_request(move |req: axum::http::Request<Incoming>| {
                let mut req = req.map(Body::new);
                req.extensions_mut().insert(ConnectInfo(remote));
                req
            });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.ops.limits.header_read_timeout)
            .max_headers(HTTP_MAX_HEADERS)
            .max_header_size(HTTP_MAX_HEADER_BYTES);
        let conn =
            builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        tokio::pin!(conn);
        let mut draining = false;
        loop {
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                    break;
                }
                () = self.signal.closed(), if !draining => {
                    conn.as_mut().graceful_shutdown();
                    draining = true;
                }
            }
        }
        self.ops.metrics.connection_closed();
        drop(self.close_rx);
    }
}
