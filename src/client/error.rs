//! What can go wrong in the command-line client, and the exit status of each
//! (issue 16): 1 for an answer the server refused and for local faults, 2 for
//! usage errors, 3 when the server cannot be reached.
//!
//! No variant ever holds a secret or a token: messages are built from status
//! codes, the server's error fields, URLs and file names only.

use serde_json::Value;
use std::fmt;

/// Exit status of an API error or a local fault.
pub const EXIT_FAILURE: u8 = 1;
/// Exit status of a usage error (the same as clap's).
pub const EXIT_USAGE: u8 = 2;
/// Exit status when the server cannot be reached.
pub const EXIT_UNREACHABLE: u8 = 3;

#[derive(Debug)]
pub enum Error {
    /// The management API answered with an error status (exit 1).
    Api(ApiError),
    /// An OAuth endpoint refused with an RFC 6749 §5.2 body (exit 1).
    OAuth {
        status: u16,
        error: String,
        description: Option<String>,
    },
    /// No answer: connection refused, DNS, TLS, timeout (exit 3).
    Unreachable(String),
    /// The command line asks for something it cannot have (exit 2).
    Usage(String),
    /// Anything else: files, unexpected answers (exit 1).
    Other(String),
}

/// The reference's error body: `{"errors":[{"code","title","detail","status"}],"traceId"}`.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub code: Option<String>,
    pub title: Option<String>,
    pub detail: Option<String>,
    pub trace_id: Option<String>,
}

impl ApiError {
    /// Reads an error answer; `body` need not be JSON (a proxy's page, say),
    /// in which case only the status and the `x-request-id` are kept. The
    /// body itself is never echoed.
    pub fn from_body(status: u16, body: &[u8], request_id: Option<String>) -> ApiError {
        let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let first = &json["errors"][0];
        let text = |v: &Value| v.as_str().map(clean);
        ApiError {
            status,
            code: text(&first["code"]),
            title: text(&first["title"]),
            detail: text(&first["detail"]),
            trace_id: text(&json["traceId"]).or(request_id.map(|r| clean(&r))),
        }
    }
}

/// Strips control characters from text the server sent, so that nothing it
/// says can move the cursor or recolour the user's terminal.
pub fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

impl Error {
    pub fn other(msg: impl Into<String>) -> Error {
        Error::Other(msg.into())
    }

    pub fn usage(msg: impl Into<String>) -> Error {
        Error::Usage(msg.into())
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Api(_) | Error::OAuth { .. } | Error::Other(_) => EXIT_FAILURE,
            Error::Usage(_) => EXIT_USAGE,
            Error::Unreachable(_) => EXIT_UNREACHABLE,
        }
    }

    /// The OAuth error code, when this is an OAuth refusal.
    pub fn oauth_code(&self) -> Option<&str> {
        match self {
            Error::OAuth { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::OAuth { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => write_api_error(f, e),
            Error::OAuth {
                status,
                error,
                description,
            } => {
                write!(
                    f,
                    "the authorization server refused (HTTP {status}): {error}"
                )?;
                if let Some(d) = description {
                    write!(f, ": {d}")?;
                }
                Ok(())
            }
            Error::Unreachable(msg) => write!(f, "cannot reach the server: {msg}"),
            Error::Usage(msg) | Error::Other(msg) => f.write_str(msg),
        }
    }
}

fn write_api_error(f: &mut fmt::Formatter<'_>, e: &ApiError) -> fmt::Result {
    let reason = reqwest::StatusCode::from_u16(e.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    write!(f, "HTTP {} {reason}", e.status)?;
    match &e.title {
        Some(title) => write!(f, ": {title}")?,
        None => f.write_str(" (the answer carried no API error body)")?,
    }
    if let Some(code) = &e.code {
        write!(f, " [{code}]")?;
    }
    if let Some(detail) = &e.detail {
        write!(f, "\n  detail: {detail}")?;
    }
    if let Some(trace) = &e.trace_id {
        write!(f, "\n  traceId: {trace}")?;
    }
    if e.status == 401 {
        f.write_str(
            "\n  hint: the stored credentials no longer work; run `registrar login` again",
        )?;
    }
    Ok(())
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::Other(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_error_shows_title_detail_code_and_trace_id() {
        let body = br#"{"errors":[{"code":"OAUTH-CLIENTS-2","title":"Not found","detail":"no client `x`","status":"404"}],"traceId":"t-1"}"#;
        let shown = Error::Api(ApiError::from_body(404, body, None)).to_string();
        for part in [
            "HTTP 404 Not Found",
            "Not found",
            "OAUTH-CLIENTS-2",
            "no client `x`",
            "traceId: t-1",
        ] {
            assert!(shown.contains(part), "{part} missing in {shown}");
        }
    }

    #[test]
    fn a_body_that_is_not_an_error_body_is_not_echoed() {
        let e = ApiError::from_body(502, b"<html>secret-ish page</html>", Some("r-9".into()));
        let shown = Error::Api(e).to_string();
        assert!(!shown.contains("secret-ish"), "{shown}");
        assert!(shown.contains("traceId: r-9"), "{shown}");
    }

    #[test]
    fn control_characters_from_the_server_are_blanked() {
        assert_eq!(clean("a\u{1b}[31mb\nc"), "a [31mb c");
    }

    #[test]
    fn exit_codes() {
        assert_eq!(Error::usage("x").exit_code(), 2);
        assert_eq!(Error::Unreachable("x".into()).exit_code(), 3);
        assert_eq!(Error::other("x").exit_code(), 1);
    }
}
