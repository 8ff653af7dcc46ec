//! The audit events of a SQLite group-commit batch, written by the batch.
//!
//! On SQLite a request's `record_event` does not run a statement: the event's
//! row waits in the request's [`WriteTx`](super::group_commit::WriteTx), joins
//! its batch when the request's savepoint is released, and is inserted by the
//! batch just before its `COMMIT`, a few dozen rows per statement. So the
//! event is still written by the transaction that makes the change (the
//! batch's), an acknowledged change always has it, and a request that fails
//! or is dropped before its release never adds it; but a request pays no
//! statement of its own for its event (each statement is a round trip to
//! sqlx's SQLite thread while the batch is held: measured in bench/NOTES.md).
//! Should the batch's insert fail, the whole batch fails, as any failed
//! `COMMIT` does.

use super::audit::{EventRow, INSERT_EVENT_COLUMNS};
use sqlx::SqliteConnection;
use std::sync::OnceLock;

/// Rows per `INSERT` (8 parameters each; SQLite allows 32,766). Parameters
/// are `?`, numbered by position (sqlx looks up the name of every `$n` at
/// every execution).
const ROWS_PER_STATEMENT: usize = 64;
/// Columns of a row.
const COLUMNS: usize = 8;

/// `INSERT … VALUES` of `n` rows (1 ≤ n ≤ [`ROWS_PER_STATEMENT`]), built once.
fn insert_sql(n: usize) -> &'static str {
    static SQL: OnceLock<Vec<String>> = OnceLock::new();
    let all = SQL.get_or_init(|| {
        (1..=ROWS_PER_STATEMENT)
            .map(|rows| {
                let row = format!("({})", ["?"; COLUMNS].join(", "));
                format!(
                    "{INSERT_EVENT_COLUMNS} VALUES {}",
                    vec![row; rows].join(", ")
                )
            })
            .collect()
    });
    all.get(n.saturating_sub(1)).map_or("", String::as_str)
}

/// Inserts `rows` on the batch's connection, in their order.
pub(crate) async fn insert_events(
    conn: &mut SqliteConnection,
    rows: &[EventRow],
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(insert_sql(chunk.len())));
        for row in chunk {
            query = row.bind(query);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_statement_per_chunk_has_a_parameter_per_column_of_each_row() {
        assert!(insert_sql(1).ends_with("VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
        let last = insert_sql(ROWS_PER_STATEMENT);
        assert_eq!(last.matches('?').count(), ROWS_PER_STATEMENT * COLUMNS);
        assert_eq!(insert_sql(ROWS_PER_STATEMENT + 1), "");
    }
}
