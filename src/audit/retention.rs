//! Retention (`--audit-retention-days`): a periodic task deletes the events
//! older than the retention period, every tenant's and the server-wide ones,
//! in batches of [`BATCH`] rows, each its own short transaction, with a pause
//! between batches so request writes (on SQLite, the one writer) are never
//! held up by more than one batch.

use crate::domain::time::Timestamp;
use crate::store::{SERVER_TENANT, Store, StoreError};
use std::time::Duration;

/// Rows deleted by one statement.
pub const BATCH: i64 = 1000;
/// Pause between two batches.
const PAUSE: Duration = Duration::from_millis(20);
/// Tenants read per page while visiting all of them.
const TENANT_PAGE: i64 = 1000;
/// The longest wait between two sweeps.
const MAX_INTERVAL: Duration = Duration::from_secs(3600);

/// How often to sweep for a retention period: hourly, or every tenth of
/// the period when that is shorter (at least every second).
pub fn interval(retention: Duration) -> Duration {
    (retention / 10).clamp(Duration::from_secs(1), MAX_INTERVAL)
}

/// Sweeps now and then every [`interval`], until aborted.
pub async fn run(store: Store, retention: Duration) {
    loop {
        let before = Timestamp::now().minus(retention);
        match sweep(&store, before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "audit retention: deleted expired events"),
            Err(e) => tracing::warn!("audit retention: {e}"),
        }
        tokio::time::sleep(interval(retention)).await;
    }
}

/// Deletes every event older than `before`; returns how many.
pub async fn sweep(store: &Store, before: Timestamp) -> Result<u64, StoreError> {
    let mut total = sweep_tenant(store, SERVER_TENANT, before).await?;
    let mut after = String::new();
    loop {
        let page = store.tenants_after(&after, TENANT_PAGE).await?;
        for tenant in &page {
            total += sweep_tenant(store, tenant, before).await?;
        }
        match page.last() {
            Some(last) if page.len() as i64 == TENANT_PAGE => after.clone_from(last),
            _ => return Ok(total),
        }
    }
}

async fn sweep_tenant(store: &Store, tenant: &str, before: Timestamp) -> Result<u64, StoreError> {
    let mut total = 0;
    loop {
        let n = store.delete_expired_events(tenant, before, BATCH).await?;
        total += n;
        if n < BATCH.unsigned_abs() {
            return Ok(total);
        }
        tokio::time::sleep(PAUSE).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweeps_hourly_or_ten_times_per_short_period() {
        assert_eq!(interval(Duration::from_secs(365 * 86_400)), MAX_INTERVAL);
        assert_eq!(interval(Duration::from_secs(60)), Duration::from_secs(6));
        assert_eq!(interval(Duration::from_millis(500)), Duration::from_secs(1));
    }
}
