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
//! Some SQLite errors (I/O, disk full) roll back the whole transaction, not
//! just a statement. A marker row written into a temporary table when the
//! batch begins must still be there at `COMMIT`; if it is not, the batch
//! transaction was lost and every request of the batch gets an error.

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
    conn: PoolConnection<Sqlite>,
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
    pub(crate) fn start(pool: SqlitePool) -> GroupCommit {
        let batch = Arc::new(Mutex::new(None));
        let wake = Arc::new(Notify::new());
        tokio::spawn(committer(Arc::downgrade(&batch), wake.clone()));
        GroupCommit { pool, batch, wake }
    }

    /// Begins a request's write transaction: a savepoint in the open batch,
    /// or in a new one.
    pub(crate) async fn begin(&self) -> Result<WriteTx, sqlx::Error> {
        let mut slot = self.batch.clone().lock_owned().await;
        if slot.is_none() {
            open_batch(&self.pool, &mut slot).await.inspect_err(|_| {
                self.wake.notify_one();
            })?;
        }
        let Ok(mut batch) = OwnedMutexGuard::try_map(slot, Option::as_mut) else {
            return Err(sqlx::Error::WorkerCrashed);
        };
        if let Err(e) = SqliteTransactionManager::begin(&mut batch.conn, None).await {
            // The batch stays open for the requests already in it.
            drop(batch);
            self.wake.notify_one();
            return Err(e);
        }
        Ok(WriteTx {
            batch: Some(batch),
            wake: self.wake.clone(),
            releasing: false,
        })
    }
}

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
        conn,
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
async fn committer(batch: Weak<Mutex<Option<OpenBatch>>>, wake: Arc<Notify>) {
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
    }
}

async fn finish_batch(batch: &mut OpenBatch) -> Result<(), Arc<str>> {
    if batch.poisoned {
        return Err("a request of the batch was interrupted while it committed".into());
    }
    let conn = &mut *batch.conn;
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
    batch: Option<OwnedMappedMutexGuard<Option<OpenBatch>, OpenBatch>>,
    wake: Arc<Notify>,
    /// True while the savepoint's RELEASE is in flight.
    releasing: bool,
}

impl WriteTx {
    /// Releases the savepoint and waits until the batch is committed.
    pub(crate) async fn commit(mut self) -> Result<(), sqlx::Error> {
        self.releasing = true;
        let released = SqliteTransactionManager::commit(&mut self).await;
        self.releasing = false;
        // A failed RELEASE leaves the savepoint open: dropping rolls it back.
        released?;
        let Some(batch) = self.batch.take() else {
            return Err(sqlx::Error::WorkerCrashed);
        };
        let mut done = batch.done.subscribe();
        drop(batch);
        self.wake.notify_one();
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

#[cfg(test)]
mod tests {
    use crate::store::PoolSettings;
    use crate::store::sqlite::SqliteStore;
    use sqlx::Row as _;

    async fn fresh_store(dir: &tempfile::TempDir) -> SqliteStore {
        let url = format!("sqlite://{}", dir.path().join("g.db").display());
        SqliteStore::connect(&url, &PoolSettings::default())
            .await
            .unwrap()
    }

    async fn tenants(store: &SqliteStore) -> Vec<String> {
        sqlx::query("SELECT tenant_id FROM tenants ORDER BY tenant_id")
            .fetch_all(store.read_pool())
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    }

    async fn insert(tx: &mut super::WriteTx, id: &str) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO tenants (tenant_id, name, created_at) VALUES ($1, 'n', 0)")
            .bind(id)
            .execute(&mut **tx)
            .await
            .map(|_| ())
    }

    /// Many concurrent transactions share batches: each one that commits is
    /// visible to other connections as soon as its commit returns (so the
    /// answer waits for the batch's COMMIT); one that fails or is dropped
    /// leaves nothing, and takes nothing of the others with it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_transactions_keep_their_own_outcome() {
        let dir = tempfile::tempdir().unwrap();
        let store = fresh_store(&dir).await;
        let mut tasks = Vec::new();
        for i in 0..120 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let id = format!("t{i:03}");
                let mut tx = store.group().begin().await.unwrap();
                insert(&mut tx, &id).await.unwrap();
                match i % 4 {
                    // Committed: visible to a reader at once.
                    0 | 1 => {
                        tx.commit().await.unwrap();
                        let seen = sqlx::query("SELECT 1 FROM tenants WHERE tenant_id = $1")
                            .bind(&id)
                            .fetch_optional(store.read_pool())
                            .await
                            .unwrap();
                        assert!(seen.is_some(), "{id} acknowledged but not committed");
                        Some(id)
                    }
                    // Fails half-way (a duplicate key), then is dropped.
                    2 => {
                        assert!(insert(&mut tx, &id).await.is_err());
                        None
                    }
                    // Dropped without commit.
                    _ => None,
                }
            }));
        }
        let mut expected = Vec::new();
        for t in tasks {
            expected.extend(t.await.unwrap());
        }
        expected.sort();
        assert_eq!(expected.len(), 60);
        assert_eq!(tenants(&store).await, expected);
        // The writer is in a clean state afterwards.
        let mut tx = store.group().begin().await.unwrap();
        insert(&mut tx, "zz").await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(tenants(&store).await.len(), 61);
    }

    /// A request dropped while its RELEASE was in flight poisons its batch:
    /// every request of it gets an error, and none of it is kept.
    #[tokio::test]
    async fn a_request_dropped_while_releasing_fails_its_batch() {
        let dir = tempfile::tempdir().unwrap();
        let store = fresh_store(&dir).await;
        let mut first = store.group().begin().await.unwrap();
        insert(&mut first, "first").await.unwrap();
        first.releasing = true;
        drop(first);
        let mut second = store.group().begin().await.unwrap();
        insert(&mut second, "second").await.unwrap();
        assert!(second.commit().await.is_err());
        assert!(tenants(&store).await.is_empty());
        let mut third = store.group().begin().await.unwrap();
        insert(&mut third, "third").await.unwrap();
        third.commit().await.unwrap();
        assert_eq!(tenants(&store).await, ["third"]);
    }

    /// A batch whose transaction SQLite rolled back as a whole (here by a
    /// ROLLBACK behind sqlx's back) is reported as failed to its requests,
    /// never acknowledged.
    #[tokio::test]
    async fn a_lost_batch_transaction_fails_its_requests() {
        let dir = tempfile::tempdir().unwrap();
        let store = fresh_store(&dir).await;
        let mut tx = store.group().begin().await.unwrap();
        insert(&mut tx, "lost").await.unwrap();
        // Its own savepoint release still succeeds: only the marker
        // tells that the batch transaction is gone.
        // A transaction opened again afterwards (as a later request's
        // savepoint would) would let the batch's COMMIT succeed.
        for sql in [
            "ROLLBACK",
            "SAVEPOINT resumed",
            "SAVEPOINT _sqlx_savepoint_1",
        ] {
            sqlx::query(sql).execute(&mut *tx).await.unwrap();
        }
        assert!(tx.commit().await.is_err());
        assert!(tenants(&store).await.is_empty());
        // The next transaction starts on a fresh connection and works.
        let mut tx = store.group().begin().await.unwrap();
        insert(&mut tx, "kept").await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(tenants(&store).await, ["kept"]);
    }
}
