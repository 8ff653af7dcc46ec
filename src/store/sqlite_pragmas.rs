//! What durability rests on, read back from the SQLite connections the store
//! opens: `synchronous` (2, FULL: every commit waits for the WAL's fsync)
//! and `journal_mode` (`wal`). `Store::connection_pragmas` collects them from
//! every kind of connection (the read pool, the group-commit writer, the
//! checkpoint connection, the in-thread readers), so a test can prove that
//! none was opened without them (contract §6, durability).

use sqlx::SqliteConnection;

/// One connection's durability settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionPragmas {
    /// Which connection: `read pool 3`, `writer`, `checkpoint`, `in-thread 0`.
    pub connection: String,
    /// `PRAGMA synchronous`: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
    pub synchronous: i64,
    /// `PRAGMA journal_mode`, lowercase (`wal`).
    pub journal_mode: String,
}

const SYNCHRONOUS: &str = "PRAGMA synchronous";
const JOURNAL_MODE: &str = "PRAGMA journal_mode";

/// The settings of a connection sqlx opened.
pub(super) async fn of_sqlx(
    conn: &mut SqliteConnection,
    connection: String,
) -> Result<ConnectionPragmas, sqlx::Error> {
    let synchronous: i64 = sqlx::query_scalar(SYNCHRONOUS)
        .fetch_one(&mut *conn)
        .await?;
    let journal_mode: String = sqlx::query_scalar(JOURNAL_MODE).fetch_one(conn).await?;
    Ok(ConnectionPragmas {
        connection,
        synchronous,
        journal_mode: journal_mode.to_lowercase(),
    })
}

/// The settings of an in-thread (rusqlite) connection.
pub(super) fn of_rusqlite(
    conn: &rusqlite::Connection,
    connection: String,
) -> rusqlite::Result<ConnectionPragmas> {
    let synchronous: i64 = conn.query_row(SYNCHRONOUS, [], |r| r.get(0))?;
    let journal_mode: String = conn.query_row(JOURNAL_MODE, [], |r| r.get(0))?;
    Ok(ConnectionPragmas {
        connection,
        synchronous,
        journal_mode: journal_mode.to_lowercase(),
    })
}
