//! Failed sign-ins per remote address, in this process's memory: after
//! [`LIMIT`] failures from one address within [`WINDOW`], that address is
//! refused until the window passes. Per-account counters live in the store
//! (every instance agrees on them); per-address ones need not, so behind a
//! load balancer N instances allow N times this (documented).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures one address may have within a window.
pub const LIMIT: u32 = 100;
/// The window.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Addresses remembered at most; past it, windows that ended are dropped.
const CAPACITY: usize = 10_000;

#[derive(Debug, Default)]
pub struct AddressFailures {
    seen: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl AddressFailures {
    /// Seconds until `addr` may try again, when it is refused now.
    pub fn refused_for(&self, addr: IpAddr) -> Option<u64> {
        let seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (count, start) = seen.get(&addr)?;
        let left = WINDOW.checked_sub(start.elapsed())?;
        (*count >= LIMIT).then(|| left.as_secs().max(1))
    }

    /// Counts a failure from `addr`; returns its failures in this window.
    pub fn record(&self, addr: IpAddr) -> u32 {
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if seen.len() >= CAPACITY {
            seen.retain(|_, (_, start)| start.elapsed() < WINDOW);
        }
        let entry = seen.entry(addr).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 = entry.0.saturating_add(1);
        entry.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_refused_after_the_limit() {
        let f = AddressFailures::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..LIMIT - 1 {
            f.record(a);
        }
        assert_eq!(f.refused_for(a), None);
        f.record(a);
        assert!(f.refused_for(a).is_some());
        assert_eq!(f.refused_for(b), None, "other addresses are not affected");
    }
}
