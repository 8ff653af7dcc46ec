//! Tests of the filter translation: representative translations, and the
//! SQL run on SQLite agreeing with the in-memory evaluator on generated
//! filters and clients, and on the test-only event schema (a dotted
//! attribute, an optional one) as another resource's table would hold it.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sqlx::sqlite::{SqlitePool, SqlitePoolOptions};

use super::*;
use crate::filter::strategy::{OwnedRecord, arb_filter, arb_odd_leaf, arb_record};
use crate::filter::{ClientAttr, FilterError, matches};

mod events;

/// Most tables here are written against the clients' schema.
type Filter = crate::filter::Filter<ClientAttr>;

fn parse(input: &str) -> Result<Filter, FilterError> {
    crate::filter::parse(input)
}

/// Translates `input` after `preset` caller-owned arguments.
fn translate(input: &str, preset: usize) -> (String, Vec<SqlArg>) {
    let filter = parse(input).unwrap_or_else(|err| panic!("{input:?}: {err}"));
    let mut sql = String::new();
    let mut args = vec![SqlArg::Int(0); preset];
    push_filter_sql(&filter, &mut sql, &mut args);
    (sql, args.split_off(preset))
}

fn text(s: &str) -> SqlArg {
    SqlArg::Text(s.to_owned())
}

