//! Group commit for SQLite: concurrent write transactions share one commit.
//!
//! With `synchronous=FULL` every SQLite commit waits for an fsync of the WAL,
//! and SQLite has one writer, so one transaction per request caps writes at
//! the disk's fsync rate however many requests wait. Here the write
//! connection runs one *batch* transaction (`BEGIN IMMEDIATE`) at a time;
//! each request's transaction is a savepoint inside it, and one `COMMIT` (one
//! fsync) makes every request of the batch durable together.
//!
//! What a request sees is unchanged:
//! - its statements run alone on the connection (the batch is behind a
//!   mutex), after the requests before it in the batch, as in a serial
//!   schedule;
//! - a request that fails or is dropped rolls back to its savepoint: its
//!   changes vanish, the other requests of the batch keep theirs;
//! - [`WriteTx::commit`] returns only after the batch's `COMMIT` succeeded, so a
//!   2xx still means the change is on disk; if that `COMMIT` fails, every
//!   request of the batch gets the error and nothing of the batch is kept.
//!
//! Batches form by themselves: a request that released its savepoint wakes
//! the committer task, which queues for the mutex behind the requests already
//! waiting (tokio's mutex is FIFO), so those join the batch before it commits.
//! A lone request is committed at once.
//!
//! A request's audit events wait in its `WriteTx` and join the batch when its
//! savepoint is released; the batch inserts them just before its `COMMIT`
//! (`sqlite_events.rs`), so they share the fate of the changes they describe.
//!
//! Some SQLite errors (I/O, disk full) roll back the whole transaction, not
//! just a statement. A marker row written into a temporary table when the
//! batch begins must still be there at `COMMIT`; if it is not, the batch
//! transaction was lost and every request of the batch gets an error.

use super::audit::EventRow;
use super::sqlite_checkpoint::{FINISH_CHECKPOINT, WalRestart};
use super::sqlite_events::insert_events;
use sqlx::Sqlite;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnection, SqlitePool, SqliteTransactionManager};
use sqlx_core::transaction::TransactionManager as _;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Weak};
use tokio::sync::{Mutex, Notify, OwnedMappedMutexGuard, OwnedMutexGuard, watch};

/// The outcome of a batch's `COMMIT`, as its requests learn it.
type Outcome = Option<Result<(), Arc<str>>>;

/// Created on each write connection (see `sqlite.rs`): one row marks a live batch.
pub(crate) const MARKER_TABLE_SQL: &str =
    "CREATE TEMP TABLE IF NOT EXISTS registrar_batch_marker (live INTEGER NOT NULL)";

struct OpenBatch {
    /// The connection's SQLite handle as rusqlite sees it, with the
    /// statements of the batch's in-thread writes (`group_commit_in_thread.rs`);
    /// used only while sqlx's worker has handed the handle over. Dropped
    /// before the batch ends (`drop_in_thread_view`), and declared before
    /// `conn` so that it is dropped first otherwise: no statement may outlive
    /// the connection (sqlx's close would fail on it).
    in_thread: Option<rusqlite::Connection>,
    conn: PoolConnection<Sqlite>,
    /// The audit events of the requests released into the batch, inserted
    /// just before its `COMMIT` (`sqlite_events.rs`).
    events: Vec<EventRow>,
    done: watch::Sender<Outcome>,
    /// Set when a request was dropped while its savepoint was being
    /// released: whether that release ran is unknown, so the batch is rolled
    /// back and all its requests get an error.
    poisoned: bool,
}

/// The writer of one SQLite store; cheap to clone.
#[derive(Clone)]
pub(crate) struct GroupCommit {
    pool: SqlitePool,
    batch: Arc<Mutex<Option<OpenBatch>>>,
    wake: Arc<Notify>,
}

impl GroupCommit {
    /// Starts the committer task on the current tokio runtime; it ends when
    /// the last `GroupCommit` of this store is dropped.
    /// `restart` asks it to finish a checkpoint between two batches
    /// (`sqlite_checkpoint.rs`).
    pub(crate) fn start(pool: SqlitePool, restart: WalRestart) -> GroupCommit {
        let batch = Arc::new(Mutex::new(None));
        let wake = Arc::new(Notify::new());
        tokio::spawn(committer(Arc::downgrade(&batch), wake.clone(), restart));
        GroupCommit { pool, batch, wake }
    }

