//! The SQLite backend: one file, WAL, `synchronous=FULL`, foreign keys on;
//! this file opens it (pools, pragmas, migrations).
//!
//! Writes go through a pool of exactly one connection. Concurrent write
//! transactions are savepoints in one batch transaction that begins with
//! `BEGIN IMMEDIATE` and ends with one `COMMIT` (group commit, see
//! `group_commit.rs`): the batch holds SQLite's write lock from its first
//! statement, so no lock upgrade can fail half-way, and other processes on the
//! same file (such as `registrar tenant create`) wait on `busy_timeout`.
//! Reads use a separate pool and never block on writes (WAL); the hot ones
//! run on the calling thread (`sqlite_in_thread.rs`). The WAL is checkpointed
//! in the background (`sqlite_checkpoint.rs`); list queries are planned by
//! `sqlite_list.rs`.

use super::PoolSettings;
use super::audit::EventRow;
use super::error::is_transient;
use super::group_commit::{self, GroupCommit};
use super::sqlite_checkpoint::{WalRestart, checkpoints};
use super::sqlite_file;
use super::sqlite_pragmas::{self, ConnectionPragmas};
use super::sqlite_reads::InThreadReads;
use crate::domain::audit::AuditEvent;
use anyhow::Context as _;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection as _, SqliteConnection};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

#[derive(Clone)]
pub struct SqliteStore {
    pub(super) read: SqlitePool,
    pub(super) write: SqlitePool,
    pub(super) group: GroupCommit,
    /// The hot reads, on the calling thread (absent for in-memory databases).
    pub(super) reads: Option<Arc<InThreadReads>>,
    /// The checkpoint connection's durability settings, read when it opened
    /// (the connection itself belongs to the checkpoint task).
    checkpoint_pragmas: Option<ConnectionPragmas>,
    /// Held by every clone; the checkpoint task ends when the last is dropped.
    _alive: Arc<()>,
}

/// The database the shared statements (`shared.rs`) run on.
type Db = sqlx::Sqlite;
/// Their write transaction: a savepoint in a group-commit batch.
type WriteTx = group_commit::WriteTx;
/// How they read a client they will change: `BEGIN IMMEDIATE` already holds
/// the write lock, so no row lock is needed.
const LOCK_CLIENT: &str = super::clients::CLIENT_TO_CHANGE;
/// How a write transaction reads a user it will change.
const LOCK_USER: &str = super::users::USER_TO_CHANGE;
/// The same for the stored private keys.
const LOCK_STORED_KEYS: [&str; 2] = super::stored_keys::STORED_KEYS;

/// Records an audit event in the change's transaction: the request's batch
/// inserts it before its commit (`sqlite_events.rs`).
#[allow(clippy::unused_async)]
async fn write_event(tx: &mut WriteTx, ev: &AuditEvent) -> super::Result<()> {
    tx.defer_event(EventRow::of(ev));
    Ok(())
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
                if is_transient(&e.code().unwrap_or_default())
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
        let opts = connect_options(url)?;
        // Every connection to an in-memory database is a database of its own,
        // so there the single writer connection also serves reads.
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        if !in_memory {
            sqlite_file::secure(opts.get_filename(), pool.allow_shared_db_file)?;
        }
        let write = open_writer(url, &opts, pool).await?;
        migrate(url, &write).await?;
        let alive = Arc::new(());
        let reads = match opts.get_filename() {
            _ if in_memory => None,
            path => {
                Some(Arc::new(InThreadReads::open(path).with_context(|| {
                    format!("cannot open SQLite database `{url}`")
                })?))
            }
        };
        let restart = WalRestart::default();
        let (read, checkpoint_pragmas) = if in_memory {
            (write.clone(), None)
        } else {
            let (read, pragmas) = open_readers(url, &opts, pool, &alive, &restart).await?;
            (read, Some(pragmas))
        };
        let group = GroupCommit::start(write.clone(), restart);
        Ok(Self {
            read,
            write,
            group,
            reads,
            checkpoint_pragmas,
            _alive: alive,
        })
    }

    /// See `Store::connection_pragmas`: every read-pool connection (all held
    /// at once, so the pool opens as many as it ever may), the writer (inside
    /// a savepoint of the group commit, rolled back), the checkpoint
    /// connection, and the in-thread readers.
    pub(super) async fn connection_pragmas(&self) -> super::Result<Vec<ConnectionPragmas>> {
        let mut out = Vec::new();
        let mut held = Vec::new();
        for i in 0..self.read.options().get_max_connections() {
            let mut conn = self.read.acquire().await?;
            out.push(sqlite_pragmas::of_sqlx(&mut conn, format!("read pool {i}")).await?);
            held.push(conn);
        }
        drop(held);
        let mut tx = self.group.begin().await?;
        out.push(sqlite_pragmas::of_sqlx(&mut tx, "writer".into()).await?);
        drop(tx);
        out.extend(self.checkpoint_pragmas.clone());
        if let Some(reads) = &self.reads {
            out.extend(
                reads
                    .pragmas()
                    .map_err(|e| super::StoreError::Corrupt(e.to_string()))?,
            );
        }
        Ok(out)
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

    /// After the stored keys were rewritten: the WAL still holds the pages
    /// as they were, so it is checkpointed and truncated. Best effort: a
    /// reader holding an old snapshot (another process) can delay it to a
    /// later checkpoint.
    async fn after_key_rewrite(&self) {
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.read)
            .await
        {
            tracing::warn!(error = %e, "cannot truncate the WAL after rewriting the stored keys");
        }
    }

    /// A write transaction: a savepoint in the current group-commit batch
    /// (see `group_commit.rs`).
    async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        self.group.begin().await
    }
}