/// Filters, the SQL each must translate to, and its arguments.
#[rustfmt::skip]
fn translation_cases() -> Vec<(&'static str, &'static str, Vec<SqlArg>)> {
    let int = SqlArg::Int;
    vec![
        (r#"clientId eq "A""#, "client_id = $1", vec![text("a")]),
        (r#"clientName ne "X""#, "name_key <> $1", vec![text("x")]),
        (r#"appType gt "b""#, "app_type > $1", vec![text("b")]),
        (r#"appType le "b""#, "app_type <= $1", vec![text("b")]),
        (r#"clientName co "5%_\\""#, r"name_key LIKE $1 ESCAPE '\'", vec![text(r"%5\%\_\\%")]),
        (r#"clientName ew "É""#, r"(name_key LIKE $1 ESCAPE '\' AND (name_tail >= $2 AND name_tail < $3))", vec![text("%é"), text("é"), text("ê")]),
        (r#"clientName ew "a_%0123456789abcdefg""#, r"(name_key LIKE $1 ESCAPE '\' AND (name_tail >= $2 AND name_tail < $3))",
            vec![text(r"%a\_\%0123456789abcdefg"), text("gfedcba987654321"), text("gfedcba987654322")]),
        (r#"clientName ew """#, r"(name_key LIKE $1 ESCAPE '\' AND (name_tail LIKE $2 ESCAPE '\' AND name_tail >= $3))", vec![text("%"), text("%"), text("")]),
        (r#"clientName sw "ab""#, "(name_key >= $1 AND name_key < $2)", vec![text("ab"), text("ac")]),
        (r#"clientName sw "5%_\\""#, "(name_key >= $1 AND name_key < $2)", vec![text(r"5%_\"), text("5%_]")]),
        (r#"clientName sw """#, r"(name_key LIKE $1 ESCAPE '\' AND name_key >= $2)", vec![text("%"), text("")]),
        ("appType pr", "1=1", vec![]),
        (r#"createdAt gt "1970-01-01T00:00:01.0000015Z""#, "created_at > $1", vec![int(1_000_001)]),
        (r#"createdAt ge "1970-01-01T00:00:01.0000015Z""#, "created_at >= $1", vec![int(1_000_002)]),
        (r#"updatedAt lt "1970-01-01T00:00:01.0000015Z""#, "updated_at < $1", vec![int(1_000_002)]),
        (r#"updatedAt le "1970-01-01T00:00:01.0000015Z""#, "updated_at <= $1", vec![int(1_000_001)]),
        (r#"createdAt eq "1970-01-01T00:00:01.0000015Z""#, "1=0", vec![]),
        (r#"createdAt ne "1970-01-01T00:00:01.0000015Z""#, "1=1", vec![]),
        (r#"createdAt eq "1970-01-01T01:00:01+01:00""#, "created_at = $1", vec![int(1_000_000)]),
        (r#"createdAt ne "1969-12-31T23:59:59.999Z""#, "created_at <> $1", vec![int(-1000)]),
        (r#"clientId eq "a" or appType pr and not (clientId eq "b" or clientId eq "c")"#,
            "(client_id = $1 OR (1=1 AND NOT ((client_id = $2 OR client_id = $3))))",
            vec![text("a"), text("b"), text("c")]),
        (r#"(clientId pr and appType pr) and (clientId pr or appType pr or clientName pr)"#,
            "(1=1 AND 1=1 AND (1=1 OR 1=1 OR 1=1))", vec![]),
    ]
}

#[test]
fn translates_representative_filters() {
    for (input, sql, args) in translation_cases() {
        assert_eq!(
            translate(input, 0),
            (sql.to_owned(), args),
            "translating {input}"
        );
    }
}

#[test]
fn numbers_placeholders_after_existing_args() {
    let (sql, args) = translate(r#"clientId eq "a" and clientName sw "b""#, 2);
    assert_eq!(
        sql,
        "(client_id = $3 AND (name_key >= $4 AND name_key < $5))"
    );
    assert_eq!(args, vec![text("a"), text("b"), text("c")]);
}

#[test]
fn timestamp_bounds_beyond_the_column_range_become_constants() {
    use CompareOp::{Eq, Ge, Gt, Le, Lt, Ne};
    use Predicate::{Compare, Const};
    // One microsecond (plus a bit) outside the column's range.
    let huge = (i128::from(i64::MAX) + 1) * 1000 + 1;
    let tiny = (i128::from(i64::MIN) - 1) * 1000 - 1;
    let max = i128::from(i64::MAX) * 1000;
    let min = i128::from(i64::MIN) * 1000;
    #[rustfmt::skip]
    let cases = [
        (Gt, huge, Const(false)), (Ge, huge, Const(false)),
        (Lt, huge, Const(true)), (Le, huge, Const(true)),
        (Eq, huge * 1000, Const(false)), (Ne, huge * 1000, Const(true)),
        (Gt, tiny, Const(true)), (Ge, tiny, Const(true)),
        (Lt, tiny, Const(false)), (Le, tiny, Const(false)),
        (Le, max + 999, Compare(" <= ", i64::MAX)), (Gt, max + 999, Compare(" > ", i64::MAX)),
        (Lt, max + 999, Const(true)),
        (Ge, min - 999, Compare(" >= ", i64::MIN)), (Lt, min - 999, Compare(" < ", i64::MIN)),
        (Le, min - 999, Const(false)),
        (Lt, -1, Compare(" < ", 0)), (Gt, -1, Compare(" > ", -1)),
    ];
    for (op, nanos, expected) in cases {
        assert_eq!(instant_predicate(op, nanos), expected, "{op:?} {nanos}");
    }
}

#[test]
fn walks_check_suffixes_by_like_alone() {
    let filter = parse(r#"clientName ew "ab" and clientName co "c""#).unwrap();
    let (mut sql, mut args) = (String::new(), Vec::new());
    push_filter_sql_with(&filter, Tails::LikeOnly, &mut sql, &mut args);
    assert_eq!(
        sql,
        r"(name_key LIKE $1 ESCAPE '\' AND name_key LIKE $2 ESCAPE '\')"
    );
    assert_eq!(args, vec![text("%ab"), text("%c%")]);
}

#[test]
fn prefix_upper_bounds() {
    let cases = [
        ("", None),
        ("a", Some("b")),
        ("az", Some("a{")),
        ("a\u{D7FF}", Some("a\u{E000}")),
        ("a\u{10FFFF}", Some("b")),
        ("\u{10FFFF}\u{10FFFF}", None),
        ("é", Some("ê")),
    ];
    for (prefix, expected) in cases {
        assert_eq!(
            prefix_upper_bound(prefix).as_deref(),
            expected,
            "{prefix:?}"
        );
    }
}

/// Replaces every text operand by one that would be easy to spot (and
/// dangerous) if it were spliced into the SQL.
fn poison(filter: Filter) -> Filter {
    match filter {
        Filter::Or(l, r) => Filter::Or(Box::new(poison(*l)), Box::new(poison(*r))),
        Filter::And(l, r) => Filter::And(Box::new(poison(*l)), Box::new(poison(*r))),
        Filter::Not(inner) => Filter::Not(Box::new(poison(*inner))),
        Filter::Compare {
            attr,
            op,
            value: Operand::Text(t),
        } => Filter::Compare {
            attr,
            op,
            value: Operand::Text(format!("¤{t}'; drop table clients; --")),
        },
        other => other,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn filter_values_never_appear_in_sql(filter in arb_filter().prop_map(poison), preset in 0usize..3) {
        let mut sql = String::new();
        let mut args = vec![SqlArg::Int(7); preset];
        push_filter_sql(&filter, &mut sql, &mut args);
        // Operands are non-ASCII-marked and instants have many digits;
        // none of that may reach the SQL text, only placeholders may.
        prop_assert!(sql.is_ascii(), "{}", sql);
        prop_assert!(!sql.contains("drop") && !sql.contains(';'), "{}", sql);
        let longest_digits = sql
            .split(|c: char| !c.is_ascii_digit())
            .map(str::len)
            .max()
            .unwrap_or(0);
        prop_assert!(longest_digits < 5, "{}", sql);
        let placeholders: Vec<usize> = sql
            .split('$')
            .skip(1)
            .map(|rest| rest.chars().take_while(char::is_ascii_digit).collect::<String>())
            .map(|n| n.parse().unwrap_or(0))
            .collect();
        let expected: Vec<usize> = (preset + 1..=args.len()).collect();
        prop_assert_eq!(placeholders, expected, "{}", sql);
    }
}

/// The expression of migration 0010's `name_tail` on SQLite: the last
/// [`TAIL_CHARS`] characters of `column`, last first.
pub(crate) fn sqlite_tail_expression(column: &str) -> String {
    (1..=TAIL_CHARS)
        .map(|i| format!("substr({column}, -{i}, 1)"))
        .collect::<Vec<_>>()
        .join(" || ")
}

async fn memory_pool() -> Result<SqlitePool, sqlx::Error> {
    // Each SQLite connection to `:memory:` has its own database, so the
    // pool must keep exactly one connection alive for the whole test.
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect("sqlite::memory:")
        .await?;
    let table = format!(
        "CREATE TABLE clients (seq INTEGER PRIMARY KEY, tenant TEXT NOT NULL, \
         client_id TEXT NOT NULL, name_key TEXT NOT NULL, app_type TEXT NOT NULL, \
         created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, \
         name_tail TEXT GENERATED ALWAYS AS ({}) VIRTUAL)",
        sqlite_tail_expression("name_key")
    );
    sqlx::query(sqlx::AssertSqlSafe(table))
        .execute(&pool)
        .await?;
    Ok(pool)
}

async fn load(pool: &SqlitePool, rows: &[(&str, OwnedRecord)]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM clients").execute(pool).await?;
    for (seq, (tenant, row)) in rows.iter().enumerate() {
        sqlx::query(
            "INSERT INTO clients (seq, tenant, client_id, name_key, app_type, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
            .bind(i64::try_from(seq).unwrap_or(i64::MAX))
            .bind(*tenant)
            .bind(&row.client_id)
            .bind(row.client_name.to_lowercase())
            .bind(&row.app_type)
            .bind(row.created_at_us)
            .bind(row.updated_at_us)
            .execute(pool)
            .await?;
    }
    Ok(())
}

async fn select(
    pool: &SqlitePool,
    filter: &Filter,
    tails: Tails,
) -> Result<(String, Vec<i64>), sqlx::Error> {
    let mut sql = String::from("SELECT seq FROM clients WHERE tenant = $1 AND ");
    let mut args = vec![SqlArg::Text("t1".to_owned())];
    push_filter_sql_with(filter, tails, &mut sql, &mut args);
    sql.push_str(" ORDER BY seq");
    let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()));
    for arg in args {
        query = match arg {
            SqlArg::Text(t) => query.bind(t),
            SqlArg::Int(i) => query.bind(i),
        };
    }
    Ok((sql, query.fetch_all(pool).await?))
}

/// Mostly parser-shaped filters, plus hand-built comparisons the parser
/// would reject, on which the SQL must still agree with the evaluator.
fn oracle_filter() -> impl Strategy<Value = Filter> {
    prop_oneof![
        4 => arb_filter(),
        1 => arb_odd_leaf(),
        1 => arb_odd_leaf().prop_map(|f| Filter::Not(Box::new(f))),
    ]
}

/// The SQL translation must select exactly what the evaluator accepts.
#[test]
fn sql_agrees_with_evaluator() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pool = runtime.block_on(memory_pool()).unwrap();
    // A quarter of the rows belong to another tenant and must never be
    // selected, which checks that the filter SQL is properly grouped.
    let tenant = prop::sample::select(vec!["t1", "t1", "t1", "t2"]);
    let strategy = (
        prop::collection::vec((tenant, arb_record()), 0..12),
        prop::collection::vec(oracle_filter(), 1..6),
    );
    let mut runner = TestRunner::new(Config::with_cases(256));
    let outcome = runner.run(&strategy, |(rows, filters)| {
        runtime.block_on(async {
            let fail = |e: sqlx::Error| TestCaseError::fail(e.to_string());
            load(&pool, &rows).await.map_err(fail)?;
            for filter in &filters {
                let expected: Vec<i64> = (0i64..)
                    .zip(&rows)
                    .filter(|(_, (tenant, row))| *tenant == "t1" && matches(filter, &row.view()))
                    .map(|(seq, _)| seq)
                    .collect();
                // With the tails' ranges (index reads) and without (walks).
                for tails in [Tails::Range, Tails::LikeOnly] {
                    let (sql, selected) = select(&pool, filter, tails).await.map_err(fail)?;
                    prop_assert_eq!(&selected, &expected, "filter `{}`, SQL `{}`", filter, sql);
                }
            }
            Ok(())
        })
    });
    if let Err(err) = outcome {
        panic!("{err}");
    }
}
