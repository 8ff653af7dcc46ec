//! The SQLite backend: one file, WAL, `synchronous=FULL`, foreign keys on.
//!
//! Writes go through a pool of exactly one connection. Concurrent write
//! transactions are savepoints in one batch transaction that begins with
//! `BEGIN IMMEDIATE` and ends with one `COMMIT` (group commit, see
//! `group_commit.rs`): the batch holds SQLite's write lock from its first
//! statement, so no lock upgrade can fail half-way, and other processes on the
//! same file (such as `registrar tenant create`) wait on `busy_timeout`.
//! Reads use a separate pool and never block on writes (WAL).

use super::PoolSettings;
use super::group_commit::{self, GroupCommit};
use super::list_plan;
use super::sqlite_reads::{Busy, InThreadReads};
// `ClientId`, `TenantId`, `AuthClient` and `ClientRecord` come into scope
// through `impl_queries!` at the end of this file.
use anyhow::Context as _;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection as _, SqliteConnection};
use std::str::FromStr;
use std::sync::{Arc, Weak};
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

#[derive(Clone)]
pub struct SqliteStore {
    read: SqlitePool,
    write: SqlitePool,
    group: GroupCommit,
    /// The hot reads, on the calling thread (absent for in-memory databases).
    reads: Option<Arc<InThreadReads>>,
    /// Held by every clone; the checkpoint task ends when the last is dropped.
    _alive: Arc<()>,
}

