//! Tests of in-thread writes (`group_commit_in_thread.rs`): they share
//! batches with sqlx's writes and keep their own outcomes, a lost batch is
//! never resumed by one, and a failed batch gives way to the next.

use crate::store::group_commit::test_support::{
    assert_committed, commit_one, concurrently, fresh_store, tenants,
};

const INSERT: &str = "INSERT INTO tenants (tenant_id, name, created_at) VALUES (?1, 'n', 0)";

fn insert(c: &rusqlite::Connection, id: &str) -> rusqlite::Result<usize> {
    c.prepare_cached(INSERT)?.execute([id])
}

/// In-thread writes and sqlx's share batches: each acknowledged one is
/// visible to other connections as soon as it returns; one that fails after
/// writing leaves nothing and takes nothing of the others with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_thread_writes_keep_their_own_outcome_beside_sqlx_ones() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let expected = concurrently(&store, |store, id, i| async move {
        let kept = match i % 4 {
            0 => {
                let n = store.group().write_in_thread(|c| insert(c, &id)).await;
                assert_eq!(n.unwrap(), 1);
                true
            }
            1 => {
                commit_one(&store, &id).await;
                true
            }
            // A statement fails after one succeeded (a duplicate key).
            2 => {
                let r = store
                    .group()
                    .write_in_thread(|c| insert(c, &id).and_then(|_| insert(c, &id)))
                    .await;
                assert!(r.is_err());
                false
            }
            // The work itself refuses after writing.
            _ => {
                let r = store
                    .group()
                    .write_in_thread(|c| {
                        insert(c, &id)?;
                        Err::<(), _>(rusqlite::Error::QueryReturnedNoRows)
                    })
                    .await;
                assert!(r.is_err());
                false
            }
        };
        if kept {
            assert_committed(&store, &id).await;
        }
        kept.then_some(id)
    })
    .await;
    assert_eq!(expected.len(), 60);
    assert_eq!(tenants(&store).await, expected);
}

/// A batch whose transaction is gone (rolled back behind sqlx's back) is
/// not resumed by an in-thread write: its SAVEPOINT would open a
/// transaction of its own and its RELEASE commit it outside any batch.
#[tokio::test]
async fn an_in_thread_write_never_resumes_a_lost_batch() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let mut tx = store.group().begin().await.unwrap();
    sqlx::query("ROLLBACK").execute(&mut *tx).await.unwrap();
    drop(tx);
    let r = store.group().write_in_thread(|c| insert(c, "lost")).await;
    assert!(r.is_err(), "written outside a batch");
    assert!(tenants(&store).await.is_empty());
    // The next write starts a new batch on a fresh connection and works.
    let n = store.group().write_in_thread(|c| insert(c, "kept")).await;
    assert_eq!(n.unwrap(), 1);
    assert_eq!(tenants(&store).await, ["kept"]);
}

/// A batch that fails after an in-thread write prepared (and cached)
/// statements on its connection ends, that connection is replaced, and the
/// writer goes on; closing the pool afterwards succeeds (its statements
/// were finalized with the batch's rusqlite view).
#[tokio::test]
async fn a_failed_batch_with_cached_statements_gives_way_to_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let n = store.group().write_in_thread(|c| insert(c, "a")).await;
    assert_eq!(n.unwrap(), 1);
    // Prepares (and caches) a statement, then loses the batch transaction:
    // the batch fails and its connection is closed.
    let r = store
        .group()
        .write_in_thread(|c| {
            insert(c, "b")?;
            c.execute_batch("ROLLBACK")
        })
        .await;
    assert!(r.is_err());
    // A request that joins the failed batch before the committer ends it
    // fails with it; once it is ended, writes succeed again.
    let mut written = None;
    for _ in 0..100 {
        match store.group().write_in_thread(|c| insert(c, "c")).await {
            Ok(n) => {
                written = Some(n);
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
        }
    }
    assert_eq!(
        written,
        Some(1),
        "the writer goes on after the failed batch"
    );
    store.write.close().await;
    assert!(store.write.is_closed());
    assert_eq!(tenants(&store).await, ["a", "c"]);
}
