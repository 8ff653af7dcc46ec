//! `GET /metrics`: Prometheus text exposition (format 0.0.4) of request
//! counts and latencies by route and status, tokens issued, authentication
//! failures, HTTP connections and database pool statistics.
//!
//! The registry lives in `AppState`, not in a global recorder, so every
//! server in one process (the test suite starts many) counts on its own.
//! Labels are bounded: `route` is a route template or `(unmatched)`, `method`
//! is a known method or `OTHER`, and `status` is a three-digit code.

use crate::app::AppState;
use crate::store::PoolStats;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Which API a request was for, decided from its path before routing (so
/// requests refused by authentication are classified too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// `/api/…`: bearer-token authenticated.
    Management,
    /// `POST /oauth/token`.
    Token,
    /// Other `/oauth/…` routes that authenticate clients.
    OAuth,
    /// Everything else.
    Other,
}

impl Api {
    pub fn of_path(path: &str) -> Api {
        if path == "/api" || path.starts_with("/api/") {
            Api::Management
        } else if path == crate::oauth::metadata::TOKEN_PATH {
            Api::Token
        } else if path.starts_with("/oauth/") {
            Api::OAuth
        } else {
            Api::Other
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct SeriesKey {
    route: String,
    method: &'static str,
    status: u16,
}

#[derive(Debug, Default, Clone)]
struct Series {
    /// Non-cumulative counts per bucket; the last slot is `+Inf`.
    buckets: [u64; BUCKETS.len() + 1],
    sum_seconds: f64,
    count: u64,
}

/// The server's metrics registry.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<HashMap<SeriesKey, Series>>,
    tokens_issued: AtomicU64,
    auth_failures_management: AtomicU64,
    auth_failures_oauth: AtomicU64,
    connections_open: AtomicU64,
    connections_accepted: AtomicU64,
    connections_max: AtomicU64,
}

/// Known methods keep their name; anything else is `OTHER`, so a client
/// inventing methods cannot grow the registry.
fn method_label(m: &Method) -> &'static str {
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
        api: Api,
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
        let key = SeriesKey {
            route: route.to_owned(),
            method: method_label(method),
            status: status.as_u16(),
        };
        {
            let mut map = self
                .requests
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let s = map.entry(key).or_default();
            s.buckets[slot] += 1;
            s.sum_seconds += secs;
            s.count += 1;
        }
        match (api, status) {
            (Api::Token, StatusCode::OK) => {
                self.tokens_issued.fetch_add(1, Ordering::Relaxed);
            }
            (Api::Management, StatusCode::UNAUTHORIZED) => {
                self.auth_failures_management
                    .fetch_add(1, Ordering::Relaxed);
            }
            (Api::Token | Api::OAuth, StatusCode::UNAUTHORIZED) => {
                self.auth_failures_oauth.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }

    pub fn connection_opened(&self) {
        self.connections_open.fetch_add(1, Ordering::Relaxed);
        self.connections_accepted.fetch_add(1, Ordering::Relaxed);
    }

    pub fn connection_closed(&self) {
        self.connections_open.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn set_connection_limit(&self, max: usize) {
        self.connections_max
            .store(u64::try_from(max).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// The Prometheus text exposition of everything recorded so far.
    pub fn render(&self, pools: &[PoolStats]) -> String {
        let mut out = String::with_capacity(8192);
        self.render_requests(&mut out);
        let counter = |out: &mut String, name: &str, help: &str, lines: &[(&str, u64)]| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for (labels, v) in lines {
                let _ = writeln!(out, "{name}{labels} {v}");
            }
        };
        counter(
            &mut out,
            "registrar_tokens_issued_total",
            "Access tokens issued by the token endpoint.",
            &[("", self.tokens_issued.load(Ordering::Relaxed))],
        );
        counter(
            &mut out,
            "registrar_authentication_failures_total",
            "Failed authentications: 401 answers of the management API (bearer token) and of the OAuth endpoints (invalid_client).",
            &[
                (
                    "{api=\"management\"}",
                    self.auth_failures_management.load(Ordering::Relaxed),
                ),
                (
                    "{api=\"oauth\"}",
                    self.auth_failures_oauth.load(Ordering::Relaxed),
                ),
            ],
        );
        counter(
            &mut out,
            "registrar_http_connections_accepted_total",
            "HTTP connections accepted.",
            &[("", self.connections_accepted.load(Ordering::Relaxed))],
        );
        let gauge = |out: &mut String, name: &str, help: &str, lines: &[(String, u64)]| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
            for (labels, v) in lines {
                let _ = writeln!(out, "{name}{labels} {v}");
            }
        };
        gauge(
            &mut out,
            "registrar_http_connections_open",
            "HTTP connections open now.",
            &[(String::new(), self.connections_open.load(Ordering::Relaxed))],
        );
        gauge(
            &mut out,
            "registrar_http_connections_max",
            "Most HTTP connections served at once; more wait in the listen backlog.",
            &[(String::new(), self.connections_max.load(Ordering::Relaxed))],
        );
        let pool_lines = |f: fn(&PoolStats) -> u64| -> Vec<(String, u64)> {
            pools
                .iter()
                .map(|p| (format!("{{pool=\"{}\"}}", p.name), f(p)))
                .collect()
        };
        gauge(
            &mut out,
            "registrar_db_pool_connections",
            "Open database connections per pool (idle and in use).",
            &pool_lines(|p| u64::from(p.size)),
        );
        gauge(
            &mut out,
            "registrar_db_pool_idle_connections",
            "Idle database connections per pool.",
            &pool_lines(|p| p.idle as u64),
        );
        gauge(
            &mut out,
            "registrar_db_pool_max_connections",
            "Most database connections per pool.",
            &pool_lines(|p| u64::from(p.max)),
        );
        if let Some(rss) = resident_memory_bytes() {
            gauge(
                &mut out,
                "process_resident_memory_bytes",
                "Resident memory size in bytes.",
                &[(String::new(), rss)],
            );
        }
        out
    }

    fn render_requests(&self, out: &mut String) {
        let mut series: Vec<(SeriesKey, Series)> = {
            let map = self
                .requests
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
        };
        series.sort_by(|a, b| a.0.cmp(&b.0));
        let labels = |k: &SeriesKey| {
            format!(
                "route=\"{}\",method=\"{}\",status=\"{}\"",
                escape(&k.route),
                k.method,
                k.status
            )
        };
        let _ = writeln!(
            out,
            "# HELP http_requests_total Requests answered, by route template, method and status.\n# TYPE http_requests_total counter"
        );
        for (k, s) in &series {
            let _ = writeln!(out, "http_requests_total{{{}}} {}", labels(k), s.count);
        }
        let _ = writeln!(
            out,
            "# HELP http_request_duration_seconds Time from receiving a request to its response, by route template, method and status.\n# TYPE http_request_duration_seconds histogram"
        );
        for (k, s) in &series {
            let l = labels(k);
            let mut cumulative = 0;
            for (i, bound) in BUCKETS.iter().enumerate() {
                cumulative += s.buckets[i];
                let _ = writeln!(
                    out,
                    "http_request_duration_seconds_bucket{{{l},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{{l},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "http_request_duration_seconds_sum{{{l}}} {}",
                s.sum_seconds
            );
            let _ = writeln!(
                out,
                "http_request_duration_seconds_count{{{l}}} {}",
                s.count
            );
        }
    }
}

/// Escapes a label value (backslash, double quote, newline).
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The process's resident set size, where the OS tells it (Linux).
fn resident_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let body = state.ops.metrics.render(&state.store.pool_stats());
    let mut res = (StatusCode::OK, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative_and_counters_follow_status() {
        let m = Metrics::default();
        let route = "/api/core/oauth-clients/{id}";
        m.record(
            Api::Management,
            route,
            &Method::GET,
            StatusCode::OK,
            Duration::from_micros(300),
        );
        m.record(
            Api::Management,
            route,
            &Method::GET,
            StatusCode::OK,
            Duration::from_millis(30),
        );
        m.record(
            Api::Management,
            "(unmatched)",
            &Method::GET,
            StatusCode::UNAUTHORIZED,
            Duration::ZERO,
        );
        m.record(
            Api::Token,
            "/oauth/token",
            &Method::POST,
            StatusCode::OK,
            Duration::ZERO,
        );
        m.record(
            Api::Token,
            "/oauth/token",
            &Method::POST,
            StatusCode::UNAUTHORIZED,
            Duration::ZERO,
        );
        let text = m.render(&[PoolStats {
            name: "read",
            size: 2,
            idle: 1,
            max: 16,
        }]);
        let has = |line: &str| {
            assert!(
                text.lines().any(|l| l == line),
                "missing `{line}` in\n{text}"
            )
        };
        let l = "route=\"/api/core/oauth-clients/{id}\",method=\"GET\",status=\"200\"";
        has(&format!("http_requests_total{{{l}}} 2"));
        has(&format!(
            "http_request_duration_seconds_bucket{{{l},le=\"0.0005\"}} 1"
        ));
        has(&format!(
            "http_request_duration_seconds_bucket{{{l},le=\"0.025\"}} 1"
        ));
        has(&format!(
            "http_request_duration_seconds_bucket{{{l},le=\"0.05\"}} 2"
        ));
        has(&format!(
            "http_request_duration_seconds_bucket{{{l},le=\"+Inf\"}} 2"
        ));
        has(&format!("http_request_duration_seconds_count{{{l}}} 2"));
        has("registrar_tokens_issued_total 1");
        has("registrar_authentication_failures_total{api=\"management\"} 1");
        has("registrar_authentication_failures_total{api=\"oauth\"} 1");
        has("registrar_db_pool_max_connections{pool=\"read\"} 16");
    }

    #[test]
    fn invented_methods_share_one_label_and_values_are_escaped() {
        assert_eq!(method_label(&Method::from_bytes(b"FROB").unwrap()), "OTHER");
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
