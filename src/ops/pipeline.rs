//! The request pipeline: one layer around the whole application that every
//! request passes, in this order:
//!
//! 1. a fresh [`RequestId`] (in the request's extensions; `x-request-id` and
//!    the error body's `traceId` on the way out);
//! 2. the header and URI limits (431, 414, before anything else runs);
//! 3. the request timeout (503 beyond `--request-timeout`), also the
//!    deadline of the request's list statements (`store::deadline`), which
//!    stop at it even when they run on the request's own thread;
//! 4. the finishing step (`http::finish`): every error response gets the
//!    body of its API;
//! 5. one metrics sample and one access line.
//!
//! It is a hand-written tower service rather than several `from_fn`
//! middlewares: each of those cost a boxed future, a state clone and an
//! extension round trip per request, together about two hello-world
//! requests' worth of time (`bench/ops.sh` measures the difference).
//! [`RecordRouteLayer`] runs after routing and tells the pipeline which route
//! template answered, for the log line and the metrics labels.

use super::Ops;
use super::access_line::{self, AccessLine};
use super::limits;
use crate::http::RequestId;
use crate::http::finish::finish_response;
use crate::http::paths::ApiKind;
use crate::store::deadline::{self, Deadline};
use axum::extract::{MatchedPath, Request};
use axum::response::Response;
use pin_project_lite::pin_project;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Instant;
use tower::{Layer, Service};

/// The pipeline, as a layer over the application's router.
#[derive(Clone)]
pub struct PipelineLayer {
    ops: Arc<Ops>,
}

impl PipelineLayer {
    pub fn new(ops: Arc<Ops>) -> PipelineLayer {
        PipelineLayer { ops }
    }
}

impl<S> Layer<S> for PipelineLayer {
    type Service = Pipeline<S>;
    fn layer(&self, inner: S) -> Pipeline<S> {
        Pipeline {
            inner,
            ops: self.ops.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Pipeline<S> {
    inner: S,
    ops: Arc<Ops>,
}

impl<S> Service<Request> for Pipeline<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let start = Instant::now();
        let seen = Seen {
            id: RequestId::next(),
            api: ApiKind::of_path(req.uri().path()),
            method: req.method().clone(),
            uri: req.uri().clone(),
            start,
        };
        let ops = self.ops.clone();
        if let Err(refusal) = limits::check(&req) {
            let res = refusal.into_response(seen.api);
            return Box::pin(std::future::ready(Ok(seen.complete(&ops, res))));
        }
        req.extensions_mut().insert(seen.id);
        // The service that was polled ready serves this request; a clone
        // stays for the next one (tower's usual swap).
        let fresh = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, fresh);
        Box::pin(async move {
            let limit = ops.limits.request_timeout;
            // The store's list statements stop at the same deadline.
            let deadline = Deadline::after(start, limit);
            let call = deadline::within(deadline, inner.call(req));
            let res = match tokio::time::timeout(limit, call).await {
                Ok(Ok(res)) => res,
                Ok(Err(never)) => match never {},
                Err(_) => limits::timed_out(seen.api, limit),
            };
            Ok(seen.complete(&ops, res))
        })
    }
}

/// What the pipeline keeps of a request while it runs.
struct Seen {
    id: RequestId,
    api: ApiKind,
    method: axum::http::Method,
    uri: axum::http::Uri,
    start: Instant,
}

impl Seen {
    /// Finishes the response, then records the metrics sample and the line.
    fn complete(self, ops: &Ops, res: Response) -> Response {
        let res = finish_response(res, self.id, &self.method, self.uri.path());
        let took = self.start.elapsed();
        let route = res
            .extensions()
            .get::<RouteName>()
            .map_or("(unmatched)", |r| r.0.as_str());
        ops.metrics
            .record(self.api, route, &self.method, res.status(), took);
        access_line::write(&AccessLine {
            method: &self.method,
            route,
            status: res.status(),
            took,
            id: self.id,
        });
        res
    }
}

/// The route template that answered a request (never the path itself, which
/// holds ids).
#[derive(Clone)]
pub struct RouteName(pub MatchedPath);

/// A route layer that copies the matched route template into the response.
#[derive(Clone, Copy, Default)]
pub struct RecordRouteLayer;

impl<S> Layer<S> for RecordRouteLayer {
    type Service = RecordRoute<S>;
    fn layer(&self, inner: S) -> RecordRoute<S> {
        RecordRoute { inner }
    }
}

#[derive(Clone)]
pub struct RecordRoute<S> {
    inner: S,
}

impl<S> Service<Request> for RecordRoute<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = RecordRouteFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let route = req.extensions().get::<MatchedPath>().cloned();
        RecordRouteFuture {
            inner: self.inner.call(req),
            route,
        }
    }
}

pin_project! {
    pub struct RecordRouteFuture<F> {
        #[pin]
        inner: F,
        route: Option<MatchedPath>,
    }
}

impl<F, E> Future for RecordRouteFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut res = ready!(this.inner.poll(cx))?;
        if let Some(route) = this.route.take() {
            res.extensions_mut().insert(RouteName(route));
        }
        Poll::Ready(Ok(res))
    }
}
