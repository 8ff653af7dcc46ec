//! SQLite's list reads on the calling thread (issue 17): the whole list
//! algorithm (`listing.rs`: the planner's counts, the page, the "rows
//! beyond" probe, `totalResults`, the page's details) runs through one
//! rusqlite connection of `sqlite_reads.rs`, inside one read transaction, so
//! every statement of a page sees one snapshot and none pays sqlx's two
//! thread hand-offs. The algorithm is the same async code the pools run: its
//! statements here complete at once, so the future is polled to its end in
//! one go ([`run_now`]). SQLite answering busy makes the whole page go
//! through the sqlx pool instead, as the point reads do. A progress handler
//! interrupts the page's statements at the request's deadline
//! (`deadline.rs`): blocking the calling thread, they cannot be cancelled by
//! dropping the request's future.

use super::deadline::{self, Deadline, PROGRESS_OPS};
use super::filter_sql::SqlArg;
use super::list_exec::{EachRow, ListExec};
use super::list_plan_memo::PlanMemo;
use super::list_table::{DbRow, ListTable};
use super::sqlite_reads::{Busy, InThreadReads, ReadResult, classify};
use super::{Result, StoreError};
use crate::domain::list_query::{ListPage, ListQuery};
use rusqlite::{CachedStatement, Connection, ErrorCode};
use std::cell::Cell;
use std::future::Future;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

impl InThreadReads {
    /// One page of `q`, read on the calling thread in one read transaction,
    /// its statements interrupted at the request's deadline (`deadline.rs`).
    pub(crate) fn list<R: ListTable>(&self, q: &ListQuery<'_, R>) -> ReadResult<ListPage<R>> {
        self.with_connection(|conn| {
            let deadline = deadline::current();
            if let Some(d) = deadline {
                let at = d.at;
                let armed = conn.progress_handler(PROGRESS_OPS, Some(move || Instant::now() >= at));
                if let Err(e) = armed {
                    return classify(e);
                }
            }
            if let Err(e) = conn.execute_batch("BEGIN") {
                disarm(conn);
                return classify(e);
            }
            let exec = ConnExec {
                conn,
                busy: Cell::new(false),
                deadline,
                plans: &self.plans,
            };
            let page = run_now(super::listing::list(&exec, q));
            // The handler goes first, so it cannot interrupt the end of the
            // transaction. A read transaction has nothing to keep: ending it
            // either way releases its snapshot, and the connection goes
            // back idle with none open.
            disarm(conn);
            if conn.execute_batch("COMMIT").is_err() && !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            match page {
                Some(_) | None if exec.busy.get() => Err(Busy),
                Some(page) => Ok(page),
                None => Err(Busy),
            }
        })
    }
}

/// Removes the deadline's progress handler, if one is installed.
fn disarm(conn: &Connection) {
    let _ = conn.progress_handler(0, None::<fn() -> bool>);
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
    /// The request's deadline, at which the progress handler interrupts.
    deadline: Option<Deadline>,
    plans: &'c PlanMemo,
}

