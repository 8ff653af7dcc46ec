//! SQLite's list reads on the calling thread (issue 17): the whole list
//! algorithm (`listing.rs`: the planner's counts, the page, the "rows
//! beyond" probe, `totalResults`, the page's details) runs through one
//! rusqlite connection of `sqlite_reads.rs`, inside one read transaction, so
//! every statement of a page sees one snapshot and none pays sqlx's two
//! thread hand-offs. The algorithm is the same async code the pools run: its
//! statements here complete at once, so the future is polled to its end in
//! one go ([`run_now`]). SQLite answering busy makes the whole page go
//! through the sqlx pool instead, as the point reads do.

use super::filter_sql::SqlArg;
use super::list_exec::{EachRow, ListExec};
use super::list_table::{DbRow, ListTable};
use super::sqlite_reads::{Busy, InThreadReads, ReadResult, classify};
use super::{Result, StoreError};
use crate::domain::list_query::{ListPage, ListQuery};
use rusqlite::{CachedStatement, Connection, ErrorCode};
use std::cell::Cell;
use std::future::Future;
use std::task::{Context, Poll, Waker};

impl InThreadReads {
    /// One page of `q`, read on the calling thread in one read transaction.
    pub(crate) fn list<R: ListTable>(&self, q: &ListQuery<'_, R>) -> ReadResult<ListPage<R>> {
        self.with_connection(|conn| {
            if let Err(e) = conn.execute_batch("BEGIN") {
                return classify(e);
            }
            let exec = ConnExec {
                conn,
                busy: Cell::new(false),
            };
            let page = run_now(super::listing::list(&exec, q));
            // A read transaction has nothing to keep: ending it either way
            // releases its snapshot.
            let _ = conn.execute_batch("COMMIT");
            match page {
                Some(_) | None if exec.busy.get() => Err(Busy),
                Some(page) => Ok(page),
                None => Err(Busy),
            }
        })
    }
}

/// Polls `fut` once: `None` if it is not finished then (it always is, since
/// no statement of [`ConnExec`] waits).
fn run_now<T>(fut: impl Future<Output = T>) -> Option<T> {
    let mut fut = std::pin::pin!(fut);
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}

/// The list engine's statements on one connection of the calling thread.
struct ConnExec<'c> {
    conn: &'c Connection,
    /// Set when SQLite answered busy: the page is read again through the pool.
    busy: Cell<bool>,
}

impl ConnExec<'_> {
    fn fail(&self, e: rusqlite::Error) -> StoreError {
        if matches!(
            e.sqlite_error_code(),
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
        ) {
            self.busy.set(true);
        }
        StoreError::Db(Box::new(e))
    }

    /// `sql` prepared (from the connection's cache) with `args` bound to its
    /// `$1`, `$2`, … wherever they appear.
    fn prepare(&self, sql: &str, args: Vec<SqlArg>) -> Result<CachedStatement<'_>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.fail(e))?;
        for (i, arg) in args.into_iter().enumerate() {
            let Some(index) = stmt
                .parameter_index(&format!("${}", i + 1))
                .map_err(|e| self.fail(e))?
            else {
                continue;
            };
            match arg {
                SqlArg::Text(s) => stmt.raw_bind_parameter(index, s),
                SqlArg::Int(n) => stmt.raw_bind_parameter(index, n),
            }
            .map_err(|e| self.fail(e))?;
        }
        Ok(stmt)
    }
}

impl ListExec for ConnExec<'_> {
    fn plans(&self) -> bool {
        true
    }

    async fn rows(&self, sql: String, args: Vec<SqlArg>, each: EachRow<'_>) -> Result<()> {
        let mut stmt = self.prepare(&sql, args)?;
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next().map_err(|e| self.fail(e))? {
            each(&ConnRow(row))?;
        }
        Ok(())
    }

    async fn scalar(&self, sql: String, args: Vec<SqlArg>) -> Result<Option<i64>> {
        let mut stmt = self.prepare(&sql, args)?;
        let mut rows = stmt.raw_query();
        match rows.next().map_err(|e| self.fail(e))? {
            Some(row) => Ok(Some(row.get(0).map_err(|e| self.fail(e))?)),
            None => Ok(None),
        }
    }
}

/// A rusqlite row, as the decoders read rows.
struct ConnRow<'a, 'b>(&'a rusqlite::Row<'b>);

