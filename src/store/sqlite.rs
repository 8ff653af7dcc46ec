//! The SQLite backend: one file, WAL, `synchronous=FULL`, foreign keys on.
//!
//! Writes go through a pool of exactly one connection and begin with
//! `BEGIN IMMEDIATE`, so a write transaction holds SQLite's write lock from its
//! first statement: no lock upgrade can fail half-way, and other processes on
//! the same file (such as `registrar tenant create`) wait on `busy_timeout`.
//! Reads use a separate pool and never block on writes (WAL).

use super::PoolSettings;
use super::list_plan;
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
        MIGRATOR
            .run(&write)
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

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.write.begin_with("BEGIN IMMEDIATE").await
    }

    /// How to build a list query; see `list_plan.rs`.
    async fn plan_list(
        &self,
        q: &super::ListQuery<'_>,
    ) -> Result<super::list_sql::Plan, sqlx::Error> {
        use super::list_sql::{Plan, Walk};
        if q.filter.is_none() {
            // Nothing but the sort index can serve the page.
            return Ok(Plan::default());
        }
        let (sql, args) = super::list_sql::tenant_count_sql(q.tenant);
        let size: Option<i64> = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), args)
            .fetch_optional(&self.read)
            .await?
            .map(|row| row.try_get(0))
            .transpose()?;
        let budget = list_plan::walk_budget(q.limit, size.unwrap_or(0));
        let needed = u64::from(q.limit) + 1;
        if self.probe(q, Walk::page(q), budget, needed).await? != list_plan::Probe::Spent {
            return Ok(Plan {
                search: None,
                walk: true,
                budget,
            });
        }
        Ok(Plan {
            search: self.name_search(q).await?,
            walk: false,
            budget,
        })
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

    /// Whether a list query should pre-select its candidates through the
    /// trigram index over names, and with which FTS5 query.
    ///
    /// SQLite's planner knows nothing of how many documents an FTS5 query
    /// matches, so this asks the index first, reading at most
    /// [`MAX_NAME_CANDIDATES`] + 1 entries (across all tenants). With few,
    /// the page is built from them, each costing a lookup or two. With more,
    /// the planner is left to choose.
    async fn name_search(
        &self,
        q: &super::ListQuery<'_>,
    ) -> Result<Option<super::list_sql::NameSearch>, sqlx::Error> {
        let Some(search) = q.filter.and_then(list_plan::name_trigram_query) else {
            return Ok(None);
        };
        let candidates: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM (SELECT 1 FROM client_name_trigrams \
             WHERE client_name_trigrams MATCH $1 LIMIT $2)",
        )
        .bind(&search)
        .bind(MAX_NAME_CANDIDATES + 1)
        .fetch_one(&self.read)
        .await?;
        Ok((candidates <= MAX_NAME_CANDIDATES).then_some(search))
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

/// Most candidates the trigram index may offer for a list query to be built
/// from them; see [`SqliteStore::name_search`].
const MAX_NAME_CANDIDATES: i64 = 20_000;

super::queries::impl_queries!(SqliteStore, sqlx::Sqlite, "");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::TenantId;
    use crate::store::{ListQuery, Sort, SortField};

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
    fn trigram_preselection_only_for_few_candidates() {
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
            let cap = usize::try_from(MAX_NAME_CANDIDATES).unwrap();
            load(&store, "t", "common", cap + 1).await;
            load(&store, "t", "rare", 3).await;
            let tenant = TenantId::from_trusted("t");
            let decide = |input: &str| {
                let filter = crate::filter::parse(input).unwrap();
                let store = store.clone();
                let tenant = tenant.clone();
                async move {
                    let q = ListQuery {
                        tenant: &tenant,
                        filter: Some(&filter),
                        sort: Sort {
                            field: SortField::ClientId,
                            descending: false,
                        },
                        limit: 20,
                        position: None,
                        count_total: false,
                    };
                    store.name_search(&q).await.unwrap()
                }
            };
            assert_eq!(
                decide("clientName co \"rare\"").await.as_deref(),
                Some("\"rar\" AND \"are\"")
            );
            assert_eq!(
                decide("clientName co \"common\"").await,
                None,
                "too many candidates"
            );
            assert_eq!(
                decide("clientName co \"ra\"").await,
                None,
                "too short for trigrams"
            );
            let count: i64 =
                sqlx::query_scalar("SELECT client_count FROM tenants WHERE tenant_id = 't'")
                    .fetch_one(&store.read)
                    .await
                    .unwrap();
            assert_eq!(
                count,
                i64::try_from(cap + 4).unwrap(),
                "the trigger counts bulk-loaded clients"
            );
        });
    }
}
