//! The SQLite backend's side of the list statements: the engine plans its
//! filtered pages (`list_planner.rs`; `list_plan.rs` explains the choice),
//! and `EXPLAIN QUERY PLAN` for diagnostics. The statements run through the
//! read pool bounded by the request's deadline (`sqlite_list_bounded.rs`).

use super::filter_sql::SqlArg;
use super::shared::bind_all;
use super::sqlite::SqliteStore;
use sqlx::Row as _;

impl SqliteStore {
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
    use crate::domain::client_list::ListedClient;
    use crate::domain::ids::TenantId;
    use crate::store::PoolSettings;
    use crate::store::list_exec::ListExec;
    use crate::store::list_sql::{Access, Plan};

    // These tests plan the clients' list.
    type ListQuery<'a> = crate::domain::list_query::ListQuery<'a, ListedClient>;

    /// Inserts `n` clients named `prefix0`, `prefix1`, … straight into the
    /// table, as a bulk load would; the triggers index their names.
    async fn load(store: &SqliteStore, tenant: &str, prefix: &str, n: usize) {
        let mut tx = store.write.begin().await.unwrap();
        for i in 0..n {
            let name = format!("{prefix}{i}");
            sqlx::query(
                "INSERT INTO clients (tenant_id, client_id, app_type, client_name, name_key, created_at, updated_at, config) \
                 VALUES ($1, $2, 'spa', $3, $3, 0, 0, json_object('appType', 'spa', 'clientName', $3, \
                 'connectionConfig', json_object('consentMethod', 'required')))",
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

    /// An in-memory store holding the tenants `ids` (no clients yet).
    async fn store_with(ids: &[&str]) -> SqliteStore {
        let store = SqliteStore::connect("sqlite::memory:", &PoolSettings::default())
            .await
            .unwrap();
        for id in ids {
            sqlx::query("INSERT INTO tenants (tenant_id, name, created_at) VALUES ($1, $1, 0)")
                .bind(id)
                .execute(&store.write)
                .await
                .unwrap();
        }
        store
    }

    /// The plan of the first page (newest first, 20) of `tenant` filtered
    /// by `input`.
    async fn plan_of(store: &SqliteStore, tenant: &str, input: &str) -> Plan {
        plan_with(&store.list_exec(), tenant, input).await
    }

    /// The first page (newest first, 20) of `tenant`, filtered by `filter`.
    fn first_page<'a>(
        tenant: &'a TenantId,
        filter: Option<&'a crate::filter::Filter<crate::filter::ClientAttr>>,
    ) -> ListQuery<'a> {
        // The clients' default order is `-createdAt`.
        ListQuery::first_page(tenant, filter)
    }

    /// [`plan_of`]'s plan, through `exec`.
    async fn plan_with(exec: &impl ListExec, tenant: &str, input: &str) -> Plan {
        let tenant = TenantId::from_trusted(tenant);
        let filter = crate::filter::parse(input).unwrap();
        let q = first_page(&tenant, Some(&filter));
        crate::store::list_planner::plan_list(exec, &q)
            .await
            .unwrap()
    }

    /// A [`ListExec`] that counts the statements it runs.
    struct Counting<E> {
        inner: E,
        statements: std::cell::Cell<usize>,
    }

    impl<E: ListExec> ListExec for Counting<E> {
        fn plans(&self) -> bool {
            self.inner.plans()
        }

        async fn rows(
            &self,
            sql: String,
            args: Vec<SqlArg>,
            each: crate::store::list_exec::EachRow<'_>,
        ) -> crate::store::Result<()> {
            self.statements.set(self.statements.get() + 1);
            self.inner.rows(sql, args, each).await
        }

        async fn scalar(
            &self,
            sql: String,
            args: Vec<SqlArg>,
        ) -> crate::store::Result<Option<i64>> {
            self.statements.set(self.statements.get() + 1);
            self.inner.scalar(sql, args).await
        }
    }

    /// A search whose first trigram is past the counts' reach, and whose
    /// whole most of that trigram's postings hold, walks after that one
    /// count and a sample: the other trigrams are not counted.
    #[tokio::test]
    async fn common_searches_walk_without_counting_every_trigram() {
        let store = store_with(&["c"]).await;
        // 2,001 names: a budget of 206 (a reach of 618) for pages of 20.
        load(&store, "c", "common", 2001).await;
        let exec = Counting {
            inner: store.list_exec(),
            statements: std::cell::Cell::new(0),
        };
        let plan = plan_with(&exec, "c", "clientName co \"common\"").await;
        assert_eq!(plan.access, Access::Walk);
        assert_eq!(
            exec.statements.get(),
            3,
            "the tenant's size, the first trigram's count, the sample"
        );
        // A rare whole among the same common trigrams still counts them.
        load(&store, "c", "commonzq", 1).await;
        let exec = Counting {
            inner: store.list_exec(),
            statements: std::cell::Cell::new(0),
        };
        let plan = plan_with(&exec, "c", "clientName co \"commonzq\"").await;
        assert_eq!(
            plan.access,
            trigrams(&["onz", "nzq", "com", "omm", "mmo", "mon"])
        );
        assert!(exec.statements.get() > 3, "{}", exec.statements.get());
    }

    fn trigrams(list: &[&str]) -> Access {
        Access::Trigrams(list.iter().map(|t| (*t).to_owned()).collect())
    }

    #[tokio::test]
    async fn plans_read_the_index_with_fewest_candidates_or_walk() {
        let store = store_with(&["t", "n"]).await;
        load(&store, "t", "common", 2001).await;
        load(&store, "t", "rare", 3).await;
        // A neighbour full of the names `t` searches for: its postings are
        // not `t`'s candidates, and must not push `t` onto a walk.
        load(&store, "n", "rare", 3000).await;
        let plan = async |input: &str| plan_of(&store, "t", input).await.access;
        assert_eq!(
            plan("clientName co \"rare\"").await,
            trigrams(&["rar", "are"])
        );
        assert_eq!(
            plan("clientName co \"common20\"").await,
            trigrams(&["n20", "on2", "com", "omm", "mmo", "mon"]),
            "the rarest trigram in the tenant is read first, the next rarest checked first"
        );
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
    }

    /// Every trigram of the search is common in the tenant, the whole is
    /// rare: the conjunction is counted, and the postings read, rather than
    /// a walk through the whole tenant for a page that never fills.
    #[tokio::test]
    async fn rare_conjunctions_of_common_trigrams_read_the_postings() {
        let store = store_with(&["w"]).await;
        // 702 postings of `abc`: above the budget (346), within the counts'
        // reach (3 budgets).
        load(&store, "w", "xabcx", 700).await;
        load(&store, "w", "xbcdx", 5000).await;
        load(&store, "w", "abcd", 2).await;
        let plan = plan_of(&store, "w", "clientName co \"abcd\"").await;
        assert_eq!(plan.access, trigrams(&["abc", "bcd"]));
    }

    /// A suffix that is rare as a whole but made of common trigrams, as
    /// `portal #71` among 2,000 names `portal #7…`: the index of reversed
    /// tails finds its one match, where the trigrams could only walk.
    #[tokio::test]
    async fn suffixes_read_the_index_of_reversed_tails() {
        let store = store_with(&["e"]).await;
        load(&store, "e", "portal #7", 2000).await;
        let plan = plan_of(&store, "e", "clientName ew \"portal #71\"").await;
        assert_eq!(plan.access, Access::Index("clients_by_name_tail"));
        assert_eq!(
            names(&store, "e", "clientName ew \"PORTAL #71\"").await,
            ["portal #71"]
        );
        let many = names(&store, "e", "clientName ew \"9\"").await;
        assert_eq!(many.len(), 20, "a page of the 200 names ending in 9");
        assert!(many.iter().all(|n| n.ends_with('9')), "{many:?}");
    }

    /// Names longer than the tail and beyond ASCII: the range on the tail
    /// (the last 16 characters) admits them, the `LIKE` decides.
    #[tokio::test]
    async fn long_and_unicode_suffixes_match_exactly() {
        let store = store_with(&["u"]).await;
        load(&store, "u", "padding", 400).await;
        let long = "éléphant rosé au 🐘 très long nom";
        for (i, name) in [
            long,
            "ant rosé au 🐘 très long nom",
            "x très long nom",
            "très long nom",
        ]
        .iter()
        .enumerate()
        {
            sqlx::query(
                "INSERT INTO clients (tenant_id, client_id, app_type, client_name, name_key, created_at, updated_at, config) \
                 VALUES ('u', $1, 'spa', $2, $2, $3, 0, json_object('appType', 'spa', 'clientName', $2, \
                 'connectionConfig', json_object('consentMethod', 'required')))",
            )
            .bind(format!("u-long-{i}"))
            .bind(*name)
            .bind(i64::try_from(i).unwrap())
            .execute(&store.write)
            .await
            .unwrap();
        }
        let tail: String =
            sqlx::query_scalar("SELECT name_tail FROM clients WHERE client_id = 'u-long-0'")
                .fetch_one(&store.read)
                .await
                .unwrap();
        let expected: String = long.chars().rev().take(16).collect();
        assert_eq!(tail, expected);
        assert_eq!(
            names(&store, "u", "clientName ew \"ROSÉ AU 🐘 TRÈS LONG NOM\"").await,
            ["ant rosé au 🐘 très long nom", long]
        );
        assert_eq!(
            names(&store, "u", "clientName ew \" très long nom\"").await,
            ["x très long nom", "ant rosé au 🐘 très long nom", long]
        );
        assert_eq!(
            names(&store, "u", "clientName ew \"éléphant\"").await,
            Vec::<String>::new()
        );
    }

    /// A page without a filter reads its sort index by name, whatever the
    /// statistics say of the other indexes.
    #[tokio::test]
    async fn unfiltered_pages_read_the_sort_index() {
        let store = store_with(&["a"]).await;
        load(&store, "a", "name", 50).await;
        sqlx::query("ANALYZE").execute(&store.write).await.unwrap();
        sqlx::query("DELETE FROM sqlite_stat1 WHERE idx = 'clients_by_name_tail'")
            .execute(&store.write)
            .await
            .unwrap();
        let tenant = TenantId::from_trusted("a");
        let q = first_page(&tenant, None);
        let plan = crate::store::list_planner::plan_list(&store.list_exec(), &q)
            .await
            .unwrap();
        assert_eq!(plan.access, Access::Sorted);
        let (sql, _) = crate::store::list_sql::page_sql(&q, &plan);
        assert!(sql.contains("INDEXED BY clients_by_created_at"), "{sql}");
        let page = crate::store::listing::list(&store.list_exec(), &q)
            .await
            .unwrap();
        assert_eq!(page.items.len(), 20);
    }

    /// The names of the first page (newest first, 20) of `tenant` filtered
    /// by `input`.
    async fn names(store: &SqliteStore, tenant: &str, input: &str) -> Vec<String> {
        let tenant = TenantId::from_trusted(tenant);
        let filter = crate::filter::parse(input).unwrap();
        let q = first_page(&tenant, Some(&filter));
        let page = crate::store::listing::list(&store.list_exec(), &q)
            .await
            .unwrap();
        page.items.iter().map(|c| c.name_key.clone()).collect()
    }

    /// A tenant of at most 16 pages is walked whole, uncounted; one row
    /// more and the counts choose.
    #[tokio::test]
    async fn small_tenants_are_walked_whole() {
        let store = store_with(&["s"]).await;
        load(&store, "s", "rare", 336).await;
        let plan = plan_of(&store, "s", "clientName co \"more\"").await;
        assert_eq!(plan.access, Access::Walk);
        assert_eq!(plan.budget, 336, "a probe reads the whole tenant");
        load(&store, "s", "more", 1).await;
        let plan = plan_of(&store, "s", "clientName co \"more\"").await;
        assert_eq!(
            plan.access,
            trigrams(&["mor", "ore"]),
            "one row more: the counts choose"
        );
    }
}

#[cfg(test)]
#[path = "sqlite_list_covering_tests.rs"]
mod covering_tests;
