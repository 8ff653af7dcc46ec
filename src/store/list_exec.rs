//! How the list engine runs its statements: [`ListExec`], implemented by
//! each backend's sqlx read pool ([`PoolExec`]) and, on SQLite, by one
//! rusqlite connection on the calling thread (`sqlite_list_in_thread.rs`).
//! The list algorithm (`listing.rs`) and SQLite's planner
//! (`list_planner.rs`) are written once over it.

use super::Result;
use super::filter_sql::SqlArg;
use super::list_plan_memo::PlanMemo;
use super::list_table::DbRow;
use super::shared::bind_all;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, Pool, Row, Type};
use std::future::Future;

/// A row handler: each row of a statement, in order.
pub type EachRow<'a> = &'a mut (dyn FnMut(&dyn DbRow) -> Result<()> + Send);

/// Runs the list engine's statements on one backend.
pub trait ListExec {
    /// Whether the engine plans filtered pages itself (SQLite, for resources
    /// that give planning hints); otherwise the database's planner chooses.
    fn plans(&self) -> bool;

    /// Where plans are remembered (`list_plan_memo.rs`), if anywhere.
    fn memo(&self) -> Option<&PlanMemo> {
        None
    }

    /// Runs `sql` with `args`, handing each row to `each`.
    fn rows(
        &self,
        sql: String,
        args: Vec<SqlArg>,
        each: EachRow<'_>,
    ) -> impl Future<Output = Result<()>>;

    /// The integer (a 64-bit one on PostgreSQL: `COUNT(*)`, `BIGINT`) in
    /// the first column of the first row, if there is a row.
    fn scalar(&self, sql: String, args: Vec<SqlArg>) -> impl Future<Output = Result<Option<i64>>>;
}

/// A backend's sqlx read pool: each statement goes to a pooled connection.
pub struct PoolExec<'p, DB: Database> {
    pub pool: &'p Pool<DB>,
    pub plans: bool,
}

impl<DB> ListExec for PoolExec<'_, DB>
where
    DB: Database,
    for<'a> String: Encode<'a, DB> + Type<DB> + Decode<'a, DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB> + Decode<'a, DB>,
    for<'a> Option<String>: Decode<'a, DB>,
    for<'a> Option<i64>: Decode<'a, DB>,
    for<'c> &'c str: ColumnIndex<DB::Row>,
    usize: ColumnIndex<DB::Row>,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    for<'q> DB::Arguments: sqlx::IntoArguments<DB>,
{
    fn plans(&self) -> bool {
        self.plans
    }

    async fn rows(&self, sql: String, args: Vec<SqlArg>, each: EachRow<'_>) -> Result<()> {
        let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), args)
            .fetch_all(self.pool)
            .await?;
        for row in &rows {
            each(row)?;
        }
        Ok(())
    }

    async fn scalar(&self, sql: String, args: Vec<SqlArg>) -> Result<Option<i64>> {
        let row = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), args)
            .fetch_optional(self.pool)
            .await?;
        Ok(row.map(|r| r.try_get::<i64, _>(0)).transpose()?)
    }
}

/// The one number a counting statement answers (0 for none).
pub(super) async fn count<E: ListExec>(exec: &E, sql: String, args: Vec<SqlArg>) -> Result<u64> {
    let n = exec.scalar(sql, args).await?.unwrap_or(0);
    Ok(u64::try_from(n).unwrap_or(0))
}