impl ConnExec<'_> {
    fn fail(&self, e: rusqlite::Error) -> StoreError {
        if let Some(d) = self.deadline
            && e.sqlite_error_code() == Some(ErrorCode::OperationInterrupted)
        {
            return StoreError::TimedOut(d.limit);
        }
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

    fn memo(&self) -> Option<&PlanMemo> {
        Some(self.plans)
    }

    async fn rows(&self, sql: String, args: Vec<SqlArg>, each: EachRow<'_>) -> Result<()> {
        let mut stmt = self.prepare(&sql, args)?;
        let names = ColumnNames::of(&stmt);
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next().map_err(|e| self.fail(e))? {
            each(&ConnRow::new(row, &names))?;
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

/// A statement's column names, read once for all its rows: rusqlite's lookup
/// by name asks SQLite for every column's name again on every call, a
/// noticeable share of a list page's 20 items of a dozen columns each.
pub(super) struct ColumnNames(Vec<String>);

impl ColumnNames {
    pub(super) fn of(stmt: &rusqlite::Statement<'_>) -> Self {
        Self(stmt.column_names().into_iter().map(str::to_owned).collect())
    }
}

/// A rusqlite row, as the decoders read rows.
pub(super) struct ConnRow<'a, 'b> {
    row: &'a rusqlite::Row<'b>,
    names: &'a ColumnNames,
    /// Where the next lookup starts: decoders mostly read columns in the
    /// order of their `SELECT` list.
    next: std::cell::Cell<usize>,
}

impl<'a, 'b> ConnRow<'a, 'b> {
    pub(super) fn new(row: &'a rusqlite::Row<'b>, names: &'a ColumnNames) -> Self {
        Self {
            row,
            names,
            next: std::cell::Cell::new(0),
        }
    }

    /// The index of `column`, as rusqlite's lookup finds it (ASCII case
    /// ignored); `None` when the statement has no such column.
    fn index(&self, column: &str) -> Option<usize> {
        let names = &self.names.0;
        let start = self.next.get().min(names.len());
        let found = (start..names.len())
            .chain(0..start)
            .find(|&i| names[i].eq_ignore_ascii_case(column))?;
        self.next.set(found + 1);
        Some(found)
    }

    fn get<T: rusqlite::types::FromSql>(&self, column: &str) -> Result<T> {
        match self.index(column) {
            Some(i) => self.row.get(i),
            // rusqlite's own error for an unknown column.
            None => self.row.get(column),
        }
        .map_err(|e| StoreError::Db(Box::new(e)))
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
    use crate::domain::client_list::ListedClient;
    use crate::domain::ids::TenantId;
    use crate::domain::list_query::{Position, Sort, SortKey};
    use crate::filter::{ClientFields, matches, parse};
    use crate::store::PoolSettings;
    use crate::store::sqlite::SqliteStore;

    /// A client as loaded: id, name, creation instant.
    type Loaded = (String, String, i64);

    /// `n` clients straight into the table (the triggers index their
    /// names): every 97th is named `Rare …`.
    async fn load(store: &SqliteStore, n: usize) -> Vec<Loaded> {
        let mut tx = store.write.begin().await.unwrap();
        sqlx::query("INSERT INTO tenants (tenant_id, name, created_at) VALUES ('t', 't', 0)")
            .execute(&mut *tx)
            .await
            .unwrap();
        let mut loaded = Vec::new();
        for i in 0..n {
            let name = if i % 97 == 0 {
                format!("Rare {i}")
            } else {
                format!("common {i}")
            };
            let created = i64::try_from(i % 50).unwrap();
            let config = serde_json::json!({"appType": "spa", "clientName": name,
                "connectionConfig": {"consentMethod": "required"}});
            sqlx::query(
                "INSERT INTO clients (tenant_id, client_id, app_type, client_name, name_key, \
                 created_at, updated_at, config) VALUES ('t', $1, 'spa', $2, $3, $4, $4, $5)",
            )
            .bind(format!("c{i:04}"))
            .bind(&name)
            .bind(name.to_lowercase())
            .bind(created)
            .bind(config.to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
            loaded.push((format!("c{i:04}"), name, created));
        }
        tx.commit().await.unwrap();
        loaded
    }

    /// What the evaluator selects: the page of 7 after `from` (creation
    /// instant, id) in ascending creation order, and the count of all.
    fn expected(
        loaded: &[Loaded],
        filter: Option<&str>,
        from: Option<(i64, &str)>,
    ) -> (Vec<String>, i64) {
        let filter = filter.map(|f| parse(f).unwrap());
        let mut hits: Vec<&Loaded> = loaded
            .iter()
            .filter(|(id, name, created)| {
                let fields = ClientFields {
                    client_id: id,
                    client_name: name,
                    app_type: "spa",
                    created_at_us: *created,
                    updated_at_us: *created,
                };
                filter.as_ref().is_none_or(|f| matches(f, &fields))
            })
            .collect();
        hits.sort_by(|a, b| (a.2, &a.0).cmp(&(b.2, &b.0)));
        let total = i64::try_from(hits.len()).unwrap();
        let page = hits
            .iter()
            .filter(|(id, _, created)| from.is_none_or(|(k, f)| (*created, id.as_str()) > (k, f)))
            .take(7)
            .map(|(id, _, _)| id.clone())
            .collect();
        (page, total)
    }

    /// In-thread pages hold what the evaluator selects, and equal the
    /// pool's, on a tenant big enough to be planned (trigram, index and walk
    /// plans), first and later pages, before and after a rename and a
    /// delete; a connection holding the write lock does not stop them.
    #[test]
    fn in_thread_pages_hold_what_the_evaluator_selects() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("list.db").display());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let store = SqliteStore::connect(&url, &PoolSettings::default()).await.unwrap();
            let mut loaded = load(&store, 400).await;
            let reads = store.reads.clone().expect("a file database reads in-thread");
            let tenant = TenantId::from_trusted("t");
            let filters = [
                None,
                Some("clientName co \"rare\""),
                Some("clientName ew \"are 97\""),
                Some("clientName sw \"common 1\""),
                Some("clientId gt \"c0390\""),
                Some("clientName co \"mmo\""),
            ];
            for round in 0..2 {
                for input in filters {
                    let filter = input.map(|f| parse(f).unwrap());
                    for from in [None, Some((20, "c0100"))] {
                        let q = ListQuery::<ListedClient> {
                            tenant: &tenant,
                            filter: filter.as_ref(),
                            sort: Sort { field: ClientSort::CreatedAt, descending: false },
                            limit: 7,
                            position: from.map(|(k, id)| Position {
                                forward: true,
                                inclusive: false,
                                key: SortKey::Int(k),
                                id: id.into(),
                            }),
                            count_total: true,
                        };
                        let in_thread = reads.list(&q).expect("not busy").unwrap();
                        let ids: Vec<String> =
                            in_thread.items.iter().map(|c| c.client_id.to_string()).collect();
                        let (want, total) = expected(&loaded, input, from);
                        assert_eq!((ids.clone(), in_thread.total), (want, Some(total)), "{input:?} {from:?} round {round}");
                        let pooled = store.list(&q).await.unwrap();
                        let pooled_ids: Vec<String> = pooled.items.iter().map(|c| c.client_id.to_string()).collect();
                        assert_eq!(pooled_ids, ids);
                        assert_eq!((pooled.has_before, pooled.has_after), (in_thread.has_before, in_thread.has_after));
                    }
                }
                // A rename and a delete: the trigram index follows them.
                sqlx::query("UPDATE clients SET client_name = 'common 97', name_key = 'common 97' WHERE client_id = 'c0097'")
                    .execute(&store.write).await.unwrap();
                sqlx::query("DELETE FROM clients WHERE client_id = 'c0194'").execute(&store.write).await.unwrap();
                loaded[97].1 = "common 97".into();
                loaded.remove(194);
            }
            // A writer holding the lock: WAL readers go on, on the snapshot.
            let blocker = rusqlite::Connection::open(dir.path().join("list.db")).unwrap();
            blocker.execute_batch("BEGIN IMMEDIATE; DELETE FROM clients WHERE client_id = 'c0001';").unwrap();
            let q = ListQuery::<ListedClient> {
                tenant: &tenant,
                filter: None,
                sort: Sort { field: ClientSort::ClientId, descending: false },
                limit: 2,
                position: None,
                count_total: true,
            };
            let page = reads.list(&q).expect("not busy").unwrap();
            let ids: Vec<String> = page.items.iter().map(|c| c.client_id.to_string()).collect();
            assert_eq!(ids, ["c0000", "c0001"], "the committed snapshot");
            assert_eq!(page.total, Some(399));
            blocker.execute_batch("ROLLBACK").unwrap();
        });
    }
}
