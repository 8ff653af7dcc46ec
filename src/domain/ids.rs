//! Identifier newtypes and the random-string generator they share.

use std::fmt;

/// Lowercase letters and digits: the alphabet of client ids, tenant ids and secrets.
pub const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// Returns `len` characters drawn uniformly from `[a-z0-9]` by the system CSPRNG.
///
/// Bytes of 252 and above are discarded so that `byte % 36` is unbiased.
pub fn random_alnum(len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        // A failing system RNG leaves no safe way to mint credentials; abort loudly.
        aws_lc_rs::rand::fill(&mut buf).expect("system random number generator failed");
        for &b in &buf {
            if b < 252 && out.len() < len {
                out.push(char::from(ALPHABET[usize::from(b % 36)]));
            }
        }
    }
    out
}

/// Length of a client id.
pub const CLIENT_ID_LEN: usize = 32;

/// The id of a tenant; every stored row of a tenant carries it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TenantId(String);

impl TenantId {
    pub fn generate() -> Self {
        Self(random_alnum(32))
    }
    /// Wraps an id read from the store or from a verified token.
    pub fn from_trusted(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id of an OAuth client: 32 random lowercase letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientId(String);

impl ClientId {
    pub fn generate() -> Self {
        Self(random_alnum(CLIENT_ID_LEN))
    }
    /// Accepts only strings of the shape we generate, so that anything else can
    /// be answered with 404 without touching the store.
    pub fn parse(s: &str) -> Option<Self> {
        let ok = s.len() == CLIENT_ID_LEN
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        ok.then(|| Self(s.to_owned()))
    }
    pub fn from_trusted(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Length of a user id.
pub const USER_ID_LEN: usize = 32;

/// The id of a tenant's user: 32 random lowercase letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserId(String);

impl UserId {
    pub fn generate() -> Self {
        Self(random_alnum(USER_ID_LEN))
    }
    /// Accepts only strings of the shape we generate, so that anything else
    /// can be answered with 404 (or `invalid_grant`) without touching the store.
    pub fn parse(s: &str) -> Option<Self> {
        let ok = s.len() == USER_ID_LEN
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        ok.then(|| Self(s.to_owned()))
    }
    /// Wraps an id read from the store or from a verified token.
    pub fn from_trusted(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_alnum_has_requested_length_and_alphabet() {
        let s = random_alnum(64);
        assert_eq!(s.len(), 64);
        assert!(s.bytes().all(|b| ALPHABET.contains(&b)));
        assert_ne!(random_alnum(64), s, "two draws should differ");
    }

    #[test]
    fn client_id_parse_rejects_foreign_shapes() {
        assert!(ClientId::parse(&"a".repeat(32)).is_some());
        assert!(ClientId::parse(&"A".repeat(32)).is_none());
        assert!(ClientId::parse(&"a".repeat(31)).is_none());
        assert!(ClientId::parse("../../etc/passwd").is_none());
    }
}
