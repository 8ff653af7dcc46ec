//! Identifier newtypes and the random-string generator they share.

use std::fmt;

/// Lowercase letters and digits: the alphabet of client ids, tenant ids and secrets.
const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

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

/// A request id (the error body's `traceId`, the `x-request-id` header, the
/// log line's `request_id`): 32 characters of `[a-z0-9]`.
///
/// Not a credential, so it needs no call to the system CSPRNG per request
/// (about 2 µs, 2% of an authenticated GET): a per-process counter goes
/// through a bijective mix keyed by 128 random bits drawn once. The first 13
/// characters encode all 64 bits of a bijection of the counter, so ids never
/// repeat within a process; the random key makes ids of different processes
/// (instances, restarts) practically distinct.
pub fn request_id() -> String {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static KEY: OnceLock<[u64; 2]> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let key = KEY.get_or_init(|| {
        let mut b = [0u8; 16];
        // Should the system RNG fail, the clock still separates processes.
        if aws_lc_rs::rand::fill(&mut b).is_err() {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            b = (t ^ u128::from(std::process::id())).to_le_bytes();
        }
        let (lo, hi) = b.split_at(8);
        [
            u64::from_le_bytes(lo.try_into().unwrap_or_default()),
            u64::from_le_bytes(hi.try_into().unwrap_or_default()),
        ]
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let a = mix(n ^ key[0]);
    let b = mix(n.wrapping_add(key[1]));
    let mut out = String::with_capacity(32);
    push_base36(&mut out, a, 13);
    push_base36(&mut out, b, 13);
    push_base36(&mut out, mix(a ^ b), 6);
    out
}

/// SplitMix64's finalizer: a bijection of `u64` that spreads every input bit.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The `digits` lowest base-36 digits of `v` (13 hold all of a `u64`).
fn push_base36(out: &mut String, mut v: u64, digits: usize) {
    for _ in 0..digits {
        out.push(char::from(ALPHABET[(v % 36) as usize]));
        v /= 36;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_32_alnum_characters_and_never_repeat() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..100_000 {
            let id = request_id();
            assert_eq!(id.len(), 32);
            assert!(id.bytes().all(|b| ALPHABET.contains(&b)), "{id}");
            // The first 13 characters alone are unique (a bijection of the counter).
            assert!(seen.insert(id[..13].to_owned()), "repeated: {id}");
        }
    }

    #[test]
    fn base36_of_thirteen_digits_keeps_every_bit() {
        let mut a = String::new();
        let mut b = String::new();
        push_base36(&mut a, u64::MAX, 13);
        push_base36(&mut b, u64::MAX - 1, 13);
        assert_ne!(a, b);
        assert_ne!(mix(1), mix(2));
    }

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
