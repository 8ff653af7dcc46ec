//! `Store`'s token-service methods: signing keys, client-assertion `jti`s,
//! revoked access tokens and the server's own secrets; each calls the same
//! method on whichever backend the store is (the statements are in
//! `tokens.rs` and `server_secrets.rs`).

use super::{Result, Store, dispatch};
use crate::domain::audit::Origin;
use crate::domain::ids::{ClientId, TenantId};
use crate::domain::signing_keys::StoredSigningKey;
use crate::domain::time::Timestamp;

impl Store {
    pub async fn signing_keys(&self) -> Result<Vec<StoredSigningKey>> {
        dispatch!(self.signing_keys())
    }

    pub async fn insert_signing_key(&self, key: &StoredSigningKey) -> Result<()> {
        dispatch!(self.insert_signing_key(key))
    }

    /// Inserts a key made by a rotation, with its audit event.
    pub async fn insert_rotated_signing_key(
        &self,
        key: &StoredSigningKey,
        origin: &Origin,
    ) -> Result<()> {
        dispatch!(self.insert_rotated_signing_key(key, origin))
    }

    /// Inserts `key` only if the store has no signing key yet, and says
    /// whether it did. Instances starting together on an empty database are
    /// serialised here, so exactly one first key is made and all use it.
    pub async fn insert_first_signing_key(&self, key: &StoredSigningKey) -> Result<bool> {
        dispatch!(self.insert_first_signing_key(key))
    }

    /// Records that an instance signs with `kid` using tokens of `ttl`
    /// seconds, so the key stays published long enough (only ever raises it).
    pub async fn raise_key_token_ttl(&self, kid: &str, ttl: i64) -> Result<()> {
        dispatch!(self.raise_key_token_ttl(kid, ttl))
    }

    pub async fn delete_signing_key(&self, kid: &str) -> Result<()> {
        dispatch!(self.delete_signing_key(kid))
    }

    /// Takes a client assertion's `jti` until `keep_until`; `false` when it
    /// was already taken and has not expired (a replay), on any instance.
    /// Also prunes the tenant's expired `jti`s.
    pub async fn use_assertion_jti(
        &self,
        tenant: &TenantId,
        client: &ClientId,
        jti: &str,
        keep_until: Timestamp,
        now: Timestamp,
    ) -> Result<bool> {
        dispatch!(self.use_assertion_jti(tenant, client, jti, keep_until, now))
    }

    /// Records an access token as revoked until `keep_until` (idempotent),
    /// with its audit event the first time; also prunes the tenant's
    /// revocations of expired tokens.
    pub async fn revoke_token(
        &self,
        tenant: &TenantId,
        client: &ClientId,
        jti: &str,
        keep_until: Timestamp,
        now: Timestamp,
        origin: &Origin,
    ) -> Result<()> {
        dispatch!(self.revoke_token(tenant, client, jti, keep_until, now, origin))
    }

    /// Whether an access token (already verified) may still be used: its
    /// client exists in its tenant and the token was not revoked. One query.
    pub async fn is_token_active(
        &self,
        tenant: &TenantId,
        client: &ClientId,
        jti: &str,
    ) -> Result<bool> {
        dispatch!(self.is_token_active(tenant, client, jti) or in_thread is_token_active_in_thread)
    }

    /// Returns the named server secret, creating it from `fresh` if no
    /// instance has yet; every instance then reads the same value.
    pub async fn server_secret(
        &self,
        name: &str,
        fresh: Vec<u8>,
        now: Timestamp,
    ) -> Result<Vec<u8>> {
        dispatch!(self.server_secret(name, fresh, now))
    }
}
