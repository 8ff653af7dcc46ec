//! The one log line per request: method, route template, status, latency and
//! request id; never the query string, headers or body, which may carry
//! credentials.
//!
//! The pipeline formats it straight into a reused buffer, in the same shape
//! the log subscriber gives its own lines (text, or one JSON object with
//! `--log-format json`), and hands it to the batched access-line output of
//! `log_output.rs`. Going through the subscriber's field machinery cost
//! several allocations per request. `RUST_LOG` still decides: the line is
//! written only when the `registrar::access` target is enabled at INFO.

use super::log_output::{self, ACCESS_TARGET};
use crate::domain::time::Timestamp;
use crate::http::RequestId;
use axum::http::{Method, StatusCode};
use std::cell::RefCell;
use std::io::Write as _;
use std::time::Duration;

/// One request's figures.
pub struct AccessLine<'a> {
    pub method: &'a Method,
    pub route: &'a str,
    pub status: StatusCode,
    pub took: Duration,
    pub id: RequestId,
}

/// Whether access lines are wanted at all (a subscriber is installed and
/// `RUST_LOG` enables the access target).
pub fn enabled() -> bool {
    tracing::enabled!(target: ACCESS_TARGET, tracing::Level::INFO)
}

/// Writes the line, if access lines are enabled.
pub fn write(line: &AccessLine<'_>) {
    if !enabled() {
        return;
    }
    thread_local! {
        static BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    BUF.with_borrow_mut(|buf| {
        buf.clear();
        format_into(buf, line, log_output::is_json(), Timestamp::now());
        log_output::push_access_line(buf);
    });
}

/// A duration shown in milliseconds with three decimals (rounded to the
/// microsecond), written with integer arithmetic: float formatting was a
/// visible share of a request's time in profiles.
struct Millis(std::time::Duration);

impl std::fmt::Display for Millis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let micros = (self.0.as_nanos() + 500) / 1000;
        write!(f, "{}.{:03}", micros / 1000, micros % 1000)
    }
}

/// Formats `line` as the subscriber would: text
/// `TIME  INFO registrar::access: request method=… route=… status=… latency_ms=… request_id=…`
/// or one JSON object with the same fields and `timestamp`, `level`,
/// `message` and `target`.
fn format_into(buf: &mut Vec<u8>, line: &AccessLine<'_>, json: bool, now: Timestamp) {
    let latency_ms = Millis(line.took);
    let status = line.status.as_u16();
    if json {
        buf.extend_from_slice(b"{\"timestamp\":\"");
        now.write_rfc3339_into(buf);
        buf.extend_from_slice(b"\",\"level\":\"INFO\",\"message\":\"request\",\"method\":");
        push_json_string(buf, line.method.as_str());
        buf.extend_from_slice(b",\"route\":");
        push_json_string(buf, line.route);
        let _ = write!(
            buf,
            ",\"status\":{status},\"latency_ms\":\"{latency_ms}\",\"request_id\":\"{}\",\"target\":\"{ACCESS_TARGET}\"}}",
            line.id
        );
    } else {
        now.write_rfc3339_into(buf);
        let _ = write!(
            buf,
            "  INFO {ACCESS_TARGET}: request method={} route={} status={status} latency_ms={latency_ms} request_id={}",
            line.method, line.route, line.id
        );
    }
    buf.push(b'\n');
}

/// A JSON string literal of `s`.
fn push_json_string(buf: &mut Vec<u8>, s: &str) {
    // Route templates and method names are plain ASCII in practice; anything
    // else goes through serde_json's escaping.
    if s.bytes()
        .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
    {
        buf.push(b'"');
        buf.extend_from_slice(s.as_bytes());
        buf.push(b'"');
    } else {
        let _ = serde_json::to_writer(&mut *buf, s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(method: &Method) -> AccessLine<'_> {
        AccessLine {
            method,
            route: "/api/core/oauth-clients/{id}",
            status: StatusCode::NOT_FOUND,
            took: Duration::from_micros(1234),
            id: RequestId::next(),
        }
    }

    #[test]
    fn latency_has_three_decimals_rounded_to_the_microsecond() {
        let ms = |nanos| Millis(std::time::Duration::from_nanos(nanos)).to_string();
        assert_eq!(ms(0), "0.000");
        assert_eq!(ms(1_234_499), "1.234");
        assert_eq!(ms(1_234_500), "1.235");
        assert_eq!(ms(999_999_999), "1000.000");
        assert_eq!(ms(12_000_000_000), "12000.000");
    }

    #[test]
    fn the_json_line_is_one_object_with_the_subscribers_fields() {
        let mut buf = Vec::new();
        let now = Timestamp::from_unix_seconds(1_700_000_000);
        let l = line(&Method::PATCH);
        format_into(&mut buf, &l, true, now);
        assert_eq!(buf.last(), Some(&b'\n'));
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["timestamp"], "2023-11-14T22:13:20.000000Z");
        assert_eq!(v["level"], "INFO");
        assert_eq!(v["target"], ACCESS_TARGET);
        assert_eq!(v["message"], "request");
        assert_eq!(v["method"], "PATCH");
        assert_eq!(v["route"], "/api/core/oauth-clients/{id}");
        assert_eq!(v["status"], 404);
        assert_eq!(v["latency_ms"], "1.234");
        assert_eq!(v["request_id"], l.id.as_str());
    }

    #[test]
    fn the_text_line_names_every_field_and_odd_methods_stay_valid_json() {
        let mut buf = Vec::new();
        let now = Timestamp::from_unix_seconds(0);
        format_into(&mut buf, &line(&Method::GET), false, now);
        let text = String::from_utf8(buf).unwrap();
        assert!(text.starts_with("1970-01-01T00:00:00.000000Z  INFO registrar::access: request method=GET route=/api/core/oauth-clients/{id} status=404 latency_ms=1.234 request_id="), "{text}");
        let mut buf = Vec::new();
        let odd = Method::from_bytes(b"FR\"OB").unwrap_or(Method::GET);
        format_into(&mut buf, &line(&odd), true, now);
        assert!(serde_json::from_slice::<serde_json::Value>(&buf).is_ok());
    }
}
