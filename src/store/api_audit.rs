//! `Store`'s audit-log methods: events in time order (export), expired ones
//! deleted in batches (retention), a tenant's webhook, and the outbox the
//! delivery workers drain; each calls the same method on whichever backend
//! the store is (the statements are in `audit.rs` and `webhooks.rs`).
//! Events themselves are written by the write methods of the changes they
//! describe, in the same transaction.

use super::{Result, Store, dispatch};
use crate::domain::outbox::{Claimed, Target};
use crate::domain::time::Timestamp;
use crate::domain::webhook::WebhookKey;

impl Store {
    /// Up to `limit` events of `tenant` ([`super::SERVER_TENANT`] for the
    /// server-wide ones) after the position `(time, event id)`, oldest
    /// first: `(time, event id, CloudEvent JSON)`.
    pub async fn events_after(
        &self,
        tenant: &str,
        after: (Timestamp, &str),
        limit: i64,
    ) -> Result<Vec<(Timestamp, String, String)>> {
        dispatch!(self.events_after(tenant, after, limit))
    }

    /// Up to `limit` tenant ids after `after`, in order.
    pub async fn tenants_after(&self, after: &str, limit: i64) -> Result<Vec<String>> {
        dispatch!(self.tenants_after(after, limit))
    }

    /// Deletes up to `limit` of the oldest events of `tenant` older than
    /// `before`, in one short transaction; returns how many.
    pub async fn delete_expired_events(
        &self,
        tenant: &str,
        before: Timestamp,
        limit: i64,
    ) -> Result<u64> {
        dispatch!(self.delete_expired_events(tenant, before, limit))
    }

    /// Sets (or replaces) the tenant's webhook; `TenantNotFound` when there
    /// is no such tenant. Undelivered events go to the new URL.
    pub async fn set_webhook(
        &self,
        tenant: &str,
        url: &str,
        key: &WebhookKey,
        now: Timestamp,
    ) -> Result<()> {
        dispatch!(self.set_webhook(tenant, url, key, now))
    }

    /// Removes the tenant's webhook and its undelivered events; whether it
    /// had one.
    pub async fn unset_webhook(&self, tenant: &str) -> Result<bool> {
        dispatch!(self.unset_webhook(tenant))
    }

    /// Leases up to `limit` due deliveries to `claim` until `lease_until`;
    /// no other worker gets them before then.
    pub async fn claim_deliveries(
        &self,
        claim: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> Result<Vec<Claimed>> {
        dispatch!(self.claim_deliveries(claim, now, lease_until, limit))
    }

    /// Where and what to deliver for a claimed row; `None` when the tenant
    /// no longer has a webhook.
    pub async fn delivery_target(&self, claimed: &Claimed) -> Result<Option<Target>> {
        dispatch!(self.delivery_target(claimed))
    }

    /// Marks a claimed delivery done (deletes its row) and makes the next of
    /// its subject due; `false` when the claim had been lost meanwhile.
    pub async fn complete_delivery(&self, claimed: &Claimed, now: Timestamp) -> Result<bool> {
        dispatch!(self.complete_delivery(claimed, now))
    }

    /// Gives a claimed delivery back, due again at `at`, with the reason.
    pub async fn retry_delivery(
        &self,
        claimed: &Claimed,
        at: Timestamp,
        error: &str,
    ) -> Result<()> {
        dispatch!(self.retry_delivery(claimed, at, error))
    }

    /// How many of the tenant's events are still to deliver.
    pub async fn pending_deliveries(&self, tenant: &str) -> Result<i64> {
        dispatch!(self.pending_deliveries(tenant))
    }
}
