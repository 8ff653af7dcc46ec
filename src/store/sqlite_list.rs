//! The SQLite backend's side of the list statements: how a filtered page is
//! planned (`list_plan.rs` explains the choice), the bounded probes along a
//! walk, and `EXPLAIN QUERY PLAN` for diagnostics.

use super::filter_sql::SqlArg;
use super::list_plan::{self, Probe};
use super::list_sql::{self, Access, Plan, Walk};
use super::list_table::ListTable;
use super::shared::bind_all;
use super::sqlite::SqliteStore;
use crate::domain::list_query::ListQuery;
use sqlx::Row as _;

impl SqliteStore {
    /// How to build a list query: the index with the fewest candidates
    /// within the walk budget, or else a walk; see `list_plan.rs`. A
    /// resource without planning hints gets the default plan.
    pub(super) async fn plan_list<R: ListTable>(
        &self,
        q: &ListQuery<'_, R>,
    ) -> Result<Plan, sqlx::Error> {
        let (Some(filter), Some(planning)) = (q.filter, R::sqlite_planning()) else {
            // Nothing but the sort index can serve the page, or SQLite's
            // planner chooses.
            return Ok(Plan::default());
        };
        let (sql, args) = list_sql::tenant_count_sql(q);
        let size: Option<i64> = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), args)
            .fetch_optional(&self.read)
            .await?
            .map(|row| row.try_get(0))
            .transpose()?;
        let budget = list_plan::walk_budget(q.limit, size.unwrap_or(0));
        // Counting stops one past the budget: that is enough to rule out.
        let cap = budget + 1;
        let mut best: Option<(u64, Access)> = None;
        if let Some(trigrams) = &planning.trigrams
            && let Some(search) = list_plan::name_trigram_query(filter, &trigrams.attr)
        {
            let (sql, args) = list_plan::trigram_candidates_sql(trigrams.fts_table, &search, cap);
            let n = self.count(sql, args).await?;
            best = Some((n, Access::Trigrams(search)));
        }
        for (index, conjunct) in list_plan::indexed_conjuncts(filter, &planning, q.sort.field) {
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

    /// Walks up to `budget` rows along `walk`, counting matches up to
    /// `needed`. Only a planned resource walks by force (`Access::Walk`).
    pub(super) async fn probe<R: ListTable>(
        &self,
        q: &ListQuery<'_, R>,
        walk: Walk<'_>,
        budget: u64,
        needed: u64,
    ) -> Result<Probe, sqlx::Error> {
        let Some(planning) = R::sqlite_planning() else {
            return Ok(Probe::Spent);
        };
        let (sql, args) = list_plan::hits_sql(q, &planning, walk, budget, needed);
        if self.count(sql, args).await? >= needed {
            return Ok(Probe::Reached);
        }
        let (sql, args) = list_plan::window_len_sql(q, walk, budget);
        if self.count(sql, args).await? < budget {
            return Ok(Probe::Ended);
        }
        Ok(Probe::Spent)
    }

    async fn count(&self, sql: String, args: Vec<SqlArg>) -> Result<u64, sqlx::Error> {
        let row = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), args)
            .fetch_one(&self.read)
            .await?;
        Ok(u64::try_from(row.try_get::<i64, _>(0)?).unwrap_or(0))
    }

    /// `EXPLAIN QUERY PLAN` of one statement, as an indented tree.
    pub(super) async fn explain(
        &self,
        sql: String,
        args: Vec<SqlArg>,
    ) -> Result<Vec<String>, sqlx::Error> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::client_list::ClientSort as SortField;
    use crate::domain::client_record::ClientRecord;
    use crate::domain::ids::TenantId;
    use crate::domain::list_query::Sort;
    use crate::store::PoolSettings;

    // These tests plan the clients' list.
    type ListQuery<'a> = crate::domain::list_query::ListQuery<'a, ClientRecord>;

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
