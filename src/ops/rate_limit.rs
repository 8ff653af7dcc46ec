//! Rate limits (contract §4): Tier 1 for management GETs, Tier 2 for the
//! other management methods, counted per caller (tenant and token subject);
//! the token, introspection and revocation endpoints are limited per
//! authenticated client at the Tier 2 rate, each in buckets of its own; and
//! failed authentications (client authentication at the token service,
//! bearer tokens at the management API) are counted per remote address,
//! which is refused for a while once it has failed too often.
//!
//! Each limit is a generic cell rate algorithm (GCRA): a caller may spend its
//! whole per-minute allowance at once and then earns one request back every
//! `60 s / N`. The state is one timestamp per key, kept in process memory, so
//! `N` instances behind a load balancer allow up to `N` times the limit.
//! Keys whose allowance is full again carry no information and are pruned by a
//! periodic task (see [`RateLimits::prune`]), so memory stays bounded by the
//! callers active in the last minute.

use crate::http::Caller;
use axum::http::Method;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// How often stale keys are dropped.
pub const PRUNE_INTERVAL: Duration = Duration::from_secs(60);

/// One limit: `per_minute` requests per minute per key, with a burst of as many.
#[derive(Debug)]
pub struct Gcra {
    per_minute: u32,
    /// Time that earns back one request.
    emission: Duration,
    /// How far the theoretical arrival time may run ahead of now (one minute).
    window: Duration,
    /// Per key, the theoretical arrival time of its next request.
    tat: Mutex<HashMap<String, Instant>>,
}

impl Gcra {
    /// `None` when `per_minute` is 0, which disables the limit.
    pub fn new(per_minute: u32) -> Option<Gcra> {
        let n = std::num::NonZeroU32::new(per_minute)?;
        let window = Duration::from_secs(60);
        Some(Gcra {
            per_minute: n.get(),
            emission: window / n.get(),
            window,
            tat: Mutex::new(HashMap::new()),
        })
    }

    pub fn per_minute(&self) -> u32 {
        self.per_minute
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        // A panic while holding this lock cannot leave the map inconsistent
        // (every update is a single insert), so a poisoned lock is still usable.
        self.tat
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether a request of `key` at `now` would pass, without counting it;
    /// `Err` carries how long to wait.
    pub fn peek_at(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let map = self.map();
        let tat = map.get(key).map_or(now, |t| (*t).max(now));
        let next = tat + self.emission;
        let limit = now + self.window;
        if next > limit {
            return Err(next - limit);
        }
        Ok(())
    }

    /// Counts one request of `key` at `now`; `Err` carries how long to wait.
    pub fn check_at(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut map = self.map();
        let tat = map.get(key).map_or(now, |t| (*t).max(now));
        let next = tat + self.emission;
        let limit = now + self.window;
        if next > limit {
            return Err(next - limit);
        }
        match map.get_mut(key) {
            Some(t) => *t = next,
            None => {
                map.insert(key.to_owned(), next);
            }
        }
        Ok(())
    }

    /// Drops keys whose allowance is full again; returns how many remain.
    pub fn prune_at(&self, now: Instant) -> usize {
        let mut map = self.map();
        map.retain(|_, tat| *tat > now);
        map.len()
    }
}

/// The server's limits; a `None` limit is disabled.
#[derive(Debug, Default)]
pub struct RateLimits {
    pub tier1: Option<Gcra>,
    pub tier2: Option<Gcra>,
    /// Token, introspection and revocation requests per authenticated
    /// client, keyed by endpoint and client.
    pub oauth: Option<Gcra>,
    /// Failed authentications per remote address.
    pub auth_failures: Option<Gcra>,
}

/// A request over its limit: how long to wait, and the limit it broke.
#[derive(Debug, Clone, Copy)]
pub struct Limited {
    pub retry_after: Duration,
    pub per_minute: u32,
}

impl Limited {
    /// Whole seconds for `Retry-After`, rounded up so a client that waits
    /// exactly that long is let in.
    pub fn retry_after_secs(&self) -> u64 {
        let d = self.retry_after;
        d.as_secs() + u64::from(d.subsec_nanos() > 0)
    }
}

fn check(limit: Option<&Gcra>, key: &str) -> Result<(), Limited> {
    let Some(g) = limit else { return Ok(()) };
    g.check_at(key, Instant::now())
        .map_err(|retry_after| Limited {
            retry_after,
            per_minute: g.per_minute(),
        })
}

/// The key of a remote address: IPv4 addresses one by one, IPv6 ones by
/// their /64 prefix (what one host or one customer usually holds).
fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

impl RateLimits {
    /// Tier 1 and Tier 2 per minute for the management API; the OAuth
    /// endpoints use the Tier 2 rate in buckets of their own; failed
    /// authentications per minute per address. 0 disables.
    pub fn new(tier1: u32, tier2: u32, auth_failures: u32) -> RateLimits {
        RateLimits {
            tier1: Gcra::new(tier1),
            tier2: Gcra::new(tier2),
            oauth: Gcra::new(tier2),
            auth_failures: Gcra::new(auth_failures),
        }
    }

