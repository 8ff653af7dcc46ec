//! The PostgreSQL backend. Rows read for an update are locked with
//! `FOR UPDATE`, which serialises concurrent writers on one client across
//! every instance sharing the database.
//!
//! Every instance is stateless: the pool reconnects by itself after the
//! server was lost (a connection that sat idle is pinged before use), so the
//! service recovers without a restart once PostgreSQL answers again.

use super::audit::{EventRow, INSERT_EVENT};
use super::filter_sql::SqlArg;
use super::list_exec::PoolExec;
use super::shared::bind_all;
use super::{PoolSettings, redact_url};
use crate::domain::audit::AuditEvent;
use anyhow::Context as _;
use sqlx::ConnectOptions as _;
use sqlx::Connection as _;
use sqlx::Row as _;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr as _;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// A pooled connection idle for less than this is used without a ping first.
/// Under load every connection is busy, so this saves a round trip per query;
/// after an outage, which outlasts it, every idle connection is pinged and a
/// dead one replaced before a request gets it. (sqlx also pings each
/// connection when it is returned, off the request's path, and closes it if
/// that fails.)
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct PgStore {
    read: PgPool,
    write: PgPool,
}

/// The database the shared statements (`shared.rs`) run on.
type Db = sqlx::Postgres;
/// Their write transaction.
type WriteTx = sqlx::Transaction<'static, sqlx::Postgres>;
/// How they read a client they will change: `FOR UPDATE` locks its row.
const LOCK_CLIENT: &str = super::clients::CLIENT_TO_CHANGE_FOR_UPDATE;
/// How a write transaction reads a user it will change (locking its row).
const LOCK_USER: &str = super::users::USER_TO_CHANGE_FOR_UPDATE;
/// The same for the stored private keys.
const LOCK_STORED_KEYS: [&str; 2] = super::stored_keys::STORED_KEYS_FOR_UPDATE;

/// Records an audit event in the change's transaction (see `audit.rs`).
async fn write_event(tx: &mut WriteTx, ev: &AuditEvent) -> super::Result<()> {
    let row = EventRow::of(ev);
    row.bind(sqlx::query(INSERT_EVENT))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl PgStore {
    /// Nothing to do after the stored keys were rewritten: old row versions
    /// stay in the table's files until PostgreSQL vacuums them (the README
    /// says to run `VACUUM FULL` on the two tables after encrypting).
    #[allow(clippy::unused_async)]
    async fn after_key_rewrite(&self) {}

    pub async fn connect(url: &str, pool: &PoolSettings) -> anyhow::Result<Self> {
        let shown = redact_url(url);
        let mut opts = PgConnectOptions::from_str(url)
            .with_context(|| format!("invalid PostgreSQL URL `{shown}`"))?
            .application_name("registrar");
        if let Some(timeout) = pool.statement_timeout {
            // A startup parameter rather than a `SET` after connecting: it
            // costs no round trip and holds from the first statement on.
            opts = opts.options([("statement_timeout", format!("{}ms", timeout.as_millis()))]);
        }
        check_reachable(&opts, pool, &shown).await?;
        let pg = PgPoolOptions::new()
            .max_connections(pool.max_connections.max(1))
            .acquire_timeout(pool.acquire_timeout)
            // sqlx pings every connection before handing it out, a round trip
            // per query; only connections idle for a while are pinged here.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for < PING_IF_IDLE_FOR {
                        return Ok(true);
                    }
                    // A dead connection is dropped and another one tried.
                    Ok(conn.ping().await.is_ok())
                })
            })
            .connect_with(opts)
            .await
            .with_context(|| format!("cannot connect to PostgreSQL at `{shown}`"))?;
        MIGRATOR
            .run(&pg)
            .await
            .context("cannot apply PostgreSQL migrations")?;
        Ok(Self {
            read: pg.clone(),
            write: pg,
        })
    }

    pub(crate) fn pool_stats(&self) -> Vec<super::PoolStats> {
        // Reads and writes share one pool on PostgreSQL.
        vec![super::PoolStats::of("main", &self.write)]
    }

    async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        self.write.begin().await
    }

    /// `EXPLAIN (ANALYZE, BUFFERS)` of one statement (a read: running it
    /// changes nothing), one line per plan node; for diagnostics only.
    async fn explain(&self, sql: String, args: Vec<SqlArg>) -> Result<Vec<String>, sqlx::Error> {
        let query = sqlx::query(sqlx::AssertSqlSafe(format!(
            "EXPLAIN (ANALYZE, BUFFERS) {sql}"
        )));
        let rows = bind_all(query, args).fetch_all(&self.read).await?;
        rows.iter().map(|row| row.try_get(0)).collect()
    }

    /// PostgreSQL's planner weighs walking a sort index against reading
    /// the matches of another index with statistics of its own, and uses
    /// the pg_trgm indexes (migrations 0003 and 0008, led by the tenant since
    /// 0009 with btree_gin) for substring filters by itself: list queries go
    /// to it as plain SQL, unplanned.
    fn list_exec(&self) -> PoolExec<'_, sqlx::Postgres> {
        PoolExec {
            pool: &self.read,
            plans: false,
        }
    }
}

/// Opens one connection outside the pool before starting, because the pool
/// retries a refused connection until its acquire timeout and then reports
/// only "timed out": this names the real cause (refused, unknown host, bad
/// password, missing database) in the start-up error.
async fn check_reachable(
    opts: &PgConnectOptions,
    pool: &PoolSettings,
    shown: &str,
) -> anyhow::Result<()> {
    match tokio::time::timeout(pool.acquire_timeout, opts.connect()).await {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            Ok(())
        }
        Ok(Err(e)) => Err(anyhow::Error::new(e).context(format!(
            "cannot connect to PostgreSQL at `{shown}` (is the server running and the URL right?)"
        ))),
        Err(_) => anyhow::bail!(
            "cannot connect to PostgreSQL at `{shown}`: no answer within {} s (--db-acquire-timeout)",
            pool.acquire_timeout.as_secs()
        ),
    }
}

super::shared::impl_shared!(PgStore);