    /// Begins a request's write transaction: a savepoint in the open batch,
    /// or in a new one.
    pub(crate) async fn begin(&self) -> Result<WriteTx, sqlx::Error> {
        let mut batch = self.join_batch().await?;
        if let Err(e) = SqliteTransactionManager::begin(&mut batch.conn, None).await {
            // The batch stays open for the requests already in it.
            drop(batch);
            self.wake.notify_one();
            return Err(e);
        }
        Ok(WriteTx {
            batch: Some(batch),
            events: Vec::new(),
            wake: self.wake.clone(),
            releasing: false,
        })
    }
}

impl GroupCommit {
    /// The open batch, opened first if there is none; held until dropped.
    async fn join_batch(&self) -> Result<BatchGuard, sqlx::Error> {
        let mut slot = self.batch.clone().lock_owned().await;
        if slot.is_none() {
            open_batch(&self.pool, &mut slot).await.inspect_err(|_| {
                self.wake.notify_one();
            })?;
        }
        OwnedMutexGuard::try_map(slot, Option::as_mut).map_err(|_| sqlx::Error::WorkerCrashed)
    }
}

/// A request's hold on the open batch.
type BatchGuard = OwnedMappedMutexGuard<Option<OpenBatch>, OpenBatch>;

/// Opens a batch into `slot`. The batch is in the slot from the moment its
/// transaction began, so a request dropped half-way leaves it to the
/// committer rather than on a connection back in the pool.
async fn open_batch(pool: &SqlitePool, slot: &mut Option<OpenBatch>) -> Result<(), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    // A transaction left open by a request dropped at the wrong moment
    // (its BEGIN ran, the answer was never read) is ended first.
    while SqliteTransactionManager::get_transaction_depth(&conn) > 0 {
        SqliteTransactionManager::rollback(&mut conn).await?;
    }
    SqliteTransactionManager::begin(
        &mut conn,
        Some(sqlx::SqlSafeStr::into_sql_str("BEGIN IMMEDIATE")),
    )
    .await?;
    let (done, _) = watch::channel(None);
    let batch = slot.insert(OpenBatch {
        in_thread: None,
        conn,
        events: Vec::new(),
        done,
        poisoned: false,
    });
    if let Err(e) = sqlx::query("INSERT INTO temp.registrar_batch_marker (live) VALUES (1)")
        .execute(&mut *batch.conn)
        .await
    {
        batch.poisoned = true;
        return Err(e);
    }
    Ok(())
}

/// Commits open batches as requests finish with them.
async fn committer(batch: Weak<Mutex<Option<OpenBatch>>>, wake: Arc<Notify>, restart: WalRestart) {
    loop {
        wake.notified().await;
        let Some(batch) = batch.upgrade() else { return };
        let mut slot = batch.lock().await;
        let Some(mut open) = slot.take() else {
            continue;
        };
        let outcome = finish_batch(&mut open).await;
        if outcome.is_err() {
            // Whatever state the connection is in, it does not go back to
            // the pool: the next batch starts on a fresh one.
            let _ = SqliteTransactionManager::rollback(&mut open.conn).await;
            open.conn.close_on_drop();
        }
        open.done.send_replace(Some(outcome));
        // Between two batches (the slot is still held): what the checkpoint
        // task left of the WAL, so the next batch writes it from its start.
        if restart.take()
            && let Err(e) = sqlx::query(FINISH_CHECKPOINT)
                .execute(&mut *open.conn)
                .await
        {
            tracing::warn!(error = %e, "WAL checkpoint between batches failed");
        }
    }
}

/// Finalizes the statements of the batch's in-thread writes, with the
/// handle handed over by sqlx's worker.
async fn drop_in_thread_view(batch: &mut OpenBatch) {
    if let Some(view) = batch.in_thread.take() {
        // If the worker is gone, nothing else uses the handle either.
        let handle = batch.conn.lock_handle().await;
        drop(view);
        drop(handle);
    }
}

