//! What the group-commit tests share (`group_commit_tests.rs`,
//! `group_commit_in_thread_tests.rs`): a store on a fresh file, requests
//! that insert tenants, and what a reader sees of them.

use super::WriteTx;
use crate::store::PoolSettings;
use crate::store::sqlite::SqliteStore;
use sqlx::Row as _;

pub(crate) async fn fresh_store(dir: &tempfile::TempDir) -> SqliteStore {
    let url = format!("sqlite://{}", dir.path().join("g.db").display());
    SqliteStore::connect(&url, &PoolSettings::default())
        .await
        .unwrap()
}

/// The ids of the committed tenants, in order.
pub(crate) async fn tenants(store: &SqliteStore) -> Vec<String> {
    sqlx::query("SELECT tenant_id FROM tenants ORDER BY tenant_id")
        .fetch_all(store.read_pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// Inserts the tenant `id` in a request's transaction.
pub(crate) async fn insert(tx: &mut WriteTx, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO tenants (tenant_id, name, created_at) VALUES ($1, 'n', 0)")
        .bind(id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// One request that inserts the tenant `id` and commits: the writer works.
pub(crate) async fn commit_one(store: &SqliteStore, id: &str) {
    let mut tx = store.group().begin().await.unwrap();
    insert(&mut tx, id).await.unwrap();
    tx.commit().await.unwrap();
}

/// An acknowledged write is visible to another connection at once.
pub(crate) async fn assert_committed(store: &SqliteStore, id: &str) {
    let seen = sqlx::query("SELECT 1 FROM tenants WHERE tenant_id = $1")
        .bind(id)
        .fetch_optional(store.read_pool())
        .await
        .unwrap();
    assert!(seen.is_some(), "{id} acknowledged but not committed");
}

/// Runs `request` for the tenant ids `t000`…`t119` at once, each on its
/// own task (`request` gets the store, the id and its number); the ids of
/// the requests that answer they kept their write, in order.
pub(crate) async fn concurrently<F, Fut>(store: &SqliteStore, request: F) -> Vec<String>
where
    F: Fn(SqliteStore, String, usize) -> Fut,
    Fut: std::future::Future<Output = Option<String>> + Send + 'static,
{
    let tasks: Vec<_> = (0..120)
        .map(|i| tokio::spawn(request(store.clone(), format!("t{i:03}"), i)))
        .collect();
    let mut kept = Vec::new();
    for t in tasks {
        kept.extend(t.await.unwrap());
    }
    kept.sort();
    kept
}
