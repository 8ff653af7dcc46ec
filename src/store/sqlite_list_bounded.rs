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

#[cfg(test)]
mod tests {
    use crate::domain::client_list::ClientSort;
    use crate::domain::client_list::ListedClient;
    use crate::domain::ids::TenantId;
    use crate::domain::list_query::{ListQuery, Sort};
    use crate::store::deadline::{Deadline, within};
    use crate::store::sqlite::SqliteStore;
    use crate::store::{PoolSettings, StoreError};
    use std::time::{Duration, Instant};

    /// A tenant of 20,000 clients, loaded by one statement.
    const LOAD: &str = "INSERT INTO clients (tenant_id, client_id, app_type, client_name, \
        name_key, created_at, updated_at, config) \
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) \
        SELECT 't', printf('c%06d', i), 'spa', 'common ' || i, 'common ' || i, i, i, \
        '{\"appType\":\"spa\",\"clientName\":\"common\",\"connectionConfig\":{\"consentMethod\":\"required\"}}' \
        FROM n";

    /// A scan of every client with a count: thousands of times the progress
    /// handler's interval.
    fn scan<'a>(
        tenant: &'a TenantId,
        filter: &'a crate::filter::Filter<crate::filter::ClientAttr>,
    ) -> ListQuery<'a, ListedClient> {
        ListQuery {
            sort: Sort {
                field: ClientSort::CreatedAt,
                descending: false,
            },
            count_total: true,
            ..ListQuery::first_page(tenant, Some(filter))
        }
    }

    /// A list past its deadline is interrupted, in-thread and through the
    /// pool, answers `TimedOut` with the request's limit, and the same
    /// connections then serve the next list in full.
    #[test]
    fn lists_past_their_deadline_are_interrupted_and_connections_stay_usable() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("d.db").display());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let one = PoolSettings {
                max_connections: 1,
                ..PoolSettings::default()
            };
            let store = SqliteStore::connect(&url, &one).await.unwrap();
            sqlx::query("INSERT INTO tenants (tenant_id, name, created_at) VALUES ('t', 't', 0)")
                .execute(&store.write)
                .await
                .unwrap();
            sqlx::query(LOAD).execute(&store.write).await.unwrap();
            let tenant = TenantId::from_trusted("t");
            let filter = crate::filter::parse("not (clientName co \"zzzz\")").unwrap();
            let q = scan(&tenant, &filter);
            let limit = Duration::from_millis(1500);
            let past = Deadline {
                at: Instant::now(),
                limit,
            };
            let reads = store
                .reads
                .clone()
                .expect("a file database reads in-thread");
            let cut = within(past, async { reads.list(&q) }).await;
            assert!(matches!(cut, Ok(Err(StoreError::TimedOut(l))) if l == limit));
            let page = reads.list(&q).expect("not busy").unwrap();
            assert_eq!(page.total, Some(20_000), "the same connection, whole");
            let cut = within(past, store.list(&q)).await;
            assert!(matches!(cut, Err(StoreError::TimedOut(l)) if l == limit));
            let later = Deadline::after(Instant::now(), Duration::from_secs(600));
            let page = within(later, store.list(&q)).await.unwrap();
            assert_eq!(page.total, Some(20_000), "the pool's one connection, whole");
            assert_eq!(page.items.len(), 20);
        });
    }
}