    /// Counts a management request of `caller`; GET and HEAD are Tier 1.
    pub fn check_caller(&self, method: &Method, caller: &Caller) -> Result<(), Limited> {
        let reading = matches!(*method, Method::GET | Method::HEAD);
        let limit = if reading { &self.tier1 } else { &self.tier2 };
        // The subject is a globally unique client id, but the contract counts
        // per caller *and* tenant, so the key holds both.
        let key = format!("{}\u{0}{}", caller.tenant.as_str(), caller.subject);
        check(limit.as_ref(), &key)
    }

    /// Counts a request of an authenticated client to the OAuth endpoint at
    /// `path` (token, introspection, revocation: a bucket each).
    pub fn check_client(&self, path: &str, client_id: &str) -> Result<(), Limited> {
        check(self.oauth.as_ref(), &format!("{path}\u{0}{client_id}"))
    }

    /// Whether `ip` may still try to authenticate: `Err` once it has failed
    /// more often than the limit allows (nothing is counted here).
    pub fn check_address(&self, ip: IpAddr) -> Result<(), Limited> {
        let Some(g) = self.auth_failures.as_ref() else {
            return Ok(());
        };
        g.peek_at(&address_key(ip), Instant::now())
            .map_err(|retry_after| Limited {
                retry_after,
                per_minute: g.per_minute(),
            })
    }

    /// Counts a failed authentication from `ip`.
    pub fn record_failure(&self, ip: IpAddr) {
        let _ = check(self.auth_failures.as_ref(), &address_key(ip));
    }

    /// Drops stale keys of every limit; returns the keys that remain.
    pub fn prune(&self) -> usize {
        let now = Instant::now();
        [&self.tier1, &self.tier2, &self.oauth, &self.auth_failures]
            .into_iter()
            .flatten()
            .map(|g| g.prune_at(now))
            .sum()
    }
}

/// Prunes every limit's stale keys each [`PRUNE_INTERVAL`] until the
/// operational state is dropped.
pub fn spawn_pruner(ops: &std::sync::Arc<super::Ops>) -> tokio::task::JoinHandle<()> {
    spawn_pruner_every(ops, PRUNE_INTERVAL)
}

fn spawn_pruner_every(
    ops: &std::sync::Arc<super::Ops>,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    let ops = std::sync::Arc::downgrade(ops);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(ops) = ops.upgrade() else { return };
            let left = ops.rate_limits.prune();
            tracing::debug!(keys = left, "rate-limit keys pruned");
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_of_the_per_minute_count_then_one_per_interval() {
        let g = Gcra::new(3).unwrap();
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(g.check_at("a", t0).is_ok(), "request {i} of the burst");
        }
        let wait = g.check_at("a", t0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(20), "one request back every 20 s");
        assert!(g.check_at("a", t0 + Duration::from_secs(19)).is_err());
        assert!(g.check_at("a", t0 + Duration::from_secs(20)).is_ok());
        assert!(g.check_at("a", t0 + Duration::from_secs(20)).is_err());
        // Other keys have their own allowance.
        assert!(g.check_at("b", t0).is_ok());
    }

