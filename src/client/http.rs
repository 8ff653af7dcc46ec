//! The HTTP client of the command-line client: one reqwest client (rustls
//! for `https://`), no redirects followed (a bearer token is never sent on to
//! another address), and transport failures sorted into "unreachable".

use super::Error;
use super::error::ApiError;
use std::time::Duration;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Builds the client; `REGISTRAR_TIMEOUT` (seconds) overrides the time a
/// whole request may take.
pub fn client() -> Result<reqwest::Client, Error> {
    let timeout = std::env::var("REGISTRAR_TIMEOUT")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map_or(REQUEST_TIMEOUT, Duration::from_secs);
    reqwest::Client::builder()
        .user_agent(concat!("registrar-cli/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::other(format!("cannot set up HTTP: {}", chain(&e))))
}

/// Sends a request; a failure before any answer is `Unreachable`.
pub async fn send(request: reqwest::RequestBuilder) -> Result<reqwest::Response, Error> {
    request.send().await.map_err(|e| {
        if e.is_builder() {
            Error::other(format!("cannot build the request: {}", chain(&e)))
        } else {
            Error::Unreachable(chain(&e))
        }
    })
}

/// Reads a whole answer body.
pub async fn body(res: reqwest::Response) -> Result<Vec<u8>, Error> {
    res.bytes()
        .await
        .map(|b| b.to_vec())
        .map_err(|e| Error::Unreachable(format!("the answer broke off: {}", chain(&e))))
}

/// The `x-request-id` of an answer.
pub fn request_id(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Turns a non-2xx answer into an API error; 2xx answers pass through.
pub async fn check(res: reqwest::Response) -> Result<reqwest::Response, Error> {
    let status = res.status();
    if status.is_success() {
        return Ok(res);
    }
    if status.is_redirection() {
        let to = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(super::error::clean)
            .unwrap_or_default();
        return Err(Error::other(format!(
            "the server answered {status} (a redirect to `{to}`), which is not followed; \
             check the --server URL of this profile (https?)"
        )));
    }
    let id = request_id(&res);
    let bytes = body(res).await?;
    Err(Error::Api(ApiError::from_body(status.as_u16(), &bytes, id)))
}

/// An error and its sources on one line. reqwest's messages name the URL,
/// never headers or bodies.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
