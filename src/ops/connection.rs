//! One HTTP/1.1 connection, served by hyper under the limits that protect
//! the server from slow or idle clients:
//!
//! - the header section must arrive within `header_read_timeout` once
//!   hyper starts reading it (hyper's own timer);
//! - a request's whole body must arrive within `body_read_timeout` of its
//!   headers: the body handed to the application ([`TimedBody`]) fails with
//!   [`BodyReadTimeout`], which the body readers answer 408 and the
//!   connection closes;
//! - a connection with no request in progress and no byte received for
//!   `keep_alive_timeout` is closed ([`Activity`]), sooner than the header
//!   timeout would close it;
//! - on shutdown, the request in flight is finished and the connection
//!   closed.

use super::Ops;
use super::limits::{HTTP_MAX_HEADER_BYTES, HTTP_MAX_HEADERS};
use super::pipeline::Pipeline;
use crate::http::body::BodyReadTimeout;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use pin_project_lite::pin_project;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::{Instant, Sleep};
use tower::ServiceExt as _;

/// The application as a connection serves it.
pub type App = Pipeline<Router>;

pin_project! {
    /// A request body that fails with [`BodyReadTimeout`] once `deadline`
    /// has passed and the body is still incomplete. The timer exists only
    /// while the body is waited for.
    pub struct TimedBody {
        #[pin]
        inner: Incoming,
        deadline: Instant,
        limit: Duration,
        sleep: Option<Pin<Box<Sleep>>>,
    }
}

impl TimedBody {
    pub fn new(inner: Incoming, limit: Duration) -> TimedBody {
        TimedBody {
            inner,
            deadline: Instant::now() + limit,
            limit,
            sleep: None,
        }
    }
}

impl hyper::body::Body for TimedBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::BoxError>>> {
        let this = self.project();
        match this.inner.poll_frame(cx) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|f| f.map_err(Into::into))),
            Poll::Pending => {
                let deadline = *this.deadline;
                let sleep = this
                    .sleep
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        Poll::Ready(Some(Err(Box::new(BodyReadTimeout(*this.limit)))))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// What a connection is doing, for its keep-alive timeout: requests in
/// progress, whether any byte arrived since the last response, and when the
/// last response was done.
#[derive(Debug)]
struct Activity {
    in_flight: AtomicUsize,
    read: AtomicBool,
    idle_since: Mutex<Instant>,
}

impl Activity {
    fn new() -> Arc<Activity> {
        Arc::new(Activity {
            in_flight: AtomicUsize::new(0),
            read: AtomicBool::new(false),
            idle_since: Mutex::new(Instant::now()),
        })
    }

    fn idle_since(&self) -> std::sync::MutexGuard<'_, Instant> {
        self.idle_since
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// When the connection is idle past `timeout`: `None` while a request is
    /// in progress or bytes of the next one have arrived.
    fn idle_deadline(&self, timeout: Duration) -> Option<Instant> {
        let busy = self.in_flight.load(Ordering::Acquire) > 0 || self.read.load(Ordering::Acquire);
        (!busy).then(|| *self.idle_since() + timeout)
    }
}

/// Held while a request is in progress.
struct InFlight(Arc<Activity>);

impl InFlight {
    fn start(activity: &Arc<Activity>) -> InFlight {
        activity.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(activity.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        *self.0.idle_since() = Instant::now();
        self.0.read.store(false, Ordering::Release);
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A service that holds an [`InFlight`] while each of its requests runs.
#[derive(Clone)]
struct Tracked<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S, R> tower::Service<R> for Tracked<S>
where
    S: tower::Service<R>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = TrackedFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: R) -> TrackedFuture<S::Future> {
        TrackedFuture {
            in_flight: InFlight::start(&self.activity),
            inner: self.inner.call(req),
        }
    }
}

pin_project! {
    /// A response future and the request's [`InFlight`], dropped with it.
    struct TrackedFuture<F> {
        #[pin]
        inner: F,
        in_flight: InFlight,
    }
}

impl<F: Future> Future for TrackedFuture<F> {
    type Output = F::Output;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.project().inner.poll(cx)
    }
}

pin_project! {
    /// The socket, noting in [`Activity`] every time bytes arrive.
    struct Watched {
        #[pin]
        stream: TcpStream,
        activity: Arc<Activity>,
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.project();
        let before = buf.filled().len();
        let res = this.stream.poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.read.store(true, Ordering::Release);
        }
        res
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.project().stream.poll_write(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.project().stream.poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.project().stream.poll_shutdown(cx)
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        self.project().stream.poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// One accepted connection and what it needs to serve it.
pub struct Connection {
    pub app: App,
    pub ops: Arc<Ops>,
    /// Closed when the server shuts down.
    pub signal: watch::Sender<()>,
    /// Held until the connection ends, so shutdown can wait for it.
    pub close_rx: watch::Receiver<()>,
}

impl Connection {
    pub async fn run(self, stream: TcpStream, remote: SocketAddr) {
        // Responses are small and written whole; Nagle would only add latency.
        let _ = stream.set_nodelay(true);
        self.ops.metrics.connection_opened();
        let limits = &self.ops.limits;
        let activity = Activity::new();
        let body_limit = limits.body_read_timeout;
        let service = self
            .app
            .clone()
            .map_request(move |req: axum::http::Request<Incoming>| {
                let mut req = req.map(|b| Body::new(TimedBody::new(b, body_limit)));
                req.extensions_mut().insert(ConnectInfo(remote));
                req
            });
        let service = Tracked {
            inner: service,
            activity: activity.clone(),
        };
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .max_headers(HTTP_MAX_HEADERS)
            .max_header_size(HTTP_MAX_HEADER_BYTES);
        let io = TokioIo::new(Watched {
            stream,
            activity: activity.clone(),
        });
        let conn = builder.serve_connection(io, TowerToHyperService::new(service));
        tokio::pin!(conn);
        let keep_alive = limits.keep_alive_timeout;
        let idle = tokio::time::sleep(keep_alive);
        tokio::pin!(idle);
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
                () = idle.as_mut(), if !draining => {
                    match activity.idle_deadline(keep_alive) {
                        Some(at) if at <= Instant::now() => {
                            // Idle: hyper closes an idle connection at once.
                            conn.as_mut().graceful_shutdown();
                            draining = true;
                        }
                        Some(at) => idle.as_mut().reset(at),
                        None => idle.as_mut().reset(Instant::now() + keep_alive),
                    }
                }
            }
        }
        self.ops.metrics.connection_closed();
        drop(self.close_rx);
    }
}
