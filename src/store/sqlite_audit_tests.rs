//! Group commit and the audit log on SQLite: each request's transaction is
//! a savepoint of a shared batch, so an event recorded by a request that
//! then fails (or is dropped) must vanish with it while the other requests
//! of the batch keep theirs.

use super::SqliteStore;
use super::audit::record_event;
use crate::domain::audit::{EventType, Origin};
use crate::domain::ids::TenantId;
use crate::domain::time::Timestamp;
use crate::store::PoolSettings;
use serde_json::json;
use sqlx::Row as _;

/// A store on a new file (kept as long as the returned directory).
async fn fresh_store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("a.db").display());
    let store = SqliteStore::connect(&url, &PoolSettings::default())
        .await
        .unwrap();
    (dir, store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_request_of_a_batch_leaves_no_event_and_the_others_keep_theirs() {
    let (_dir, store) = fresh_store().await;
    let tenant = TenantId::from_trusted("t1");
    let mut tasks = Vec::new();
    for i in 0..90i64 {
        let (store, tenant) = (store.clone(), tenant.clone());
        tasks.push(tokio::spawn(async move {
            let subject = format!("s{i:03}");
            let event = Origin::command().event(
                EventType::ClientUpdated,
                Some(&tenant),
                &subject,
                Timestamp::from_micros(i),
                json!({ "i": i }),
            );
            let mut tx = store.group().begin().await.unwrap();
            record_event(&mut tx, &event).await.unwrap();
            match i % 3 {
                0 => {
                    tx.commit().await.unwrap();
                    Some(subject)
                }
                // Fails after its event was recorded (a second tenant row
                // with the same key), then is dropped.
                1 => {
                    let again =
                        "INSERT INTO tenants (tenant_id, name, created_at) VALUES ($1, 'n', 0)";
                    let id = format!("tenant{i:03}");
                    sqlx::query(again)
                        .bind(&id)
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                    assert!(
                        sqlx::query(again)
                            .bind(&id)
                            .execute(&mut *tx)
                            .await
                            .is_err()
                    );
                    None
                }
                // Dropped without commit.
                _ => None,
            }
        }));
    }
    let mut expected = Vec::new();
    for t in tasks {
        expected.extend(t.await.unwrap());
    }
    expected.sort();
    let kept: Vec<String> =
        sqlx::query("SELECT subject FROM audit_events WHERE tenant_id = 't1' ORDER BY subject")
            .fetch_all(store.read_pool())
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
    assert_eq!(expected.len(), 30);
    assert_eq!(kept, expected);
}

/// The batch inserts its requests' events before its `COMMIT`; if that
/// insert fails (here the same event twice), the batch commits nothing and
/// its request is told so: no change without its event.
#[tokio::test]
async fn a_batch_whose_events_cannot_be_written_commits_nothing() {
    let (_dir, store) = fresh_store().await;
    let tenant = TenantId::from_trusted("t1");
    let event = Origin::command().event(
        EventType::ClientCreated,
        Some(&tenant),
        "s1",
        Timestamp::from_micros(1),
        json!({}),
    );
    let mut tx = store.group().begin().await.unwrap();
    sqlx::query("INSERT INTO tenants (tenant_id, name, created_at) VALUES ('t1', 'n', 0)")
        .execute(&mut *tx)
        .await
        .unwrap();
    record_event(&mut tx, &event).await.unwrap();
    record_event(&mut tx, &event).await.unwrap();
    assert!(tx.commit().await.is_err());
    let count = |sql: &'static str| {
        let store = store.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(store.read_pool())
                .await
                .unwrap()
        }
    };
    assert_eq!(count("SELECT count(*) FROM tenants").await, 0);
    assert_eq!(count("SELECT count(*) FROM audit_events").await, 0);
    // The next request starts a fresh batch and keeps its event.
    let mut tx = store.group().begin().await.unwrap();
    record_event(&mut tx, &event).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(count("SELECT count(*) FROM audit_events").await, 1);
}
