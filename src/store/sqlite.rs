//! The SQLite backend: one file, WAL, `synchronous=FULL`, foreign keys on.
//!
//! Writes go through a pool of exactly one connection and begin with
//! `BEGIN IMMEDIATE`, so a write transaction holds SQLite's write lock from its
//! first statement: no lock upgrade can fail half-way, and other processes on
//! the same file (such as `registrar tenant create`) wait on `busy_timeout`.
//! Reads use a separate pool and never block on writes (WAL).

use super::PoolSettings;
use anyhow::Context as _;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

#[derive(Clone)]
pub struct SqliteStore {
    read: SqlitePool,
    write: SqlitePool,
}

impl SqliteStore {
    pub async fn connect(url: &str, pool: &PoolSettings) -> anyhow::Result<Self> {
        let opts = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("invalid SQLite URL `{url}`"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(pool.acquire_timeout)
            .connect_with(opts.clone())
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
        let read = if in_memory {
            write.clone()
        } else {
            SqlitePoolOptions::new()
                .max_connections(pool.max_connections.max(1))
                .acquire_timeout(pool.acquire_timeout)
                .connect_with(opts)
                .await
                .with_context(|| format!("cannot open SQLite database `{url}`"))?
        };
        Ok(Self { read, write })
    }

    pub(crate) fn pool_stats(&self) -> Vec<super::PoolStats> {
        vec![
            super::PoolStats::of("read", &self.read),
            super::PoolStats::of("write", &self.write),
        ]
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.write.begin_with("BEGIN IMMEDIATE").await
    }
}

super::queries::impl_queries!(SqliteStore, sqlx::Sqlite, "");
super::token_queries::impl_token_queries!(SqliteStore);
