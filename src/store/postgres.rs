//! The PostgreSQL backend. Rows read for an update are locked with
//! `FOR UPDATE`, which serialises concurrent writers on one client across
//! every instance sharing the database.

use super::{PoolSettings, redact_url};
use anyhow::Context as _;
use sqlx::postgres::{PgPool, PgPoolOptions};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Clone)]
pub struct PgStore {
    read: PgPool,
    write: PgPool,
}

impl PgStore {
    pub async fn connect(url: &str, pool: &PoolSettings) -> anyhow::Result<Self> {
        let pg = PgPoolOptions::new()
            .max_connections(pool.max_connections.max(1))
            .acquire_timeout(pool.acquire_timeout)
            .connect(url)
            .await
            .with_context(|| format!("cannot connect to PostgreSQL at `{}`", redact_url(url)))?;
        MIGRATOR
            .run(&pg)
            .await
            .context("cannot apply PostgreSQL migrations")?;
        Ok(Self {
            read: pg.clone(),
            write: pg,
        })
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.write.begin().await
    }

    /// `EXPLAIN` of one statement, one line per plan node.
    async fn explain(&self, sql: String, args: Vec<SqlArg>) -> Result<Vec<String>, sqlx::Error> {
        let query = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN {sql}")));
        let rows = bind_all(query, args).fetch_all(&self.read).await?;
        rows.iter().map(|row| row.try_get(0)).collect()
    }

    /// PostgreSQL's planner weighs walking a sort index against reading
    /// the matches of another index with statistics of its own, and uses
    /// the pg_trgm index on `name_key` (migration 0003) for substring
    /// filters by itself: list queries go to it as plain SQL.
    #[allow(clippy::unused_async)]
    async fn plan_list(
        &self,
        _q: &super::ListQuery<'_>,
    ) -> Result<super::list_sql::Plan, sqlx::Error> {
        Ok(super::list_sql::Plan::default())
    }

    /// Never called: the default plan never walks by force.
    #[allow(clippy::unused_async)]
    async fn probe(
        &self,
        _q: &super::ListQuery<'_>,
        _walk: super::list_sql::Walk<'_>,
        _budget: u64,
        _needed: u64,
    ) -> Result<super::list_plan::Probe, sqlx::Error> {
        Ok(super::list_plan::Probe::Spent)
    }
}

super::queries::impl_queries!(PgStore, sqlx::Postgres, " FOR UPDATE");
