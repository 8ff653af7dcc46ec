//! Request ids: the error body's `traceId`, the `x-request-id` header and the
//! access line's `request_id`, all the same 32 characters of `[a-z0-9]`.
//!
//! Not a credential, so it needs no call to the system CSPRNG per request
//! (about 2 µs, 2% of an authenticated GET). The first 10 characters are the
//! request's start in microseconds since the Unix epoch, in base 36, most
//! significant digit first, so ids sort by time: the audit log's `traceid`
//! index then grows at its end instead of at a random page per event
//! (docs/decisions.md). The next 13 encode all 64 bits of a bijective mix of
//! a per-process counter, keyed by 128 random bits drawn once, so ids never
//! repeat within a process; the last 9 come from the same key and keep the
//! ids of different processes (instances, restarts) apart.

use crate::domain::ids::ALPHABET;
use axum::http::HeaderValue;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Length of a request id.
pub const LEN: usize = 32;

/// Base-36 digits of the time prefix: microseconds until the year 2085.
const TIME_DIGITS: usize = 10;

/// The id of one request, kept in its extensions; a copy costs nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestId([u8; LEN]);

impl RequestId {
    /// The next id of this process.
    pub fn next() -> RequestId {
        let micros = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
        RequestId::at(micros)
    }

    /// The next id of this process, for a request that started `micros`
    /// after the Unix epoch.
    fn at(micros: u64) -> RequestId {
        static KEY: OnceLock<[u64; 2]> = OnceLock::new();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let key = KEY.get_or_init(draw_key);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let a = mix(n ^ key[0]);
        let mut out = [0u8; LEN];
        put_base36_be(&mut out[..TIME_DIGITS], micros);
        put_base36(&mut out[TIME_DIGITS..TIME_DIGITS + 13], a);
        put_base36(&mut out[TIME_DIGITS + 13..], mix(a ^ key[1]));
        RequestId(out)
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII letters and digits are ever written into the array.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    pub fn header_value(&self) -> HeaderValue {
        HeaderValue::from_bytes(&self.0).unwrap_or_else(|_| HeaderValue::from_static("-"))
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The process's key, from the system RNG (or, should it fail, the clock and
/// the process id, which still separate processes).
fn draw_key() -> [u64; 2] {
    let mut b = [0u8; 16];
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
}

/// SplitMix64's finalizer: a bijection of `u64` that spreads every input bit.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The `out.len()` lowest base-36 digits of `v` (13 hold all of a `u64`).
fn put_base36(out: &mut [u8], mut v: u64) {
    for slot in out {
        *slot = ALPHABET[(v % 36) as usize];
        v /= 36;
    }
}

/// The `out.len()` lowest base-36 digits of `v` in `0-9a-z` (ASCII order),
/// most significant first, so that larger values sort later while they fit.
fn put_base36_be(out: &mut [u8], mut v: u64) {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(v % 36) as usize];
        v /= 36;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_32_alnum_characters_and_never_repeat() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..100_000 {
            let id = RequestId::next();
            let id = id.as_str();
            assert_eq!(id.len(), 32);
            assert!(id.bytes().all(|b| ALPHABET.contains(&b)), "{id}");
            // The 13 characters after the time alone are unique (a
            // bijection of the counter), even for ids of the same microsecond.
            assert!(seen.insert(id[10..23].to_owned()), "repeated: {id}");
        }
    }

    /// Ids sort by the time their requests started, and that time reads
    /// back from the first ten characters.
    #[test]
    fn request_ids_start_with_their_time_and_sort_by_it() {
        let times = [
            0,
            1,
            35,
            36,
            1_764_950_400_000_000,
            1_764_950_400_000_001,
            3_600_000_000_000_000,
        ];
        let ids: Vec<String> = times
            .iter()
            .map(|&t| RequestId::at(t).to_string())
            .collect();
        for (t, id) in times.iter().zip(&ids) {
            assert_eq!(u64::from_str_radix(&id[..10], 36).unwrap(), *t, "{id}");
        }
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        let now = RequestId::next().to_string();
        let now_us = u64::from_str_radix(&now[..10], 36).unwrap();
        let clock = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_micros() as u64;
        assert!(clock.abs_diff(now_us) < 5_000_000, "{now} is not from now");
    }

    #[test]
    fn base36_of_thirteen_digits_keeps_every_bit() {
        let mut a = [0u8; 13];
        let mut b = [0u8; 13];
        put_base36(&mut a, u64::MAX);
        put_base36(&mut b, u64::MAX - 1);
        assert_ne!(a, b);
        assert_ne!(mix(1), mix(2));
    }
}
