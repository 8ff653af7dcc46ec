//! A request's write transaction run on the calling thread: the hot
//! sign-in writes (a code's redemption, a refresh token's rotation) take the
//! write connection's SQLite handle from sqlx's worker thread once and run
//! their statements with rusqlite, instead of handing every statement to
//! that thread and back. The savepoint, the batch and its one `COMMIT` are
//! those of `group_commit.rs`.

use super::{GroupCommit, OpenBatch, outcome};
use crate::store::error::StoreError;
use crate::store::sqlite_reads::classify;
use sqlx::sqlite::LockedSqliteHandle;

/// The savepoint of a request written on the calling thread.
const SAVEPOINT: &str = "SAVEPOINT registrar_in_thread";
const RELEASE: &str = "RELEASE registrar_in_thread";
const UNDO: &str = "ROLLBACK TO registrar_in_thread; RELEASE registrar_in_thread";

/// How a request's in-thread write ended on the connection.
enum Ran<T> {
    /// Released into the batch.
    Done(T),
    /// Rolled back to its savepoint; the batch goes on.
    Failed(StoreError),
    /// The batch transaction is gone or in an unknown state.
    Lost(StoreError),
}

impl GroupCommit {
    /// Runs `work` as one request's write transaction on the calling
    /// thread: a savepoint in the open batch, on the write connection's own
    /// SQLite handle, which sqlx's worker thread hands over once (instead of
    /// once per statement). The savepoint is released when `work` succeeds
    /// and rolled back when it fails, before the handle goes back; then the
    /// request waits for the batch's `COMMIT`, as with [`WriteTx::commit`].
    /// `work` runs to its end without yielding, so no cancellation can stop
    /// it half-way.
    pub(crate) async fn write_in_thread<T>(
        &self,
        work: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let mut batch = self.join_batch().await?;
        let open: &mut OpenBatch = &mut batch;
        let ran = match open.conn.lock_handle().await {
            Ok(mut handle) => match rusqlite_view(&mut open.in_thread, &mut handle) {
                Ok(conn) => run_in_savepoint(conn, work),
                Err(e) => Ran::Failed(written(e)),
            },
            Err(e) => Ran::Failed(e.into()),
        };
        let result = match ran {
            Ran::Done(value) => Ok((value, batch.done.subscribe())),
            Ran::Failed(e) => Err(e),
            Ran::Lost(e) => {
                batch.poisoned = true;
                Err(e)
            }
        };
        drop(batch);
        self.wake.notify_one();
        let (value, done) = result?;
        outcome(done).await.map_err(StoreError::from)?;
        Ok(value)
    }
}

/// The batch connection's handle as rusqlite sees it, made at the batch's
/// first in-thread write and kept with the statements it prepares until the
/// batch ends (`group_commit.rs::drop_in_thread_view`).
#[allow(unsafe_code)]
fn rusqlite_view<'a>(
    view: &'a mut Option<rusqlite::Connection>,
    handle: &mut LockedSqliteHandle<'_>,
) -> rusqlite::Result<&'a rusqlite::Connection> {
    if let Some(conn) = view {
        return Ok(conn);
    }
    // SAFETY: the connection made here is only used while sqlx's worker has
    // handed the handle over (`handle` is held), and is dropped, finalizing
    // every statement it prepared, before the batch gives its connection
    // back (see `OpenBatch::in_thread`); it does not own the handle, so
    // dropping it does not close it.
    let conn = unsafe { rusqlite::Connection::from_handle(handle.as_raw_handle().as_ptr()) }?;
    Ok(view.insert(conn))
}

/// `work` inside a savepoint on the batch's connection.
fn run_in_savepoint<T>(
    conn: &rusqlite::Connection,
    work: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
) -> Ran<T> {
    if conn.is_autocommit() {
        // A SAVEPOINT now would begin (and its RELEASE commit) a
        // transaction of its own, outside the batch.
        return Ran::Lost(StoreError::Unavailable(
            "the batch transaction was lost".into(),
        ));
    }
    if let Err(e) = conn.execute_batch(SAVEPOINT) {
        return Ran::Failed(written(e));
    }
    let result = work(conn).and_then(|value| {
        conn.execute_batch(RELEASE)?;
        Ok(value)
    });
    match result {
        Ok(value) => Ran::Done(value),
        Err(e) => match conn.execute_batch(UNDO) {
            Ok(()) if !conn.is_autocommit() => Ran::Failed(written(e)),
            _ => Ran::Lost(written(e)),
        },
    }
}

/// A failed statement of an in-thread write (busy cannot happen: the batch
/// holds the write lock).
fn written(e: rusqlite::Error) -> StoreError {
    match classify::<()>(e) {
        Ok(Err(e)) => e,
        Ok(Ok(())) | Err(_) => StoreError::Unavailable("SQLite was busy under a write lock".into()),
    }
}

#[cfg(test)]
#[path = "group_commit_in_thread_tests.rs"]
mod tests;
