//! The SQLite backend's background task that checkpoints the WAL into the
//! database file, so no request's commit does it; and the moment it asks
//! the writer for, so that the WAL starts over instead of growing.
//!
//! SQLite writes the WAL from its start again only when a write transaction
//! begins while every frame of it is already in the database file. Under a
//! steady write load the group commit's batches follow each other without a
//! gap, so a background checkpoint, which runs beside them, never finds the
//! WAL complete at that moment, and the WAL grew without bound (measured:
//! 935 MB after 10 s of creating clients; every frame then lands on a new
//! page of the file). So when a pass finds the WAL longer than
//! [`RESTART_AFTER_FRAMES`], it raises [`WalRestart`]; the group commit's
//! committer, right after its next `COMMIT` and before the next batch may
//! begin, checkpoints the few frames written since that pass
//! (`group_commit.rs`). The next batch then writes the WAL from its start.

use sqlx::{Connection as _, Row as _, SqliteConnection};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// How often the WAL is checkpointed into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// A WAL longer than this (frames of one page; 16 MiB of 4 KiB pages) is
/// made to start over (see the module's header).
const RESTART_AFTER_FRAMES: i64 = 4096;

/// Set by the checkpoint task when the WAL should start over; taken by the
/// group commit's committer.
#[derive(Clone, Default)]
pub(crate) struct WalRestart(Arc<AtomicBool>);

impl WalRestart {
    /// Whether a restart was asked for since the last call; clears it.
    pub(crate) fn take(&self) -> bool {
        self.0.swap(false, Ordering::Relaxed)
    }

    fn ask(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// What the committer runs between two batches when a restart was asked
/// for: the rest of the WAL into the database file, so that the next batch
/// begins with the WAL complete and writes it from its start.
pub(crate) const FINISH_CHECKPOINT: &str = "PRAGMA wal_checkpoint(PASSIVE)";

/// Copies committed WAL frames into the database file, in the background,
/// until `alive` has no strong count left.
///
/// SQLite would otherwise checkpoint inside the commit that crosses 1000 WAL
/// pages, stalling that commit and every request of its batch for as long
/// as the copy and its fsync take (hundreds of milliseconds on a large
/// database). A PASSIVE checkpoint never blocks writers or readers; with
/// `synchronous=FULL` it syncs the WAL before copying and the database file
/// after, so durability is unchanged.
pub(super) async fn checkpoints(mut conn: SqliteConnection, alive: Weak<()>, restart: WalRestart) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if alive.strong_count() == 0 {
            let _ = conn.close().await;
            return;
        }
        match sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&mut conn)
            .await
        {
            // (busy, frames in the WAL, frames checkpointed)
            Ok(row) => {
                let frames: i64 = row.try_get(1).unwrap_or(0);
                if frames > RESTART_AFTER_FRAMES {
                    restart.ask();
                }
            }
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed; retrying"),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::store::PoolSettings;
    use crate::store::sqlite::SqliteStore;
    use std::time::{Duration, Instant};

    /// Writers that never pause (each batch begins as the one before
    /// commits) still let the WAL start over: it stays far shorter than what
    /// they wrote. Without the committer's checkpoint between batches the
    /// WAL kept every frame (it grew past what this test writes).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_wal_starts_over_under_writes_that_never_pause() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let url = format!("sqlite://{}", path.display());
        let store = SqliteStore::connect(&url, &PoolSettings::default())
            .await
            .unwrap();
        let mut tx = store.group().begin().await.unwrap();
        sqlx::query("CREATE TABLE filler (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let wal = dir.path().join("w.db-wal");
        // About 3 pages per row: 140 MiB of frames in all.
        const ROWS: usize = 12_000;
        let started = Instant::now();
        let mut writers = Vec::new();
        for w in 0..8 {
            let store = store.clone();
            writers.push(tokio::spawn(async move {
                for i in (w..ROWS).step_by(8) {
                    let mut tx = store.group().begin().await.unwrap();
                    // Rows are rewritten, so the database stays small and
                    // only the WAL could grow.
                    sqlx::query(
                        "INSERT OR REPLACE INTO filler (id, body) VALUES ($1, zeroblob(10000))",
                    )
                    .bind(i64::try_from(i % 64).unwrap())
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                    tx.commit().await.unwrap();
                }
            }));
        }
        let mut largest = 0;
        while writers.iter().any(|w| !w.is_finished()) {
            largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        for w in writers {
            w.await.unwrap();
        }
        // What the checkpoint task lets the WAL reach before it asks for a
        // restart, and a good margin for what is written meanwhile.
        let written = ROWS as u64 * 3 * 4096;
        assert!(
            largest < 64 << 20,
            "the WAL reached {largest} bytes for {written} bytes written in {:?}",
            started.elapsed()
        );
    }
}
