//! Tests of migration 0012: walks along the time orders test the filter on
//! the index entry and read the table only for the rows they return, and the
//! planner's probes read the index alone.

use super::SqliteStore;
use crate::domain::client_list::{ClientSort, ListedClient};
use crate::domain::ids::TenantId;
use crate::domain::list_query::{ListQuery, Sort};
use crate::store::PoolSettings;
use crate::store::filter_sql::SqlArg;
use crate::store::list_plan::hits_sql;
use crate::store::list_sql::{Access, Plan, Walk, page_sql};
use crate::store::list_table::ListTable;
use crate::store::shared::bind_all;
use sqlx::Row as _;

/// The opcodes of `sql`'s bytecode (`EXPLAIN`).
async fn opcodes(store: &SqliteStore, sql: &str, args: Vec<SqlArg>) -> Vec<String> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN {sql}")));
    let rows = bind_all(query, args).fetch_all(&store.read).await.unwrap();
    rows.iter().map(|r| r.get::<String, _>(1)).collect()
}

/// The columns of `index`, in order.
async fn index_columns(store: &SqliteStore, index: &str) -> Vec<String> {
    let sql = format!("SELECT name FROM pragma_index_info('{index}') ORDER BY seqno");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&store.read)
        .await
        .unwrap();
    rows.iter().map(|r| r.get::<String, _>(0)).collect()
}

#[tokio::test]
async fn walks_along_time_orders_filter_on_the_index_entry() {
    let store = SqliteStore::connect("sqlite::memory:", &PoolSettings::default())
        .await
        .unwrap();
    let tenant = TenantId::from_trusted("t");
    let filter = crate::filter::parse(r#"clientName sw "x" and not (appType eq "spa")"#).unwrap();
    for field in [ClientSort::CreatedAt, ClientSort::UpdatedAt] {
        let q = ListQuery::<ListedClient> {
            sort: Sort {
                field,
                descending: true,
            },
            ..ListQuery::first_page(&tenant, Some(&filter))
        };
        let walk = Plan {
            access: Access::Walk,
            budget: 100,
        };
        let (sql, args) = page_sql(&q, &walk);
        // The table row is sought only for a row the filter kept.
        let ops = opcodes(&store, &sql, args).await;
        assert!(
            ops.iter().any(|op| op == "DeferredSeek"),
            "{field:?}: {sql}\n{ops:?}"
        );
        let index = (ListedClient::sqlite_planning().unwrap().sort_index)(field);
        let columns = index_columns(&store, index).await;
        for column in ["name_key", "app_type", "created_at", "updated_at"] {
            assert!(columns.iter().any(|c| c == column), "{index}: {columns:?}");
        }
        let planning = ListedClient::sqlite_planning().unwrap();
        let from_start = Walk {
            forward: false,
            from: None,
        };
        let (sql, args) = hits_sql(&q, &planning, from_start, 100, 21);
        let plan = store.explain(sql.clone(), args).await.unwrap().join("\n");
        assert!(
            plan.contains("COVERING INDEX clients_by_"),
            "{field:?}: {sql}\n{plan}"
        );
    }
}
