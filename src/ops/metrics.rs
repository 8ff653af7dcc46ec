//! The metrics registry: request counts and latencies by route template,
//! method and status, tokens issued, authentication failures and HTTP
//! connections. `metrics_text.rs` renders it for `GET /metrics`.
//!
//! The registry lives in [`super::Ops`], not in a global recorder, so every
//! server in one process (the test suite starts many) counts on its own.
//! Labels are bounded: `route` is a route template or `(unmatched)`, `method`
//! is a known method or `OTHER`, and `status` is a three-digit code.
//! Recording a request allocates nothing once its series exists.

use crate::http::paths::ApiKind;
use axum::http::{Method, StatusCode};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency histogram buckets, in seconds.
pub(super) const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// One series: a method and status of one route.
#[derive(Debug, Default, Clone)]
pub(super) struct Series {
    /// Non-cumulative counts per bucket; the last slot is `+Inf`.
    pub buckets: [u64; BUCKETS.len() + 1],
    pub sum_seconds: f64,
    pub count: u64,
}

/// The series of one route, by method and status (a handful each).
type RouteSeries = Vec<(&'static str, u16, Series)>;

/// The server's metrics registry.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<HashMap<Box<str>, RouteSeries>>,
    pub(super) tokens_issued: AtomicU64,
    pub(super) auth_failures_management: AtomicU64,
    pub(super) auth_failures_oauth: AtomicU64,
    pub(super) connections_open: AtomicU64,
    pub(super) connections_accepted: AtomicU64,
    pub(super) connections_refused: AtomicU64,
    pub(super) connections_max: AtomicU64,
}

/// Known methods keep their name; anything else is `OTHER`, so a client
/// inventing methods cannot grow the registry.
pub(super) fn method_label(m: &Method) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT",
    ];
    KNOWN
        .into_iter()
        .find(|k| *k == m.as_str())
        .unwrap_or("OTHER")
}

impl Metrics {
    /// Records one finished request.
    pub fn record(
        &self,
        api: ApiKind,
        route: &str,
        method: &Method,
        status: StatusCode,
        took: Duration,
    ) {
        let secs = took.as_secs_f64();
        let slot = BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BUCKETS.len());
        let (method, code) = (method_label(method), status.as_u16());
        {
            let mut map = self
                .requests
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let series = match map.get_mut(route) {
                Some(s) => s,
                None => map.entry(route.into()).or_default(),
            };
            let i = match series
                .iter()
                .position(|(m, c, _)| *m == method && *c == code)
            {
                Some(i) => i,
                None => {
                    series.push((method, code, Series::default()));
                    series.len() - 1
                }
            };
            let s = &mut series[i].2;
            s.buckets[slot] += 1;
            s.sum_seconds += secs;
            s.count += 1;
        }
        match (api, status) {
            (ApiKind::Token, StatusCode::OK) => {
                self.tokens_issued.fetch_add(1, Ordering::Relaxed);
            }
            (ApiKind::Management, StatusCode::UNAUTHORIZED) => {
                self.auth_failures_management
                    .fetch_add(1, Ordering::Relaxed);
            }
            (ApiKind::Token | ApiKind::OAuth, StatusCode::UNAUTHORIZED) => {
                self.auth_failures_oauth.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }

    /// Every series, sorted by route, method and status.
    pub(super) fn series(&self) -> Vec<(String, &'static str, u16, Series)> {
        let map = self
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut all: Vec<_> = map
            .iter()
            .flat_map(|(route, series)| {
                series
                    .iter()
                    .map(|(m, c, s)| (route.to_string(), *m, *c, s.clone()))
            })
            .collect();
        all.sort_by(|a, b| (&a.0, a.1, a.2).cmp(&(&b.0, b.1, b.2)));
        all
    }

    pub fn connection_opened(&self) {
        self.connections_open.fetch_add(1, Ordering::Relaxed);
        self.connections_accepted.fetch_add(1, Ordering::Relaxed);
    }

    /// A connection closed at once: its address had its share open.
    pub fn connection_refused(&self) {
        self.connections_refused.fetch_add(1, Ordering::Relaxed);
    }

    pub fn connection_closed(&self) {
        self.connections_open.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn set_connection_limit(&self, max: usize) {
        self.connections_max
            .store(u64::try_from(max).unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}