/// How often the WAL is checkpointed into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// Copies committed WAL frames into the database file, in the background.
///
/// SQLite would otherwise checkpoint inside the commit that crosses 1000 WAL
/// pages, stalling that commit and every request of its batch for as long
/// as the copy and its fsync take (hundreds of milliseconds on a large
/// database). A PASSIVE checkpoint never blocks writers or readers; with
/// `synchronous=FULL` it syncs the WAL before copying and the database file
/// after, so durability is unchanged.
async fn checkpoints(mut conn: SqliteConnection, alive: Weak<()>) {
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

/// How long opening a database may keep meeting "busy" before it fails.
const OPEN_BUSY_FOR: Duration = Duration::from_secs(5);

/// Runs `attempt` again while SQLite answers busy or locked, for up to
/// [`OPEN_BUSY_FOR`].
///
/// Processes opening a new file together (several `serve`s, or `serve` and
/// `tenant create`) race to switch it to WAL. A connection that meets the
/// switch half-way gets "database is locked" from its opening pragmas at once,
/// without SQLite's busy handler (measured: about 1 start in 100 with three
/// processes on a fresh file). Waiting a moment and opening again finds the
/// file in WAL mode.
async fn retry_while_busy<T, F, Fut>(mut attempt: F) -> Result<T, sqlx::Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, sqlx::Error>>,
{
    let start = std::time::Instant::now();
    loop {
        match attempt().await {
            Err(sqlx::Error::Database(e))
                if super::is_transient(&e.code().unwrap_or_default())
                    && start.elapsed() < OPEN_BUSY_FOR =>
            {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            other => return other,
        }
    }
}

impl SqliteStore {
    pub async fn connect(url: &str, pool: &PoolSettings) -> anyhow::Result<Self> {
        let opts = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("invalid SQLite URL `{url}`"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // Savepoints (one per request in a group-commit batch) keep the
            // pages they change in a sub-journal; in memory, not a temporary
            // file. The database and its WAL are unaffected.
            .pragma("temp_store", "memory")
            // Checkpoints run on a connection of their own (`checkpoints`),
            // never inside a request's commit.
            .pragma("wal_autocheckpoint", "0");
        // A connection to a local file does not go stale the way a network
        // connection can, so the ping sqlx would otherwise send before every
        // acquire (a second round trip to the connection's worker thread for
        // every statement) buys nothing here.
        let write = retry_while_busy(|| {
            SqlitePoolOptions::new()
                .max_connections(1)
                .test_before_acquire(false)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        sqlx::query(group_commit::MARKER_TABLE_SQL)
                            .execute(conn)
                            .await
                            .map(|_| ())
                    })
                })
                .acquire_timeout(pool.acquire_timeout)
                .connect_with(opts.clone())
        })
        .await
        .with_context(|| format!("cannot open SQLite database `{url}`"))?;
        // SQLite's migrator takes no lock, so processes starting together on
        // a new file (two `serve`s, or `serve` and `tenant create`) would each
        // apply migration 1 and all but one fail. Running it inside one
        // `BEGIN IMMEDIATE` holds the file's write lock throughout: the
        // others wait (busy_timeout), then find the schema in place.
        let mut tx = write
            .begin_with("BEGIN IMMEDIATE")
            .await
            .with_context(|| format!("cannot open SQLite database `{url}`"))?;
        MIGRATOR
            .run(&mut *tx)
            .await
            .context("cannot apply SQLite migrations")?;
        tx.commit()
            .await
            .context("cannot apply SQLite migrations")?;
        // Every connection to an in-memory database is a database of its own,
        // so there the single writer connection also serves reads.
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let alive = Arc::new(());
        let reads = match opts.get_filename() {
            _ if in_memory => None,
            path => {
                Some(Arc::new(InThreadReads::open(path).with_context(|| {
                    format!("cannot open SQLite database `{url}`")
                })?))
            }
        };
        let read = if in_memory {
            write.clone()
        } else {
            let conn = retry_while_busy(|| SqliteConnection::connect_with(&opts))
                .await
                .with_context(|| format!("cannot open SQLite database `{url}`"))?;
            tokio::spawn(checkpoints(conn, Arc::downgrade(&alive)));
            retry_while_busy(|| {
                SqlitePoolOptions::new()
                    .max_connections(pool.max_connections.max(1))
                    .test_before_acquire(false)
                    .acquire_timeout(pool.acquire_timeout)
                    .connect_with(opts.clone())
            })
            .await
            .with_context(|| format!("cannot open SQLite database `{url}`"))?
        };
        let group = GroupCommit::start(write.clone());
        Ok(Self {
            read,
            write,
            group,
            reads,
            _alive: alive,
        })
    }

    /// `read` on the calling thread (`sqlite_reads.rs`); through the pool
    /// (`pool`) for an in-memory database or when SQLite answers busy.
    async fn in_thread_or_pool<T, Fut>(
        &self,
        read: impl FnOnce(&InThreadReads) -> Result<super::Result<T>, Busy>,
        pool: impl FnOnce() -> Fut,
    ) -> super::Result<T>
    where
        Fut: std::future::Future<Output = super::Result<T>>,
    {
        match self.reads.as_deref().map(read) {
            Some(Ok(answer)) => answer,
            Some(Err(Busy)) | None => pool().await,
        }
    }

    pub(crate) async fn ping_in_thread(&self) -> super::Result<()> {
        self.in_thread_or_pool(InThreadReads::ping, || self.ping())
            .await
    }

    pub(crate) async fn find_client_in_thread(
        &self,
        tenant: &TenantId,
        id: &ClientId,
    ) -> super::Result<Option<ClientRecord>> {
        self.in_thread_or_pool(
            |r| r.find_client(tenant, id),
            || self.find_client(tenant, id),
        )
        .await
    }

    pub(crate) async fn find_auth_client_in_thread(
        &self,
        id: &ClientId,
    ) -> super::Result<Option<AuthClient>> {
        self.in_thread_or_pool(|r| r.find_auth_client(id), || self.find_auth_client(id))
            .await
    }

    pub(crate) async fn is_token_active_in_thread(
        &self,
        tenant: &TenantId,
        client: &ClientId,
        jti: &str,
    ) -> super::Result<bool> {
        self.in_thread_or_pool(
            |r| r.is_token_active(tenant, client, jti),
            || self.is_token_active(tenant, client, jti),
        )
        .await
    }

    pub(crate) async fn is_user_active_in_thread(
        &self,
        tenant: &TenantId,
        user: &crate::domain::ids::UserId,
    ) -> super::Result<bool> {
        self.in_thread_or_pool(
            |r| r.is_user_active(tenant, user),
            || self.is_user_active(tenant, user),
        )
        .await
    }

    #[cfg(test)]
    pub(crate) fn read_pool(&self) -> &SqlitePool {
        &self.read
    }

    #[cfg(test)]
    pub(crate) fn group(&self) -> &GroupCommit {
        &self.group
    }

    pub(crate) fn pool_stats(&self) -> Vec<super::PoolStats> {
        vec![
            super::PoolStats::of("read", &self.read),
            super::PoolStats::of("write", &self.write),
        ]
    }

    /// A write transaction: a savepoint in the current group-commit batch
    /// (see `group_commit.rs`).
    async fn begin_write(&self) -> Result<super::group_commit::WriteTx, sqlx::Error> {
        self.group.begin().await
    }

    /// How to build a list query: the index with the fewest candidates
    /// within the walk budget, or else a walk; see `list_plan.rs`.
    async fn plan_list(
        &self,
        q: &super::ListQuery<'_>,
    ) -> Result<super::list_sql::Plan, sqlx::Error> {
        use super::list_sql::{Access, Plan};
        let Some(filter) = q.filter else {
            // Nothing but the sort index can serve the page.
            return Ok(Plan::default());
        };
        let (sql, args) = super::list_sql::tenant_count_sql(q.tenant);
        let size: Option<i64> = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), args)
            .fetch_optional(&self.read)
            .await?
            .map(|row| row.try_get(0))
            .transpose()?;
        let budget = list_plan::walk_budget(q.limit, size.unwrap_or(0));
        // Counting stops one past the budget: that is enough to rule out.
        let cap = budget + 1;
        let mut best: Option<(u64, Access)> = None;
        if let Some(search) = list_plan::name_trigram_query(filter) {
            let (sql, args) = list_plan::trigram_candidates_sql(&search, cap);
            let n = self.count(sql, args).await?;
            best = Some((n, Access::Trigrams(search)));
        }
        for (index, conjunct) in list_plan::indexed_conjuncts(filter, q.sort.field) {
            if best.as_ref().is_some_and(|(n, _)| *n == 0) {
                break;
            }
            let (sql, args) = list_plan::candidates_sql(q, index, conjunct, cap);
            let n = self.count(sql, args).await?;
            if best.as_ref().is_none_or(|(m, _)| n < *m) {
                best = Some((n, Access::Index(index)));
            }
        }
        let access = match best {
            Some((n, access)) if n <= budget => access,
            _ => Access::Walk,
        };
        Ok(Plan { access, budget })
    }

    /// Walks up to `budget` rows along `walk`, counting matches up to `needed`.
    async fn probe(
        &self,
        q: &super::ListQuery<'_>,
        walk: super::list_sql::Walk<'_>,
        budget: u64,
        needed: u64,
    ) -> Result<list_plan::Probe, sqlx::Error> {
        let (sql, args) = list_plan::hits_sql(q, walk, budget, needed);
        if self.count(sql, args).await? >= needed {
            return Ok(list_plan::Probe::Reached);
        }
        let (sql, args) = list_plan::window_len_sql(q, walk, budget);
        if self.count(sql, args).await? < budget {
            return Ok(list_plan::Probe::Ended);
        }
        Ok(list_plan::Probe::Spent)
    }

    async fn count(&self, sql: String, args: Vec<SqlArg>) -> Result<u64, sqlx::Error> {
        let row = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), args)
            .fetch_one(&self.read)
            .await?;
        Ok(u64::try_from(row.try_get::<i64, _>(0)?).unwrap_or(0))
    }
}