fn connect_options(url: &str) -> anyhow::Result<SqliteConnectOptions> {
    Ok(SqliteConnectOptions::from_str(url)
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
        .pragma("wal_autocheckpoint", "0")
        // The space of a changed or deleted row is zeroed within its page,
        // so a key encrypted in place (keys at rest) or a deleted secret's
        // hash leaves no copy behind in the page ("fast": only when that
        // costs no extra I/O).
        .pragma("secure_delete", "fast"))
}

/// The pool of the one write connection.
///
/// A connection to a local file does not go stale the way a network
/// connection can, so the ping sqlx would otherwise send before every
/// acquire (a second round trip to the connection's worker thread for
/// every statement) buys nothing here, nor in the read pool.
async fn open_writer(
    url: &str,
    opts: &SqliteConnectOptions,
    pool: &PoolSettings,
) -> anyhow::Result<SqlitePool> {
    retry_while_busy(|| {
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
    .with_context(|| format!("cannot open SQLite database `{url}`"))
}

/// Applies the migrations.
///
/// SQLite's migrator takes no lock, so processes starting together on a new
/// file (two `serve`s, or `serve` and `tenant create`) would each apply
/// migration 1 and all but one fail. Running it inside one `BEGIN IMMEDIATE`
/// holds the file's write lock throughout: the others wait (busy_timeout),
/// then find the schema in place.
async fn migrate(url: &str, write: &SqlitePool) -> anyhow::Result<()> {
    let mut tx = write
        .begin_with("BEGIN IMMEDIATE")
        .await
        .with_context(|| format!("cannot open SQLite database `{url}`"))?;
    MIGRATOR
        .run(&mut *tx)
        .await
        .context("cannot apply SQLite migrations")?;
    tx.commit().await.context("cannot apply SQLite migrations")
}

/// The read pool of a database file, and the checkpoint task's own
/// connection, which lives as long as `alive` has a strong count (its
/// durability settings are returned, read before the task takes it).
async fn open_readers(
    url: &str,
    opts: &SqliteConnectOptions,
    pool: &PoolSettings,
    alive: &Arc<()>,
    restart: &WalRestart,
) -> anyhow::Result<(SqlitePool, ConnectionPragmas)> {
    let cannot_open = || format!("cannot open SQLite database `{url}`");
    let mut conn = retry_while_busy(|| SqliteConnection::connect_with(opts))
        .await
        .with_context(cannot_open)?;
    let pragmas = sqlite_pragmas::of_sqlx(&mut conn, "checkpoint".into())
        .await
        .with_context(cannot_open)?;
    tokio::spawn(checkpoints(conn, Arc::downgrade(alive), restart.clone()));
    let read = retry_while_busy(|| {
        SqlitePoolOptions::new()
            .max_connections(pool.max_connections.max(1))
            .test_before_acquire(false)
            .acquire_timeout(pool.acquire_timeout)
            .connect_with(opts.clone())
    })
    .await
    .with_context(cannot_open)?;
    Ok((read, pragmas))
}

super::shared::impl_shared!(SqliteStore);

#[cfg(test)]
#[path = "sqlite_audit_tests.rs"]
mod audit_batch_tests;

#[cfg(test)]
mod tests {
    use super::*;

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
}
