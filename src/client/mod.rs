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

#[cfg(test)]
mod tests {
    /// The client is a client of the public HTTP API only: none of its files
    /// may reach into the server's modules. Each file also starts with its
    /// `//!` header and stays under 400 lines.
    #[test]
    fn the_client_uses_none_of_the_servers_modules() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/client");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.display();
            for module in [
                "app", "api", "cli", "config", "domain", "filter", "oauth", "ops", "store",
            ] {
                assert!(
                    !text.contains(&format!("crate::{module}")),
                    "{name} uses crate::{module}"
                );
            }
            assert!(text.starts_with("//!"), "{name} has no //! header");
            assert!(text.lines().count() < 400, "{name} is over 400 lines");
            seen += 1;
        }
        assert!(seen >= 9, "read {seen} files");
    }
}
