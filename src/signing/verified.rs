//! A per-process memo of access tokens whose signature and claims this
//! server already verified.
//!
//! Verifying an ES256 signature is the largest single cost of an
//! authenticated request, and a client presents the same token many times.
//! The memo only skips work whose answer cannot change: a token's signature
//! and claims are fixed. What can change is still checked on every use: the
//! token's expiry (here), whether its signing key is still trusted
//! (`KeyRing::verify_access_token`), and whether it was revoked or its client
//! deleted (the store query of `oauth::access_token`, never cached).

use super::claims::AccessClaims;
use std::collections::HashMap;
use std::sync::Mutex;

/// Most tokens remembered; past it the memo starts afresh, so a flood of
/// distinct tokens costs memory no larger than this and only loses speed.
const CAPACITY: usize = 4096;

struct Entry {
    claims: AccessClaims,
    kid: String,
}

#[derive(Default)]
pub struct VerifiedTokens {
    entries: Mutex<HashMap<Box<str>, Entry>>,
}

impl VerifiedTokens {
    /// The claims and key id of `token` if it was verified before and has not
    /// expired at `now_secs` (with the same `leeway` as a full verification).
    pub fn get(&self, token: &str, now_secs: i64, leeway: i64) -> Option<(AccessClaims, String)> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let e = entries.get(token)?;
        (e.claims.exp >= now_secs - leeway).then(|| (e.claims.clone(), e.kid.clone()))
    }

    /// Remembers a token that passed full verification.
    pub fn insert(&self, token: &str, claims: &AccessClaims, kid: String) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(
            token.into(),
            Entry {
                claims: claims.clone(),
                kid,
            },
        );
    }

    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |e| e.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> AccessClaims {
        AccessClaims {
            iss: "i".into(),
            sub: "s".into(),
            aud: "a".into(),
            exp,
            iat: 0,
            jti: "j".into(),
            client_id: "c".into(),
            scope: String::new(),
            tenant_id: "t".into(),
            ..Default::default()
        }
    }

    #[test]
    fn expired_entries_are_not_returned_and_capacity_is_bounded() {
        let memo = VerifiedTokens::default();
        memo.insert("tok", &claims(100), "k".into());
        assert!(memo.get("tok", 100, 0).is_some());
        assert!(memo.get("tok", 104, 5).is_some(), "within the leeway");
        assert!(memo.get("tok", 106, 5).is_none(), "expired");
        assert!(memo.get("other", 0, 0).is_none());
        for i in 0..CAPACITY + 10 {
            memo.insert(&format!("t{i}"), &claims(100), "k".into());
        }
        assert!(memo.len() <= CAPACITY);
    }
}
