//! Tests of the in-thread reads (`sqlite_reads.rs`): their connections, the
//! bundled SQLite's options, and busy answers.

use super::*;

fn scratch() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.db");
    let c = Connection::open(&path).unwrap();
    c.execute_batch(
        "PRAGMA journal_mode=WAL; CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);",
    )
    .unwrap();
    (dir, path)
}

/// `.cargo/config.toml` compiles STAT4 out of the bundled SQLite: with
/// its samples in a database, every statement is recompiled whenever
/// its parameters change (sqlx and rusqlite share this one library).
#[test]
fn the_bundled_sqlite_has_no_stat4() {
    let c = Connection::open_in_memory().unwrap();
    let stat4: i64 = c
        .query_row(
            "SELECT sqlite_compileoption_used('ENABLE_STAT4')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stat4, 0, "SQLITE_ENABLE_STAT4 is compiled in");
}

/// A `LIKE` whose pattern is a parameter keeps its compiled program when
/// the pattern changes (the query planner's stability guarantee is on).
#[test]
fn a_like_parameter_does_not_recompile_its_statement() {
    let (_dir, path) = scratch();
    let reads = InThreadReads::open(&path).unwrap();
    let reprepared = reads.read(|c| {
        let mut stmt = c.prepare_cached("SELECT count(*) FROM t WHERE CAST(x AS TEXT) LIKE $1")?;
        for pattern in ["1%", "%2", "%1%"] {
            stmt.query_row([pattern], |r| r.get::<_, i64>(0))?;
        }
        Ok(stmt.get_status(rusqlite::StatementStatus::RePrepare))
    });
    assert!(matches!(reprepared, Ok(Ok(0))), "{reprepared:?}");
}

#[test]
fn connections_are_read_only_and_reused() {
    let (_dir, path) = scratch();
    let reads = InThreadReads::open(&path).unwrap();
    let wrote = reads.read(|c| c.execute("INSERT INTO t VALUES (2)", []));
    assert!(
        matches!(wrote, Ok(Err(StoreError::Db(_)))),
        "query_only refuses writes"
    );
    assert!(matches!(reads.ping(), Ok(Ok(()))));
    assert_eq!(
        reads.idle.lock().unwrap().len(),
        1,
        "one connection, reused"
    );
}

#[test]
fn a_held_exclusive_lock_answers_busy_at_once() {
    let (_dir, path) = scratch();
    let reads = InThreadReads::open(&path).unwrap();
    // Leaving WAL mode needs the exclusive lock; holding it in another
    // connection makes every reader busy.
    let blocker = Connection::open(&path).unwrap();
    blocker
        .execute_batch(
            "PRAGMA journal_mode=DELETE; PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE;",
        )
        .unwrap();
    let start = std::time::Instant::now();
    assert!(matches!(reads.ping(), Err(Busy)));
    assert!(
        start.elapsed() < std::time::Duration::from_secs(1),
        "no waiting"
    );
}
