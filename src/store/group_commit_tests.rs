//! Tests of group commit (`group_commit.rs`): requests of one batch keep
//! their own outcomes, and a batch that cannot commit acknowledges nothing.

use crate::store::group_commit::test_support::{
    assert_committed, commit_one, concurrently, fresh_store, insert, tenants,
};

/// Many concurrent transactions share batches: each one that commits is
/// visible to other connections as soon as its commit returns (so the
/// answer waits for the batch's COMMIT); one that fails or is dropped
/// leaves nothing, and takes nothing of the others with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_transactions_keep_their_own_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let expected = concurrently(&store, |store, id, i| async move {
        let mut tx = store.group().begin().await.unwrap();
        insert(&mut tx, &id).await.unwrap();
        match i % 4 {
            // Committed: visible to a reader at once.
            0 | 1 => {
                tx.commit().await.unwrap();
                assert_committed(&store, &id).await;
                Some(id)
            }
            // Fails half-way (a duplicate key), then is dropped.
            2 => {
                assert!(insert(&mut tx, &id).await.is_err());
                None
            }
            // Dropped without commit.
            _ => None,
        }
    })
    .await;
    assert_eq!(expected.len(), 60);
    assert_eq!(tenants(&store).await, expected);
    // The writer is in a clean state afterwards.
    commit_one(&store, "zz").await;
    assert_eq!(tenants(&store).await.len(), 61);
}

/// A request dropped while its RELEASE was in flight poisons its batch:
/// every request of it gets an error, and none of it is kept.
#[tokio::test]
async fn a_request_dropped_while_releasing_fails_its_batch() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let mut first = store.group().begin().await.unwrap();
    insert(&mut first, "first").await.unwrap();
    first.releasing = true;
    drop(first);
    let mut second = store.group().begin().await.unwrap();
    insert(&mut second, "second").await.unwrap();
    assert!(second.commit().await.is_err());
    assert!(tenants(&store).await.is_empty());
    commit_one(&store, "third").await;
    assert_eq!(tenants(&store).await, ["third"]);
}

/// A batch whose transaction SQLite rolled back as a whole (here by a
/// ROLLBACK behind sqlx's back) is reported as failed to its requests,
/// never acknowledged.
#[tokio::test]
async fn a_lost_batch_transaction_fails_its_requests() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let mut tx = store.group().begin().await.unwrap();
    insert(&mut tx, "lost").await.unwrap();
    // Its own savepoint release still succeeds: only the marker
    // tells that the batch transaction is gone.
    // A transaction opened again afterwards (as a later request's
    // savepoint would) would let the batch's COMMIT succeed.
    for sql in [
        "ROLLBACK",
        "SAVEPOINT resumed",
        "SAVEPOINT _sqlx_savepoint_1",
    ] {
        sqlx::query(sql).execute(&mut *tx).await.unwrap();
    }
    assert!(tx.commit().await.is_err());
    assert!(tenants(&store).await.is_empty());
    // The next transaction starts on a fresh connection and works.
    commit_one(&store, "kept").await;
    assert_eq!(tenants(&store).await, ["kept"]);
}
