//! The lifecycle of the server's access-token signing keys, as policy: which
//! key signs at a given instant, and how long a retired key stays published.
//! `signing::key_ring` loads the keys and applies it; `registrar keys list`
//! shows it.
//!
//! Rotation (`registrar keys rotate`) adds a key that is published in the
//! JWKS at once and signs from its `activates_at` on; the key it replaces
//! stays published until every token it can have signed has expired.
//! [`key_statuses`] is the one place that decides both.

use super::time::Timestamp;
use std::time::Duration;

/// A signing key as stored.
#[derive(Clone)]
pub struct StoredSigningKey {
    pub kid: String,
    pub algorithm: String,
    pub private_key: Vec<u8>,
    pub public_jwk: String,
    pub created_at: Timestamp,
    /// When the key starts signing; it is published in the JWKS before that.
    pub activates_at: Timestamp,
    /// Longest access-token lifetime (seconds) used while the key could sign.
    pub max_token_ttl: i64,
}

/// Everything but the private key.
impl std::fmt::Debug for StoredSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSigningKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .field("private_key", &super::secret::REDACTED)
            .field("public_jwk", &self.public_jwk)
            .field("created_at", &self.created_at)
            .field("activates_at", &self.activates_at)
            .field("max_token_ttl", &self.max_token_ttl)
            .finish()
    }
}

pub const ALGORITHM: &str = "ES256";
/// How often a running server re-reads the keys from the store.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(5);
/// A server whose view of the keys is older than this (its refreshes keep
/// failing) refuses to sign: otherwise it could go on signing with a retired
/// key past the moment that key's publication period is computed from.
pub const MAX_VIEW_AGE: Duration = Duration::from_secs(60);
/// Default delay between `keys rotate` and the new key signing. It exceeds
/// [`REFRESH_INTERVAL`] (plus clock skew), so every instance publishes and
/// verifies the key before any instance signs with it.
pub const DEFAULT_ACTIVATION_DELAY_SECS: i64 = 10;
/// Added to a retired key's publication period: covers the verification
/// leeway on `exp` and clock differences between instances.
const RETENTION_MARGIN_SECS: i64 = 60;

/// Where a key stands at a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    /// Published; signs from its `activates_at`.
    Pending,
    /// Published; signs new tokens.
    Signing,
    /// Published but no longer signs; tokens it signed may still be valid.
    Retired { published_until: Timestamp },
    /// Every token it signed has expired: no longer published or trusted.
    Expired,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Pending => "pending",
            KeyStatus::Signing => "signing",
            KeyStatus::Retired { .. } => "retired",
            KeyStatus::Expired => "expired",
        }
    }
    pub fn is_published(self) -> bool {
        self != KeyStatus::Expired
    }
    /// Signing now or later: an instance raises its `max_token_ttl` first.
    pub fn may_sign(self) -> bool {
        matches!(self, KeyStatus::Signing | KeyStatus::Pending)
    }
}

/// The status of each key at `now`; `keys` in the store's order
/// (`activates_at`, `created_at`, `kid`).
///
/// The signer is the last key already active (the first key if none is).
/// A key before it stopped signing when its successor activated; instances
/// that had not yet seen the successor may sign with it for up to
/// [`MAX_VIEW_AGE`] more, and each token lives at most `max_token_ttl`, so it
/// stays published until the sum of those (plus a margin) has passed.
pub fn key_statuses(keys: &[StoredSigningKey], now: Timestamp) -> Vec<KeyStatus> {
    let signer = keys
        .iter()
        .rposition(|k| k.activates_at <= now)
        .unwrap_or(0);
    let view_age = i64::try_from(MAX_VIEW_AGE.as_secs()).unwrap_or(i64::MAX);
    keys.iter()
        .enumerate()
        .map(|(i, k)| {
            if i == signer {
                return KeyStatus::Signing;
            }
            if i > signer {
                return KeyStatus::Pending;
            }
            let retired_at = keys[i + 1].activates_at;
            let published_until = retired_at.plus_seconds(
                view_age
                    .saturating_add(k.max_token_ttl)
                    .saturating_add(RETENTION_MARGIN_SECS),
            );
            if now < published_until {
                KeyStatus::Retired { published_until }
            } else {
                KeyStatus::Expired
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3600;

    fn key(kid: &str, activates: i64, ttl: i64) -> StoredSigningKey {
        StoredSigningKey {
            kid: kid.into(),
            algorithm: ALGORITHM.into(),
            private_key: Vec::new(),
            public_jwk: String::new(),
            created_at: Timestamp::from_micros(0),
            activates_at: at(activates),
            max_token_ttl: ttl,
        }
    }

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_micros(secs * 1_000_000)
    }

    #[test]
    fn debug_hides_the_private_key() {
        let mut k = key("a", 0, 0);
        k.private_key = vec![0x30, 0x81, 0x87, 0x02, 0x01, 0x00, 0xAB, 0xCD];
        let shown = format!("{k:?}");
        assert!(shown.contains("\"a\""), "{shown}");
        assert!(!shown.contains("48, 129, 135"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }

    #[test]
    fn the_last_active_key_signs_and_later_ones_are_pending() {
        let keys = [key("a", 0, HOUR), key("b", 100, 0), key("c", 200, 0)];
        assert_eq!(
            key_statuses(&keys, at(150)),
            vec![
                KeyStatus::Retired {
                    published_until: at(100 + 60 + HOUR + 60)
                },
                KeyStatus::Signing,
                KeyStatus::Pending
            ]
        );
        // Before any key is active (clock trouble), the first one signs.
        assert_eq!(key_statuses(&keys, at(-5))[0], KeyStatus::Signing);
    }

    #[test]
    fn a_retired_key_stays_published_until_its_longest_token_can_have_expired() {
        let keys = [key("old", 0, 6 * HOUR), key("new", 1000, 0)];
        // Retired at 1000; instances may sign with it for MAX_VIEW_AGE more;
        // its tokens live 6 h; plus the margin.
        let until = 1000 + 60 + 6 * HOUR + 60;
        assert_eq!(
            key_statuses(&keys, at(until - 1))[0],
            KeyStatus::Retired {
                published_until: at(until)
            }
        );
        assert_eq!(key_statuses(&keys, at(until))[0], KeyStatus::Expired);
        // A longer TTL recorded by any instance keeps it published longer.
        let keys = [key("old", 0, 24 * HOUR), key("new", 1000, 0)];
        assert!(matches!(
            key_statuses(&keys, at(until))[0],
            KeyStatus::Retired { .. }
        ));
    }
}
