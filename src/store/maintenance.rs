//! Housekeeping statements: expired client-assertion `jti`s and revocations
//! of expired tokens are deleted by a periodic task (`ops::pruning`), not
//! only by the same tenant's next insert. Tenant by tenant (every query on
//! a tenant-owned table is scoped by tenant), in small batches, each its
//! own short transaction, so the pruning never holds the write lock long.
//! `impl_maintenance!` runs the statements on one backend (see `shared.rs`).

/// Tenants after `$1` in id order, `$2` at a time.
pub(super) const TENANTS_AFTER: &str =
    "SELECT tenant_id FROM tenants WHERE tenant_id > $1 ORDER BY tenant_id LIMIT $2";

/// One statement per table: whether the tenant (`$1`) has a row expired
/// before `$2` (a read, so tenants with nothing to prune cost no write), and
/// the deletion of up to `$3` of them.
pub(super) const PRUNABLE: [(&str, &str); 2] = [
    (
        "SELECT 1 FROM client_assertion_jtis WHERE tenant_id = $1 AND expires_at < $2 LIMIT 1",
        "DELETE FROM client_assertion_jtis WHERE tenant_id = $1 AND (client_id, jti) IN \
         (SELECT client_id, jti FROM client_assertion_jtis WHERE tenant_id = $1 AND expires_at < $2 LIMIT $3)",
    ),
    (
        "SELECT 1 FROM revoked_tokens WHERE tenant_id = $1 AND expires_at < $2 LIMIT 1",
        "DELETE FROM revoked_tokens WHERE tenant_id = $1 AND (client_id, jti) IN \
         (SELECT client_id, jti FROM revoked_tokens WHERE tenant_id = $1 AND expires_at < $2 LIMIT $3)",
    ),
];

/// Tenants read per page.
pub(super) const TENANT_PAGE: i64 = 200;

/// The housekeeping method of `$Store`.
macro_rules! impl_maintenance {
    ($Store:ident) => {
        mod maintenance {
            use $crate::domain::time::Timestamp;
            use $crate::store::Result;
            use $crate::store::maintenance::{PRUNABLE, TENANT_PAGE, TENANTS_AFTER};

            impl super::$Store {
                pub(crate) async fn prune_expired(
                    &self,
                    now: Timestamp,
                    batch: u32,
                ) -> Result<u64> {
                    let batch = i64::from(batch.max(1));
                    let mut after = String::new();
                    let mut deleted = 0;
                    loop {
                        let tenants: Vec<String> = sqlx::query_scalar(TENANTS_AFTER)
                            .bind(&after)
                            .bind(TENANT_PAGE)
                            .fetch_all(&self.read)
                            .await?;
                        let Some(last) = tenants.last() else {
                            return Ok(deleted);
                        };
                        after.clone_from(last);
                        for tenant in &tenants {
                            for (probe, delete) in PRUNABLE {
                                deleted +=
                                    self.prune_table(tenant, probe, delete, now, batch).await?;
                            }
                        }
                    }
                }

                /// The tenant's expired rows of one table, `batch` at a time.
                async fn prune_table(
                    &self,
                    tenant: &str,
                    probe: &'static str,
                    delete: &'static str,
                    now: Timestamp,
                    batch: i64,
                ) -> Result<u64> {
                    let any = sqlx::query(probe)
                        .bind(tenant)
                        .bind(now.micros())
                        .fetch_optional(&self.read)
                        .await?;
                    if any.is_none() {
                        return Ok(0);
                    }
                    let mut deleted = 0;
                    loop {
                        let mut tx = self.begin_write().await?;
                        let done = sqlx::query(delete)
                            .bind(tenant)
                            .bind(now.micros())
                            .bind(batch)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                        tx.commit().await?;
                        deleted += done;
                        if done < batch.unsigned_abs() {
                            return Ok(deleted);
                        }
                        // Between batches, let requests waiting for the
                        // write lock go first.
                        tokio::task::yield_now().await;
                    }
                }
            }
        }
    };
}

pub(super) use impl_maintenance;
