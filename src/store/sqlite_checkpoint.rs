//! The SQLite backend's background task that checkpoints the WAL into the
//! database file, so no request's commit does it.

use sqlx::{Connection as _, SqliteConnection};
use std::sync::Weak;
use std::time::Duration;

/// How often the WAL is checkpointed into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// Copies committed WAL frames into the database file, in the background,
/// until `alive` has no strong count left.
///
/// SQLite would otherwise checkpoint inside the commit that crosses 1000 WAL
/// pages, stalling that commit and every request of its batch for as long
/// as the copy and its fsync take (hundreds of milliseconds on a large
/// database). A PASSIVE checkpoint never blocks writers or readers; with
/// `synchronous=FULL` it syncs the WAL before copying and the database file
/// after, so durability is unchanged.
pub(super) async fn checkpoints(mut conn: SqliteConnection, alive: Weak<()>) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if alive.strong_count() == 0 {
            let _ = conn.close().await;
            return;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&mut conn)
            .await
        {
            tracing::warn!(error = %e, "WAL checkpoint failed; retrying");
        }
    }
}
