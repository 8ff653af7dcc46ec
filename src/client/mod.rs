//! The command-line client's side of the public HTTP API: profiles on disk,
//! token acquisition and renewal, one request helper with error mapping, and
//! pagination. It talks to a Registrar server only over HTTP, like any other
//! client would, and imports none of the server's modules.

pub mod assertion;
pub mod browser;
pub mod error;
pub mod http;
pub mod loopback;
pub mod oauth;
pub mod profile;
pub mod resource;
pub mod session;

pub use error::Error;

/// Seconds since the Unix epoch, by the local clock.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `n` random bytes, base64url-encoded without padding.
pub fn random_b64(n: usize) -> Result<String, Error> {
    use base64::Engine as _;
    let mut bytes = vec![0u8; n];
    aws_lc_rs::rand::fill(&mut bytes)
        .map_err(|_| Error::other("the system random number generator failed"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}