impl ConnRow<'_, '_> {
    fn get<T: rusqlite::types::FromSql>(&self, column: &str) -> Result<T> {
        self.0.get(column).map_err(|e| StoreError::Db(Box::new(e)))
    }
}

impl DbRow for ConnRow<'_, '_> {
    fn text(&self, column: &str) -> Result<String> {
        self.get(column)
    }

    fn int(&self, column: &str) -> Result<i64> {
        self.get(column)
    }

    fn opt_text(&self, column: &str) -> Result<Option<String>> {
        self.get(column)
    }

    fn opt_int(&self, column: &str) -> Result<Option<i64>> {
        self.get(column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::client_list::ClientSort;
    use crate::domain::client_record::ClientRecord;
    use crate::domain::ids::TenantId;
    use crate::domain::list_query::{Position, Sort};
    use crate::store::PoolSettings;
    use crate::store::sqlite::SqliteStore;

    /// The ids, edges and count of a page.
    fn shape(page: &ListPage<ClientRecord>) -> (Vec<String>, bool, bool, Option<i64>) {
        let ids = page.items.iter().map(|c| c.client_id.to_string()).collect();
        (ids, page.has_before, page.has_after, page.total)
    }

    /// In-thread pages equal the pool's, for planned (trigram, index, walk)
    /// and unplanned filters, first and later pages, with and without a
    /// count; and a connection holding the write lock does not stop them.
    #[test]
    fn in_thread_pages_equal_the_pools() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("list.db").display());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let store = SqliteStore::connect(&url, &PoolSettings::default()).await.unwrap();
            let mut tx = store.write.begin().await.unwrap();
            sqlx::query("INSERT INTO tenants (tenant_id, name, created_at) VALUES ('t', 't', 0)")
                .execute(&mut *tx)
                .await
                .unwrap();
            for i in 0..400 {
                let name = if i % 97 == 0 { format!("Rare {i}") } else { format!("common {i}") };
                sqlx::query(
                    "INSERT INTO clients (tenant_id, client_id, app_type, client_name, name_key, created_at, updated_at, config) \
                     VALUES ('t', $1, 'spa', $2, $3, $4, $4, $5)",
                )
                .bind(format!("c{i:04}"))
                .bind(&name)
                .bind(name.to_lowercase())
                .bind(i64::from(i % 50))
                .bind(
                    serde_json::json!({"appType": "spa", "clientName": name,
                        "connectionConfig": {"consentMethod": "required"}})
                    .to_string(),
                )
                .execute(&mut *tx)
                .await
                .unwrap();
            }
            tx.commit().await.unwrap();
            let reads = store.reads.clone().expect("a file database reads in-thread");
            let tenant = TenantId::from_trusted("t");
            let later = Position {
                forward: true,
                inclusive: false,
                key: crate::domain::list_query::SortKey::Int(20),
                id: "c0100".into(),
            };
            let filters = [
                None,
                Some("clientName co \"rare\""),
                Some("clientName sw \"common 1\""),
                Some("clientId gt \"c0390\""),
                Some("clientName co \"mmo\""),
            ];
            for input in filters {
                let filter = input.map(|f| crate::filter::parse(f).unwrap());
                for position in [None, Some(later.clone())] {
                    let q = ListQuery::<ClientRecord> {
                        tenant: &tenant,
                        filter: filter.as_ref(),
                        sort: Sort { field: ClientSort::CreatedAt, descending: false },
                        limit: 7,
                        position,
                        count_total: true,
                    };
                    let pooled = store.list(&q).await.unwrap();
                    let in_thread = reads.list(&q).expect("not busy").unwrap();
                    assert_eq!(shape(&in_thread), shape(&pooled), "{input:?}");
                }
            }
            // A writer holding the lock: WAL readers go on.
            let blocker = rusqlite::Connection::open(dir.path().join("list.db")).unwrap();
            blocker.execute_batch("BEGIN IMMEDIATE; DELETE FROM clients WHERE client_id = 'c0001';").unwrap();
            let q = ListQuery::<ClientRecord> {
                tenant: &tenant,
                filter: None,
                sort: Sort { field: ClientSort::ClientId, descending: false },
                limit: 2,
                position: None,
                count_total: true,
            };
            let page = reads.list(&q).expect("not busy").unwrap();
            assert_eq!(shape(&page).0, ["c0000", "c0001"], "the committed snapshot");
            assert_eq!(page.total, Some(400));
            blocker.execute_batch("ROLLBACK").unwrap();
        });
    }
}