async fn finish_batch(batch: &mut OpenBatch) -> Result<(), Arc<str>> {
    drop_in_thread_view(batch).await;
    if batch.poisoned {
        return Err("a request of the batch was interrupted while it committed".into());
    }
    let conn = &mut *batch.conn;
    insert_events(conn, &batch.events)
        .await
        .map_err(|e| Arc::<str>::from(e.to_string()))?;
    let marker = sqlx::query("DELETE FROM temp.registrar_batch_marker")
        .execute(&mut *conn)
        .await
        .map_err(|e| Arc::<str>::from(e.to_string()))?;
    if marker.rows_affected() != 1 || SqliteTransactionManager::get_transaction_depth(conn) != 1 {
        return Err("the batch transaction was lost".into());
    }
    SqliteTransactionManager::commit(conn)
        .await
        .map_err(|e| Arc::<str>::from(e.to_string()))?;
    if SqliteTransactionManager::get_transaction_depth(conn) != 0 {
        return Err("the batch transaction did not end".into());
    }
    Ok(())
}

/// One request's write transaction; an [`sqlx::Executor`] through
/// `&mut *tx`. Dropped without [`WriteTx::commit`], it rolls back.
pub(crate) struct WriteTx {
    batch: Option<BatchGuard>,
    /// Audit events recorded by this request, handed to the batch when its
    /// savepoint is released.
    events: Vec<EventRow>,
    wake: Arc<Notify>,
    /// True while the savepoint's RELEASE is in flight.
    releasing: bool,
}

impl WriteTx {
    /// Keeps an audit event of this request for its batch to insert once the
    /// request's savepoint is released; dropped with the request otherwise.
    pub(crate) fn defer_event(&mut self, row: EventRow) {
        self.events.push(row);
    }

    /// Releases the savepoint and waits until the batch is committed.
    pub(crate) async fn commit(mut self) -> Result<(), sqlx::Error> {
        self.releasing = true;
        let released = SqliteTransactionManager::commit(&mut self).await;
        self.releasing = false;
        // A failed RELEASE leaves the savepoint open: dropping rolls it back.
        released?;
        let Some(mut batch) = self.batch.take() else {
            return Err(sqlx::Error::WorkerCrashed);
        };
        batch.events.append(&mut self.events);
        let done = batch.done.subscribe();
        drop(batch);
        self.wake.notify_one();
        outcome(done).await
    }
}

/// Waits for the outcome of the batch a request was released into.
async fn outcome(mut done: watch::Receiver<Outcome>) -> Result<(), sqlx::Error> {
    let outcome = done
        .wait_for(Option::is_some)
        .await
        .map_err(|_| batch_failed("the committer stopped"))?
        .clone();
    match outcome {
        Some(Ok(())) => Ok(()),
        Some(Err(why)) => Err(batch_failed(&why)),
        None => Err(batch_failed("no outcome")),
    }
}

fn batch_failed(why: &str) -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::other(format!("group commit failed: {why}")))
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if let Some(mut batch) = self.batch.take() {
            if self.releasing {
                // Dropped while its RELEASE was in flight: whether it ran is
                // unknown, and a rollback queued now could end the whole
                // batch transaction instead of this savepoint.
                batch.poisoned = true;
            } else {
                // Queued on the connection: runs before its next statement.
                SqliteTransactionManager::start_rollback(&mut batch.conn);
            }
            drop(batch);
            self.wake.notify_one();
        }
    }
}

impl Deref for WriteTx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        match &self.batch {
            Some(b) => &b.conn,
            // Only `commit` and `drop` take the batch, and both consume the
            // transaction.
            None => unreachable!("a WriteTx is used after commit"),
        }
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        match &mut self.batch {
            Some(b) => &mut b.conn,
            None => unreachable!("a WriteTx is used after commit"),
        }
    }
}

/// A request's write on the calling thread (`GroupCommit::write_in_thread`).
#[path = "group_commit_in_thread.rs"]
mod in_thread;

#[cfg(test)]
#[path = "group_commit_test_support.rs"]
mod test_support;

#[cfg(test)]
#[path = "group_commit_tests.rs"]
mod tests;
