//! SQLite's list statements through the sqlx read pool, bounded by the
//! request's deadline (`deadline.rs`): the pool is the fallback of the
//! in-thread list (`sqlite_list_in_thread.rs`) when SQLite answers busy, and
//! the only path of an in-memory database. Each statement of a request with a
//! deadline takes a connection, installs a progress handler on it that
//! interrupts the statement at the deadline, and removes the handler before
//! the connection goes back to the pool. A request cancelled mid-statement
//! (the pipeline's timeout drops its future) closes that connection instead
//! of returning it: the statement, past its deadline, is interrupted at the
//! handler's next look at the clock, and the pool opens a fresh connection.

use super::deadline::{self, Deadline, PROGRESS_OPS};
use super::filter_sql::SqlArg;
use super::list_exec::{EachRow, ListExec, PoolExec};
use super::shared::bind_all;
use super::sqlite::SqliteStore;
use super::{Result, StoreError};
use sqlx::pool::PoolConnection;
use sqlx::{Row as _, Sqlite, SqlitePool};
use std::time::Instant;

/// The list engine's statements on SQLite's read pool.
pub struct BoundedExec<'p> {
    pool: &'p SqlitePool,
}

impl SqliteStore {
    /// The list engine's statements go through the read pool, planned by
    /// the engine (`list_planner.rs`), each bounded by the request's
    /// deadline.
    pub(super) fn list_exec(&self) -> BoundedExec<'_> {
        BoundedExec { pool: &self.read }
    }
}

/// A pooled connection with the deadline's progress handler installed:
/// closed, not returned, if dropped before [`Armed::release`] (an
/// interrupted statement leaves its connection usable, so it is released).
struct Armed {
    conn: PoolConnection<Sqlite>,
    released: bool,
}

impl Armed {
    async fn take(pool: &SqlitePool, d: Deadline) -> Result<Armed> {
        let mut conn = pool.acquire().await?;
        let at = d.at;
        conn.lock_handle()
            .await?
            .set_progress_handler(PROGRESS_OPS, move || Instant::now() < at);
        Ok(Armed {
            conn,
            released: false,
        })
    }

    /// Removes the handler; the connection goes back to the pool.
    async fn release(mut self) -> Result<()> {
        self.conn.lock_handle().await?.remove_progress_handler();
        self.released = true;
        Ok(())
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        if !self.released {
            self.conn.close_on_drop();
        }
    }
}

/// SQLite's `SQLITE_INTERRUPT` at the deadline is the request timing out.
fn interrupted(e: sqlx::Error, d: Deadline) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("9") => {
            StoreError::TimedOut(d.limit)
        }
        _ => e.into(),
    }
}

impl ListExec for BoundedExec<'_> {
    fn plans(&self) -> bool {
        true
    }

    async fn rows(&self, sql: String, args: Vec<SqlArg>, each: EachRow<'_>) -> Result<()> {
        let Some(d) = deadline::current() else {
            let pool = PoolExec {
                pool: self.pool,
                plans: true,
            };
            return pool.rows(sql, args, each).await;
        };
        let mut armed = Armed::take(self.pool, d).await?;
        let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), args)
            .fetch_all(&mut *armed.conn)
            .await;
        armed.release().await?;
        let rows = rows.map_err(|e| interrupted(e, d))?;
        for row in &rows {
            each(row)?;
        }
        Ok(())
    }

    async fn scalar(&self, sql: String, args: Vec<SqlArg>) -> Result<Option<i64>> {
        let Some(d) = deadline::current() else {
            let pool = PoolExec {
                pool: self.pool,
                plans: true,
            };
            return pool.scalar(sql, args).await;
        };
        let mut armed = Armed::take(self.pool, d).await?;
        let row = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), args)
            .fetch_optional(&mut *armed.conn)
            .await;
        armed.release().await?;
        let row = row.map_err(|e| interrupted(e, d))?;
        Ok(row.map(|r| r.try_get::<i64, _>(0)).transpose()?)
    }
}