impl SqliteStore {
    /// `EXPLAIN QUERY PLAN` of one statement, as an indented tree.
    async fn explain(&self, sql: String, args: Vec<SqlArg>) -> Result<Vec<String>, sqlx::Error> {
        let query = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")));
        let rows = bind_all(query, args).fetch_all(&self.read).await?;
        let mut depth_of: Vec<(i64, usize)> = Vec::new();
        let mut lines = Vec::with_capacity(rows.len());
        for row in rows {
            let (id, parent, detail): (i64, i64, String) =
                (row.try_get(0)?, row.try_get(1)?, row.try_get(3)?);
            let depth = depth_of
                .iter()
                .find(|(i, _)| *i == parent)
                .map_or(0, |(_, d)| d + 1);
            depth_of.push((id, depth));
            lines.push(format!("{}{detail}", "  ".repeat(depth)));
        }
        Ok(lines)
    }
}

super::queries::impl_queries!(SqliteStore, sqlx::Sqlite, super::group_commit::WriteTx, "");
super::token_queries::impl_token_queries!(SqliteStore);
super::signin_queries::impl_signin_queries!(SqliteStore);
super::user_queries::impl_user_queries!(SqliteStore, sqlx::Sqlite, "");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::TenantId;
    use crate::domain::list_query::{ListQuery, Sort, SortField};
    use crate::store::list_sql::Access;

    /// Inserts `n` clients named `prefix0`, `prefix1`, … straight into the
    /// table, as a bulk load would; the triggers index their names.
    async fn load(store: &SqliteStore, tenant: &str, prefix: &str, n: usize) {
        let mut tx = store.write.begin().await.unwrap();
        for i in 0..n {
            let name = format!("{prefix}{i}");
            sqlx::query(
                "INSERT INTO clients (tenant_id, client_id, app_type, client_name, name_key, created_at, updated_at, config) \
                 VALUES ($1, $2, 'spa', $3, $3, 0, 0, '{}')",
            )
            .bind(tenant)
            .bind(format!("{tenant}-{prefix}-{i}"))
            .bind(name)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }

    #[test]
    fn opening_waits_out_a_file_another_connection_holds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("busy.db");
        let blocker = rusqlite::Connection::open(&path).unwrap();
        blocker
            .execute_batch("CREATE TABLE t (x INTEGER); BEGIN EXCLUSIVE;")
            .unwrap();
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            blocker.execute_batch("COMMIT").unwrap();
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        // No busy timeout of its own: every attempt while the lock is held
        // fails at once, as the opening pragmas do in the race.
        let opts = SqliteConnectOptions::new()
            .filename(&path)
            .busy_timeout(Duration::ZERO)
            .journal_mode(SqliteJournalMode::Wal);
        let mut attempts = 0;
        let opened = runtime.block_on(retry_while_busy(|| {
            attempts += 1;
            SqliteConnection::connect_with(&opts)
        }));
        releaser.join().unwrap();
        assert!(opened.is_ok(), "{:?}", opened.err());
        assert!(attempts > 1, "the first attempt met the lock");
    }

    #[test]
    fn plans_read_the_index_with_fewest_candidates_or_walk() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let store = SqliteStore::connect("sqlite::memory:", &PoolSettings::default())
                .await
                .unwrap();
            sqlx::query("INSERT INTO tenants (tenant_id, name, created_at) VALUES ('t', 't', 0)")
                .execute(&store.write)
                .await
                .unwrap();
            load(&store, "t", "common", 2001).await;
            load(&store, "t", "rare", 3).await;
            let tenant = TenantId::from_trusted("t");
            let plan = |input: &str| {
                let filter = crate::filter::parse(input).unwrap();
                let store = store.clone();
                let tenant = tenant.clone();
                async move {
                    let q = ListQuery {
                        tenant: &tenant,
                        filter: Some(&filter),
                        sort: Sort {
                            field: SortField::CreatedAt,
                            descending: true,
                        },
                        limit: 20,
                        position: None,
                        count_total: false,
                    };
                    store.plan_list(&q).await.unwrap().access
                }
            };
            let trigrams = Access::Trigrams("\"rar\" AND \"are\"".to_owned());
            assert_eq!(plan("clientName co \"rare\"").await, trigrams);
            assert_eq!(
                plan("clientName co \"common\"").await,
                Access::Walk,
                "too many candidates"
            );
            assert_eq!(
                plan("clientName co \"ra\"").await,
                Access::Walk,
                "no index serves it"
            );
            assert_eq!(
                plan("clientName sw \"rare\"").await,
                Access::Index("clients_by_name")
            );
            assert_eq!(plan("clientName sw \"common\"").await, Access::Walk);
            assert_eq!(
                plan("clientId eq \"t-rare-1\"").await,
                Access::Index("sqlite_autoindex_clients_1")
            );
            assert_eq!(
                plan("clientName sw \"common\" and clientId sw \"t-rare\"").await,
                Access::Index("sqlite_autoindex_clients_1"),
                "the fewest candidates win"
            );
            assert_eq!(
                plan("createdAt gt \"2000-01-01T00:00:00Z\"").await,
                Access::Walk,
                "the sort's own column"
            );
            assert_eq!(plan("clientId pr").await, Access::Walk);
            let count: i64 =
                sqlx::query_scalar("SELECT client_count FROM tenants WHERE tenant_id = 't'")
                    .fetch_one(&store.read)
                    .await
                    .unwrap();
            assert_eq!(count, 2004, "the trigger counts bulk-loaded clients");
        });
    }
}
