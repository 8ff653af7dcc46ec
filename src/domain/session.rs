//! Sign-in sessions and failed sign-ins, as pure rules: when a session has
//! ended (idle and absolute lifetimes, contract §8), and how repeated
//! failures for one account are slowed down and then refused.

use super::time::Timestamp;
use std::time::Duration;

/// The lifetimes of a session, from `--session-idle` and `--session-max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLifetimes {
    /// Seconds without use after which a session ends.
    pub idle_secs: i64,
    /// Seconds after the sign-in after which a session ends, used or not.
    pub max_secs: i64,
}

impl Default for SessionLifetimes {
    fn default() -> Self {
        Self {
            idle_secs: 3600,
            max_secs: 8 * 3600,
        }
    }
}

impl SessionLifetimes {
    /// Whether a session signed in at `signed_in` and last used at
    /// `last_seen` is still live at `now`.
    pub fn is_live(&self, signed_in: Timestamp, last_seen: Timestamp, now: Timestamp) -> bool {
        now < signed_in.plus_seconds(self.max_secs) && now < last_seen.plus_seconds(self.idle_secs)
    }

    /// When the session ends if it is not used again.
    pub fn ends_at(&self, signed_in: Timestamp, last_seen: Timestamp) -> Timestamp {
        signed_in
            .plus_seconds(self.max_secs)
            .min(last_seen.plus_seconds(self.idle_secs))
    }
}

/// Consecutive failures for one account after which it is refused.
pub const LOCK_AFTER_FAILURES: i64 = 20;
/// How long a locked account is refused, right password included.
pub const LOCK_SECS: i64 = 15 * 60;
/// Failures before answers start to slow down.
const FREE_FAILURES: i64 = 3;
/// The longest pause added to a failed sign-in.
const MAX_DELAY: Duration = Duration::from_secs(4);

/// The pause before answering the `failures`-th consecutive failure for an
/// account: none for the first few, then doubling from 250 ms to 4 s.
pub fn failure_delay(failures: i64) -> Duration {
    if failures <= FREE_FAILURES {
        return Duration::ZERO;
    }
    let doublings = u32::try_from((failures - FREE_FAILURES - 1).min(4)).unwrap_or(4);
    (Duration::from_millis(250) * 2u32.pow(doublings)).min(MAX_DELAY)
}

/// Failures from one address (in its window) before its answers slow down:
/// more than an account's, as several people may share an address.
const ADDRESS_FREE_FAILURES: i64 = 10;

/// The pause before answering the `failures`-th failure from one address
/// within its window: none for the first [`ADDRESS_FREE_FAILURES`], then
/// growing as an account's does.
pub fn address_failure_delay(failures: u32) -> Duration {
    failure_delay(i64::from(failures) - (ADDRESS_FREE_FAILURES - FREE_FAILURES))
}

/// Whether an account with `failures` consecutive failures, the last at
/// `last_failure`, is refused at `now`. After the lock has run out the next
/// attempt is judged normally (and a failure relocks it at once).
pub fn is_locked(failures: i64, last_failure: Timestamp, now: Timestamp) -> bool {
    failures >= LOCK_AFTER_FAILURES && now < last_failure.plus_seconds(LOCK_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_slows_down_later_than_an_account() {
        assert_eq!(address_failure_delay(1), Duration::ZERO);
        assert_eq!(address_failure_delay(10), Duration::ZERO);
        assert_eq!(address_failure_delay(11), Duration::from_millis(250));
        assert_eq!(address_failure_delay(12), Duration::from_millis(500));
        assert_eq!(address_failure_delay(100), MAX_DELAY);
    }

    #[test]
    fn sessions_end_after_idle_or_max_whichever_first() {
        let l = SessionLifetimes {
            idle_secs: 60,
            max_secs: 300,
        };
        let t0 = Timestamp::from_unix_seconds(1_000);
        let at = |s: i64| Timestamp::from_unix_seconds(1_000 + s);
        assert!(l.is_live(t0, t0, at(59)));
        assert!(!l.is_live(t0, t0, at(60)), "idle for the idle time");
        assert!(l.is_live(t0, at(250), at(299)), "kept alive by use");
        assert!(
            !l.is_live(t0, at(290), at(300)),
            "the absolute limit wins over use"
        );
        assert_eq!(l.ends_at(t0, at(250)), at(300));
        assert_eq!(l.ends_at(t0, at(10)), at(70));
    }

    #[test]
    fn failures_slow_down_then_lock_for_a_while() {
        assert_eq!(failure_delay(1), Duration::ZERO);
        assert_eq!(failure_delay(3), Duration::ZERO);
        assert_eq!(failure_delay(4), Duration::from_millis(250));
        assert_eq!(failure_delay(5), Duration::from_millis(500));
        assert_eq!(failure_delay(19), Duration::from_secs(4));
        let t = Timestamp::from_unix_seconds(1_000);
        assert!(!is_locked(19, t, t));
        assert!(is_locked(20, t, t));
        assert!(is_locked(20, t, t.plus_seconds(LOCK_SECS - 1)));
        assert!(!is_locked(20, t, t.plus_seconds(LOCK_SECS)));
    }
}
