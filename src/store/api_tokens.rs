//! `Store`'s token-service methods: signing keys, client-assertion `jti`s,
//! revoked access tokens and the server's own secrets; each calls the same
//! method on whichever backend the store is (the statements are in
//! `tokens.rs` and `server_secrets.rs`).

use super::{Result, Store, dispatch};
use crate::domain::audit::Origin;
use crate::domain::ids::{ClientId, TenantId, UserId};
use crate::domain::key_wrap::StoredKey;
use crate::domain::signing_keys::StoredSigningKey;
use crate::domain::time::Timestamp;
use crate::domain::token_liveness::LiveFacts;

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

    /// What the store says now of an access token (already verified): its
    /// client, if it still exists in its tenant, with what its tokens depend
    /// on, whether the token was revoked, for a user's token whether its
    /// user exists and is active (and a `TenantAdmin`), and for a token of a
    /// sign-in whether its grant stands. One query; `domain::token_liveness`
    /// decides.
    pub async fn token_facts(
        &self,
        tenant: &TenantId,
        client: &ClientId,
        jti: &str,
        user: Option<&UserId>,
        grant: Option<&str>,
    ) -> Result<LiveFacts> {
        dispatch!(self.token_facts(tenant, client, jti, user, grant) or in_thread token_facts_in_thread)
    }

    /// Refuses every token issued to the client so far (`NotFound` when it
    /// does not exist in `tenant`), with its audit event.
    pub async fn revoke_client_tokens(
        &self,
        tenant: &TenantId,
        client: &ClientId,
        now: Timestamp,
        origin: &Origin,
    ) -> Result<()> {
        dispatch!(self.revoke_client_tokens(tenant, client, now, origin))
    }

    /// Deletes the assertion `jti`s and token revocations that expired
    /// before `now`, tenant by tenant, at most `batch` rows per transaction;
    /// returns how many.
    pub async fn prune_expired(&self, now: Timestamp, batch: u32) -> Result<u64> {
        dispatch!(self.prune_expired(now, batch))
    }

    /// Hands every stored private key (signing keys, server secrets) to
    /// `change` and stores what it returns (`None`: unchanged), all in one
    /// transaction that holds them; an `Err` leaves every key as it was.
    /// Returns how many changed.
    pub async fn rewrite_stored_keys<F>(&self, change: F) -> Result<usize>
    where
        F: FnMut(&StoredKey) -> Result<Option<Vec<u8>>, String> + Send,
    {
        dispatch!(self.rewrite_stored_keys(change))
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
