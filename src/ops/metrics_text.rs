//! `GET /metrics`: the Prometheus text exposition (format 0.0.4) of the
//! registry (`metrics.rs`) and of the database pools and process memory.

use super::OpsState;
use super::metrics::{BUCKETS, Metrics, Series};
use crate::store::PoolStats;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::fmt::Write as _;
use std::sync::atomic::Ordering;

impl Metrics {
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
        counter(
            &mut out,
            "registrar_http_connections_refused_total",
            "HTTP connections closed at once because their remote address had --max-connections-per-address open.",
            &[("", self.connections_refused.load(Ordering::Relaxed))],
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
        let series = self.series();
        let labels = |(route, method, status, _): &(String, &str, u16, Series)| {
            format!(
                "route=\"{}\",method=\"{method}\",status=\"{status}\"",
                escape(route)
            )
        };
        let _ = writeln!(
            out,
            "# HELP http_requests_total Requests answered, by route template, method and status.\n# TYPE http_requests_total counter"
        );
        for k in &series {
            let _ = writeln!(out, "http_requests_total{{{}}} {}", labels(k), k.3.count);
        }
        let _ = writeln!(
            out,
            "# HELP http_request_duration_seconds Time from receiving a request to its response, by route template, method and status.\n# TYPE http_request_duration_seconds histogram"
        );
        for k in &series {
            let (l, s) = (labels(k), &k.3);
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
pub async fn metrics(State(state): State<OpsState>) -> Response {
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
    use crate::http::paths::ApiKind as Api;
    use crate::ops::metrics::method_label;
    use axum::http::Method;
    use std::time::Duration;

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
