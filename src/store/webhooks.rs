//! The webhook statements: a tenant's webhook (set, unset), and the outbox
//! the delivery workers drain (claim due rows under a lease, complete or
//! reschedule them); and `impl_webhooks!`, which runs them on one backend
//! (see `shared.rs`).
//!
//! Rows enter the outbox by a trigger on `audit_events` (migration 0007).
//! Per tenant and subject only the oldest row is due; completing it makes
//! the next one due, in the same transaction, under the lock of the tenant's
//! webhook row that the trigger also takes, so none is ever left waiting.
//! A claim is a conditional update: of several workers (instances) reading
//! the same due row, one moves its `due_at` to the end of its lease and the
//! others' updates then find the row no longer due.

pub(super) const TENANT_EXISTS: &str = "SELECT 1 FROM tenants WHERE tenant_id = $1";

pub(super) const UPSERT_WEBHOOK: &str = "INSERT INTO tenant_webhooks (tenant_id, url, secret, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
     ON CONFLICT (tenant_id) DO UPDATE SET url = excluded.url, secret = excluded.secret, updated_at = excluded.updated_at";

/// Also drops the tenant's undelivered rows (`ON DELETE CASCADE`).
pub(super) const DELETE_WEBHOOK: &str = "DELETE FROM tenant_webhooks WHERE tenant_id = $1";

/// Whether any row is due at `$1`: a read, so idle workers never write.
pub(super) const ANY_DUE: &str = "SELECT 1 FROM webhook_outbox WHERE due_at <= $1 LIMIT 1";

/// Leases up to `$4` rows due at `$3` to claim `$2` until `$1`.
pub(super) const CLAIM_DUE: &str = "UPDATE webhook_outbox SET due_at = $1, claim = $2 \
     WHERE due_at <= $3 AND (tenant_id, seq) IN \
     (SELECT tenant_id, seq FROM webhook_outbox WHERE due_at <= $3 ORDER BY due_at LIMIT $4) \
     RETURNING tenant_id, seq, event_time, event_id, subject, attempts";

/// The tenant's target and the event of one outbox row.
pub(super) const DELIVERY_TARGET: &str = "SELECT w.url, w.secret, e.event FROM tenant_webhooks w \
     LEFT JOIN audit_events e ON e.tenant_id = w.tenant_id AND e.time = $2 AND e.event_id = $3 \
     WHERE w.tenant_id = $1";

/// Takes the tenant's webhook row (an update that changes nothing).
pub(super) const LOCK_WEBHOOK: &str =
    "UPDATE tenant_webhooks SET next_seq = next_seq WHERE tenant_id = $1";

pub(super) const DELETE_DELIVERED: &str =
    "DELETE FROM webhook_outbox WHERE tenant_id = $1 AND seq = $2 AND claim = $3";

/// Makes the oldest waiting row of subject `$2` due at `$3`.
pub(super) const PROMOTE_NEXT: &str = "UPDATE webhook_outbox SET due_at = $3 \
     WHERE tenant_id = $1 AND due_at IS NULL AND seq = \
     (SELECT min(seq) FROM webhook_outbox WHERE tenant_id = $1 AND subject = $2)";

pub(super) const RETRY_LATER: &str = "UPDATE webhook_outbox SET due_at = $4, attempts = attempts + 1, claim = NULL, last_error = $5 \
     WHERE tenant_id = $1 AND seq = $2 AND claim = $3";

pub(super) const PENDING: &str = "SELECT count(*) FROM webhook_outbox WHERE tenant_id = $1";