    #[test]
    fn rejected_requests_do_not_consume_the_allowance() {
        let g = Gcra::new(1).unwrap();
        let t0 = Instant::now();
        assert!(g.check_at("a", t0).is_ok());
        for _ in 0..10 {
            assert!(g.check_at("a", t0 + Duration::from_secs(30)).is_err());
        }
        assert!(g.check_at("a", t0 + Duration::from_secs(60)).is_ok());
    }

    #[test]
    fn zero_disables_and_retry_after_rounds_up() {
        assert!(Gcra::new(0).is_none());
        let l = Limited {
            retry_after: Duration::from_millis(1500),
            per_minute: 1,
        };
        assert_eq!(l.retry_after_secs(), 2);
        let l = Limited {
            retry_after: Duration::from_secs(3),
            per_minute: 1,
        };
        assert_eq!(l.retry_after_secs(), 3);
    }

    #[tokio::test]
    async fn the_pruner_drops_stale_keys_and_stops_with_the_state() {
        // 60000 per minute: a key is stale one millisecond after its request.
        let ops = std::sync::Arc::new(super::super::Ops::new(&super::super::OpsConfig {
            rate_limit_tier1: 60_000,
            rate_limit_tier2: 60_000,
            ..Default::default()
        }));
        for k in 0..100 {
            ops.rate_limits
                .check_client("/oauth/token", &format!("client{k}"))
                .unwrap();
        }
        let token = ops.rate_limits.oauth.as_ref().unwrap();
        let count = || token.map().len();
        assert_eq!(count(), 100);
        let pruner = spawn_pruner_every(&ops, Duration::from_millis(5));
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while count() > 0 && std::time::Instant::now() < deadline {
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(count(), 0, "the pruner dropped the stale keys");
        drop(ops);
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while !pruner.is_finished() && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(
            pruner.is_finished(),
            "the pruner stops once the state is gone"
        );
    }

    #[test]
    fn failures_block_an_address_and_peeking_counts_nothing() {
        let limits = RateLimits::new(0, 0, 2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..10 {
            assert!(limits.check_address(a).is_ok(), "peeking is free");
        }
        limits.record_failure(a);
        assert!(limits.check_address(a).is_ok());
        limits.record_failure(a);
        let blocked = limits.check_address(a).unwrap_err();
        assert_eq!(blocked.per_minute, 2);
        assert!(blocked.retry_after_secs() > 0);
        assert!(limits.check_address(b).is_ok(), "other addresses are not");
        // One IPv6 /64 is one key; an IPv4-mapped address is its IPv4 one.
        let v6a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let v6b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert_eq!(address_key(v6a), address_key(v6b));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(address_key(mapped), "192.0.2.1");
        assert!(
            RateLimits::new(0, 0, 0).check_address(a).is_ok(),
            "0 disables"
        );
    }

    #[test]
    fn prune_drops_only_keys_whose_allowance_is_full() {
        let g = Gcra::new(60).unwrap();
        let t0 = Instant::now();
        for k in 0..1000 {
            g.check_at(&format!("k{k}"), t0).unwrap();
        }
        // Key "busy" has spent its whole minute.
        for _ in 0..60 {
            g.check_at("busy", t0).unwrap();
        }
        assert_eq!(g.prune_at(t0), 1001, "nothing is stale yet");
        assert_eq!(
            g.prune_at(t0 + Duration::from_secs(1)),
            1,
            "only `busy` is left"
        );
        assert_eq!(g.prune_at(t0 + Duration::from_secs(60)), 0);
    }
}
