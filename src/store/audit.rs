//! The audit log's statements: recording an event inside a change's own
//! transaction, reading events in time order for `audits export`, and
//! deleting expired ones in small batches; and `impl_audit!`, which runs
//! them on one backend (see `shared.rs`).
//!
//! A change records its event with one call, `record_event(&mut tx, &event)`,
//! in the transaction that makes the change: both are committed together or
//! neither is. On PostgreSQL that call inserts the event; on SQLite, whose
//! request transactions are savepoints of a group-commit batch, the batch
//! inserts its requests' events just before its `COMMIT` (`sqlite_events.rs`).
//! A trigger (migration 0007) copies the events of tenants with a webhook
//! into the outbox in the same statement.

use crate::domain::audit::{AuditEvent, filter_key};
use crate::domain::ids::TenantId;
use sqlx::query::Query;
use sqlx::{Database, Encode, Type};

/// The insert of events, without its `VALUES` (one row's values are bound
/// by [`EventRow::bind`], in this order).
macro_rules! insert_event_columns {
    () => {
        "INSERT INTO audit_events (tenant_id, time, event_id, type, subject, actor_sub, traceid, event)"
    };
}
pub(super) const INSERT_EVENT_COLUMNS: &str = insert_event_columns!();

/// The insert of one event (`sqlite_events.rs` builds the inserts of several).
pub(super) const INSERT_EVENT: &str = concat!(
    insert_event_columns!(),
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
);

/// A tenant's events from the position `($2, $3)` on, exclusive, in time order.
pub(super) const EVENTS_AFTER: &str = "SELECT time, event_id, event FROM audit_events \
     WHERE tenant_id = $1 AND (time, event_id) > ($2, $3) ORDER BY time, event_id LIMIT $4";

/// A page of tenant ids, for the tasks that visit every tenant.
pub(super) const TENANTS_AFTER: &str =
    "SELECT tenant_id FROM tenants WHERE tenant_id > $1 ORDER BY tenant_id LIMIT $2";

/// Whether a tenant has an event older than `$2`: a read, so a sweep that
/// finds nothing to delete never takes the writer.
pub(super) const HAS_EXPIRED: &str =
    "SELECT 1 FROM audit_events WHERE tenant_id = $1 AND time < $2 LIMIT 1";

/// Up to `$3` of a tenant's events older than `$2`, oldest first: one range
/// of the primary key.
pub(super) const DELETE_EXPIRED: &str = "DELETE FROM audit_events WHERE tenant_id = $1 AND (time, event_id) IN \
     (SELECT time, event_id FROM audit_events WHERE tenant_id = $1 AND time < $2 ORDER BY time, event_id LIMIT $3)";

/// The `tenant_id` of server-wide events (signing keys), which no tenant lists.
pub const SERVER_TENANT: &str = "";

/// An event as `audit_events` stores it: `type`, `subject`, `actor_sub`
/// and `traceid` lowercased (filters compare them without regard to case),
/// `tenant_id` [`SERVER_TENANT`] for server-wide events.
pub(crate) struct EventRow {
    tenant: String,
    time: i64,
    id: String,
    kind: &'static str,
    subject: String,
    actor: String,
    trace: Option<String>,
    json: String,
}

impl EventRow {
    pub(crate) fn of(ev: &AuditEvent) -> EventRow {
        EventRow {
            tenant: ev
                .tenant
                .as_ref()
                .map_or(SERVER_TENANT, TenantId::as_str)
                .to_owned(),
            time: ev.time.micros(),
            id: ev.id.clone(),
            kind: ev.kind.as_str(),
            subject: filter_key(&ev.subject),
            actor: filter_key(&ev.actor_sub),
            trace: ev.trace_id.as_deref().map(filter_key),
            json: ev.json.clone(),
        }
    }

    /// Binds the row's eight values, in the order of the insert's columns.
    pub(super) fn bind<'q, DB: Database>(
        &'q self,
        query: Query<'q, DB, DB::Arguments>,
    ) -> Query<'q, DB, DB::Arguments>
    where
        &'q str: Encode<'q, DB> + Type<DB>,
        Option<&'q str>: Encode<'q, DB> + Type<DB>,
        i64: Encode<'q, DB> + Type<DB>,
    {
        query
            .bind(self.tenant.as_str())
            .bind(self.time)
            .bind(self.id.as_str())
            .bind(self.kind)
            .bind(self.subject.as_str())
            .bind(self.actor.as_str())
            .bind(self.trace.as_deref())
            .bind(self.json.as_str())
    }
}

/// The audit methods of `$Store`, and `record_event` for every write.
macro_rules! impl_audit {
    ($Store:ident) => {
        mod audit {
            use super::WriteTx;
            use sqlx::Row as _;
            use $crate::domain::audit::AuditEvent;
            use $crate::domain::time::Timestamp;
            use $crate::store::Result;
            use $crate::store::audit::{DELETE_EXPIRED, EVENTS_AFTER, HAS_EXPIRED, TENANTS_AFTER};

            /// Records `ev` in the transaction of the change it describes
            /// (each backend's `write_event`: an insert on PostgreSQL, a row
            /// the batch inserts before its commit on SQLite).
            pub(super) async fn record_event(tx: &mut WriteTx, ev: &AuditEvent) -> Result<()> {
                // Builds made for `bench/audit.sh`'s baseline only (Cargo.toml).
                if cfg!(feature = "bench-without-audit") {
                    return Ok(());
                }
                super::write_event(tx, ev).await
            }

            impl super::$Store {
                pub(crate) async fn events_after(
                    &self,
                    tenant: &str,
                    after: (Timestamp, &str),
                    limit: i64,
                ) -> Result<Vec<(Timestamp, String, String)>> {
                    let rows = sqlx::query(EVENTS_AFTER)
                        .bind(tenant)
                        .bind(after.0.micros())
                        .bind(after.1)
                        .bind(limit)
                        .fetch_all(&self.read)
                        .await?;
                    rows.iter()
                        .map(|r| {
                            Ok((
                                Timestamp::from_micros(r.try_get("time")?),
                                r.try_get("event_id")?,
                                r.try_get("event")?,
                            ))
                        })
                        .collect()
                }

                pub(crate) async fn tenants_after(
                    &self,
                    after: &str,
                    limit: i64,
                ) -> Result<Vec<String>> {
                    let rows = sqlx::query(TENANTS_AFTER)
                        .bind(after)
                        .bind(limit)
                        .fetch_all(&self.read)
                        .await?;
                    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
                }

                pub(crate) async fn delete_expired_events(
                    &self,
                    tenant: &str,
                    before: Timestamp,
                    limit: i64,
                ) -> Result<u64> {
                    let any = sqlx::query(HAS_EXPIRED)
                        .bind(tenant)
                        .bind(before.micros())
                        .fetch_optional(&self.read)
                        .await?;
                    if any.is_none() {
                        return Ok(0);
                    }
                    let mut tx = self.begin_write().await?;
                    let done = sqlx::query(DELETE_EXPIRED)
                        .bind(tenant)
                        .bind(before.micros())
                        .bind(limit)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(done.rows_affected())
                }
            }
        }
    };
}

pub(super) use impl_audit;