/// The webhook methods of `$Store`.
macro_rules! impl_webhooks {
    ($Store:ident) => {
        mod webhooks {
            use sqlx::Row as _;
            use $crate::domain::outbox::{Claimed, Target};
            use $crate::domain::time::Timestamp;
            use $crate::domain::webhook::WebhookKey;
            use $crate::store::webhooks::{
                ANY_DUE, CLAIM_DUE, DELETE_DELIVERED, DELETE_WEBHOOK, DELIVERY_TARGET,
                LOCK_WEBHOOK, PENDING, PROMOTE_NEXT, RETRY_LATER, TENANT_EXISTS, UPSERT_WEBHOOK,
            };
            use $crate::store::{Result, StoreError};

            impl super::$Store {
                pub(crate) async fn set_webhook(
                    &self,
                    tenant: &str,
                    url: &str,
                    key: &WebhookKey,
                    now: Timestamp,
                ) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query(TENANT_EXISTS)
                        .bind(tenant)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or(StoreError::TenantNotFound)?;
                    sqlx::query(UPSERT_WEBHOOK)
                        .bind(tenant)
                        .bind(url)
                        .bind(key.as_bytes())
                        .bind(now.micros())
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                pub(crate) async fn unset_webhook(&self, tenant: &str) -> Result<bool> {
                    let mut tx = self.begin_write().await?;
                    let gone = sqlx::query(DELETE_WEBHOOK)
                        .bind(tenant)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(gone.rows_affected() == 1)
                }

                pub(crate) async fn claim_deliveries(
                    &self,
                    claim: &str,
                    now: Timestamp,
                    lease_until: Timestamp,
                    limit: i64,
                ) -> Result<Vec<Claimed>> {
                    let due = sqlx::query(ANY_DUE)
                        .bind(now.micros())
                        .fetch_optional(&self.read)
                        .await?;
                    if due.is_none() {
                        return Ok(Vec::new());
                    }
                    let mut tx = self.begin_write().await?;
                    let rows = sqlx::query(CLAIM_DUE)
                        .bind(lease_until.micros())
                        .bind(claim)
                        .bind(now.micros())
                        .bind(limit)
                        .fetch_all(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    rows.iter()
                        .map(|r| {
                            Ok(Claimed {
                                tenant: r.try_get("tenant_id")?,
                                seq: r.try_get("seq")?,
                                event_time: Timestamp::from_micros(r.try_get("event_time")?),
                                event_id: r.try_get("event_id")?,
                                subject: r.try_get("subject")?,
                                attempts: r.try_get("attempts")?,
                                claim: claim.to_owned(),
                            })
                        })
                        .collect()
                }

                pub(crate) async fn delivery_target(&self, c: &Claimed) -> Result<Option<Target>> {
                    let row = sqlx::query(DELIVERY_TARGET)
                        .bind(&c.tenant)
                        .bind(c.event_time.micros())
                        .bind(&c.event_id)
                        .fetch_optional(&self.read)
                        .await?;
                    row.map(|r| {
                        Ok(Target {
                            url: r.try_get("url")?,
                            key: WebhookKey::from_stored(r.try_get("secret")?),
                            event: r.try_get("event")?,
                        })
                    })
                    .transpose()
                }

                pub(crate) async fn complete_delivery(
                    &self,
                    c: &Claimed,
                    now: Timestamp,
                ) -> Result<bool> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query(LOCK_WEBHOOK)
                        .bind(&c.tenant)
                        .execute(&mut *tx)
                        .await?;
                    let done = sqlx::query(DELETE_DELIVERED)
                        .bind(&c.tenant)
                        .bind(c.seq)
                        .bind(&c.claim)
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() == 1 {
                        sqlx::query(PROMOTE_NEXT)
                            .bind(&c.tenant)
                            .bind(&c.subject)
                            .bind(now.micros())
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok(done.rows_affected() == 1)
                }

                pub(crate) async fn retry_delivery(
                    &self,
                    c: &Claimed,
                    at: Timestamp,
                    error: &str,
                ) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query(RETRY_LATER)
                        .bind(&c.tenant)
                        .bind(c.seq)
                        .bind(&c.claim)
                        .bind(at.micros())
                        .bind(error)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                pub(crate) async fn pending_deliveries(&self, tenant: &str) -> Result<i64> {
                    let row = sqlx::query(PENDING)
                        .bind(tenant)
                        .fetch_one(&self.read)
                        .await?;
                    Ok(row.try_get(0)?)
                }
            }
        }
    };
}

pub(super) use impl_webhooks;
