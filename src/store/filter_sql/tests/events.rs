//! The filter translation over a second schema (`filter::test_schema`:
//! events with a dotted attribute and an optional one), run on SQLite
//! against the in-memory evaluator: what another resource's list relies on.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sqlx::sqlite::{SqlitePool, SqlitePoolOptions};

use super::super::{SqlArg, push_filter_sql};
use crate::filter::strategy::{arb_filter, arb_odd_leaf};
use crate::filter::test_schema::{Event, EventAttr, arb_event};
use crate::filter::{Filter, matches, parse};
use crate::store::list_table::{AttrColumn, Column};

/// Every text column holds a lowercased key; `trace_key` is `NULL` for an
/// event without a trace id.
impl AttrColumn for EventAttr {
    fn column(self) -> Column {
        match self {
            EventAttr::Type => Column::Value("type"),
            EventAttr::Subject => Column::LowercasedKey("subject_key"),
            EventAttr::ActorSub => Column::LowercasedKey("actor_sub_key"),
            EventAttr::Time => Column::Value("time"),
            EventAttr::TraceId => Column::LowercasedKey("trace_key"),
        }
    }
}

fn translate(input: &str) -> (String, Vec<SqlArg>) {
    let filter: Filter<EventAttr> = parse(input).unwrap_or_else(|err| panic!("{input:?}: {err}"));
    let mut sql = String::new();
    let mut args = Vec::new();
    push_filter_sql(&filter, &mut sql, &mut args);
    (sql, args)
}

#[test]
fn optional_attributes_are_guarded_against_null() {
    let text = |s: &str| SqlArg::Text(s.to_owned());
    #[rustfmt::skip]
    let cases = [
        (r#"actor.sub eq "Admin""#, "actor_sub_key = $1", vec![text("admin")]),
        ("traceid pr", "trace_key IS NOT NULL", vec![]),
        ("subject pr", "1=1", vec![]),
        (r#"traceid ne "a""#, "(trace_key IS NOT NULL AND trace_key <> $1)", vec![text("a")]),
        (r#"not (traceid eq "a")"#, "NOT ((trace_key IS NOT NULL AND trace_key = $1))", vec![text("a")]),
        (r#"time gt "1970-01-01T00:00:01Z""#, "time > $1", vec![SqlArg::Int(1_000_000)]),
    ];
    for (input, sql, args) in cases {
        assert_eq!(
            translate(input),
            (sql.to_owned(), args),
            "translating {input}"
        );
    }
}

async fn events_pool() -> Result<SqlitePool, sqlx::Error> {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect("sqlite::memory:")
        .await?;
    sqlx::query(
        "CREATE TABLE events (seq INTEGER PRIMARY KEY, type TEXT NOT NULL, \
         subject_key TEXT NOT NULL, actor_sub_key TEXT NOT NULL, time BIGINT NOT NULL, \
         trace_key TEXT)",
    )
    .execute(&pool)
    .await?;
    Ok(pool)
}

async fn load(pool: &SqlitePool, events: &[Event]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM events").execute(pool).await?;
    for (seq, e) in (0i64..).zip(events) {
        sqlx::query("INSERT INTO events VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(seq)
            .bind(e.kind.to_lowercase())
            .bind(e.subject.to_lowercase())
            .bind(e.actor_sub.to_lowercase())
            .bind(e.time_us)
            .bind(e.trace_id.as_ref().map(|t| t.to_lowercase()))
            .execute(pool)
            .await?;
    }
    Ok(())
}

async fn select(pool: &SqlitePool, filter: &Filter<EventAttr>) -> Result<Vec<i64>, sqlx::Error> {
    let mut sql = String::from("SELECT seq FROM events WHERE ");
    let mut args = Vec::new();
    push_filter_sql(filter, &mut sql, &mut args);
    sql.push_str(" ORDER BY seq");
    let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
    for arg in args {
        query = match arg {
            SqlArg::Text(t) => query.bind(t),
            SqlArg::Int(i) => query.bind(i),
        };
    }
    query.fetch_all(pool).await
}

fn event_filter() -> impl Strategy<Value = Filter<EventAttr>> {
    prop_oneof![
        4 => arb_filter::<EventAttr>(),
        1 => arb_odd_leaf::<EventAttr>(),
        1 => arb_odd_leaf::<EventAttr>().prop_map(|f| Filter::Not(Box::new(f))),
    ]
}

/// The SQL must select exactly what the evaluator accepts, `NULL`s included.
#[test]
fn sql_agrees_with_evaluator_on_the_event_schema() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pool = runtime.block_on(events_pool()).unwrap();
    let strategy = (
        prop::collection::vec(arb_event(), 0..12),
        prop::collection::vec(event_filter(), 1..6),
    );
    let mut runner = TestRunner::new(Config::with_cases(128));
    let outcome = runner.run(&strategy, |(events, filters)| {
        runtime.block_on(async {
            let fail = |e: sqlx::Error| TestCaseError::fail(e.to_string());
            load(&pool, &events).await.map_err(fail)?;
            for filter in &filters {
                let selected = select(&pool, filter).await.map_err(fail)?;
                let expected: Vec<i64> = (0i64..)
                    .zip(&events)
                    .filter(|(_, e)| matches(filter, *e))
                    .map(|(seq, _)| seq)
                    .collect();
                prop_assert_eq!(selected, expected, "filter `{}`", filter);
            }
            Ok(())
        })
    });
    if let Err(err) = outcome {
        panic!("{err}");
    }
}
