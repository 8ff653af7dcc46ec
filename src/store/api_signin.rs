//! `Store`'s sign-in methods: interactions, sessions, codes, grants, refresh
//! tokens, consents and failed sign-ins; each calls the same method on
//! whichever backend the store is (the statements are in `signin.rs`).

use super::{Result, Store, dispatch};
use crate::domain::audit::AuditEvent;
use crate::domain::ids::{ClientId, TenantId};
use crate::domain::signin_records::{
    Code, Consent, Grant, Interaction, RefreshToken, Session, SignedIn,
};
use crate::domain::time::Timestamp;

impl Store {
    /// Stores a paused authorization request (pruning the tenant's expired ones).
    pub async fn insert_interaction(&self, ix: &Interaction, now: Timestamp) -> Result<()> {
        dispatch!(self.insert_interaction(ix, now))
    }

    pub async fn find_interaction(
        &self,
        tenant: &TenantId,
        ix_hash: &[u8],
    ) -> Result<Option<Interaction>> {
        dispatch!(self.find_interaction(tenant, ix_hash))
    }

    /// Records who signed in on the interaction, opens their session
    /// (pruning sessions unused since `stale_before`) and records the
    /// `signed-in` event, in one transaction.
    pub async fn sign_in_interaction(
        &self,
        tenant: &TenantId,
        ix_hash: &[u8],
        who: &SignedIn,
        stale_before: Timestamp,
        event: &AuditEvent,
    ) -> Result<()> {
        dispatch!(self.sign_in_interaction(tenant, ix_hash, who, stale_before, event))
    }

    pub async fn delete_interaction(&self, tenant: &TenantId, ix_hash: &[u8]) -> Result<()> {
        dispatch!(self.delete_interaction(tenant, ix_hash))
    }

    pub async fn find_session(&self, tenant: &TenantId, hash: &[u8]) -> Result<Option<Session>> {
        dispatch!(self.find_session(tenant, hash))
    }

    /// Moves the session's last use forward (never back).
    pub async fn touch_session(
        &self,
        tenant: &TenantId,
        hash: &[u8],
        now: Timestamp,
    ) -> Result<()> {
        dispatch!(self.touch_session(tenant, hash, now))
    }

    pub async fn delete_session(&self, tenant: &TenantId, hash: &[u8]) -> Result<()> {
        dispatch!(self.delete_session(tenant, hash))
    }

    /// Stores a code; ends `finished_ix` in the same transaction.
    pub async fn insert_code(
        &self,
        code: &Code,
        finished_ix: Option<&[u8]>,
        now: Timestamp,
    ) -> Result<()> {
        dispatch!(self.insert_code(code, finished_ix, now))
    }

    pub async fn find_code(&self, tenant: &TenantId, hash: &[u8]) -> Result<Option<Code>> {
        dispatch!(self.find_code(tenant, hash) or in_thread find_code_in_thread)
    }

    /// Uses the code and creates its grant and first refresh token in one
    /// transaction; `false` when the code was used first by another request.
    pub async fn redeem_code(
        &self,
        code: &Code,
        grant: &Grant,
        refresh_hash: Option<&[u8]>,
        now: Timestamp,
    ) -> Result<bool> {
        dispatch!(self.redeem_code(code, grant, refresh_hash, now) or in_thread redeem_code_in_thread)
    }

    /// Revokes a grant: its access tokens and refresh tokens are refused.
    /// Records `event` (`token.revoked`) in the same transaction; `false`
    /// (and no event) when the grant was revoked already.
    pub async fn revoke_grant(
        &self,
        tenant: &TenantId,
        grant_id: &str,
        now: Timestamp,
        event: &AuditEvent,
    ) -> Result<bool> {
        dispatch!(self.revoke_grant(tenant, grant_id, now, event))
    }

    pub async fn find_refresh_token(
        &self,
        tenant: &TenantId,
        hash: &[u8],
    ) -> Result<Option<RefreshToken>> {
        dispatch!(self.find_refresh_token(tenant, hash) or in_thread find_refresh_token_in_thread)
    }

    /// Uses `old` and stores `new` for the same grant; `false` when `old`
    /// was already used (nothing is written then).
    pub async fn rotate_refresh_token(
        &self,
        tenant: &TenantId,
        old: &[u8],
        new: &[u8],
        grant_id: &str,
        now: Timestamp,
    ) -> Result<bool> {
        dispatch!(self.rotate_refresh_token(tenant, old, new, grant_id, now) or in_thread rotate_refresh_token_in_thread)
    }

    /// The scopes the user allowed the client, if they ever did.
    pub async fn find_consent(
        &self,
        tenant: &TenantId,
        user_id: &str,
        client: &ClientId,
    ) -> Result<Option<Vec<String>>> {
        dispatch!(self.find_consent(tenant, user_id, client))
    }

    /// Adds `scopes` to the user's consent for the client, with the
    /// `consent.granted` event.
    pub async fn save_consent(
        &self,
        tenant: &TenantId,
        user_id: &str,
        client: &ClientId,
        scopes: &[String],
        now: Timestamp,
        event: &AuditEvent,
    ) -> Result<()> {
        dispatch!(self.save_consent(tenant, user_id, client, scopes, now, event))
    }

    /// What the user allowed each client, in client order.
    pub async fn list_consents(&self, tenant: &TenantId, user_id: &str) -> Result<Vec<Consent>> {
        dispatch!(self.list_consents(tenant, user_id))
    }

    /// Forgets the user's consent for the client and revokes the grants it
    /// led to, recording `event` (`consent.revoked`); `false` (and no
    /// event) when there was none.
    pub async fn revoke_consent(
        &self,
        tenant: &TenantId,
        user_id: &str,
        client: &ClientId,
        now: Timestamp,
        event: &AuditEvent,
    ) -> Result<bool> {
        dispatch!(self.revoke_consent(tenant, user_id, client, now, event))
    }

    /// Consecutive failed sign-ins of an account and the time of the last.
    pub async fn find_failures(
        &self,
        tenant: &TenantId,
        key: &str,
    ) -> Result<Option<(i64, Timestamp)>> {
        dispatch!(self.find_failures(tenant, key))
    }

    /// Counts a failed sign-in (starting again from one when the last was
    /// before `reset_before`) and returns the count; records `event`
    /// (`sign-in-failed`) with it.
    pub async fn add_failure(
        &self,
        tenant: &TenantId,
        key: &str,
        now: Timestamp,
        reset_before: Timestamp,
        event: &AuditEvent,
    ) -> Result<i64> {
        dispatch!(self.add_failure(tenant, key, now, reset_before, event))
    }

    pub async fn clear_failures(&self, tenant: &TenantId, key: &str) -> Result<()> {
        dispatch!(self.clear_failures(tenant, key))
    }
}
