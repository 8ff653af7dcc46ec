//! The periodic deletion of expired client-assertion `jti`s and revocations
//! of expired tokens (`Store::prune_expired`), so they go even from tenants
//! that record no new ones. `app::serve` starts it beside the server and
//! aborts it on shutdown; with several instances each prunes, which is
//! harmless (a row is deleted once).

use crate::domain::time::Timestamp;
use crate::store::Store;
use std::time::Duration;

/// Default period of the pruning.
pub const PRUNE_EXPIRED_EVERY: Duration = Duration::from_secs(300);
/// Rows deleted per transaction.
const BATCH: u32 = 500;

/// Prunes every `every`, the first time one period after the start.
pub fn spawn_expired_pruner(store: Store, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            match store.prune_expired(Timestamp::now(), BATCH).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(rows = n, "expired jtis and revocations pruned"),
                Err(e) => tracing::warn!(error = %e, "cannot prune expired jtis and revocations"),
            }
        }
    })
}
