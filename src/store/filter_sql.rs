//! Translation of a parsed [`Filter`] into a SQL `WHERE` expression.
//!
//! The generated SQL runs unchanged on SQLite and PostgreSQL and selects
//! exactly the rows for which [`crate::filter::matches()`] is true, given the
//! `clients` table invariants: `client_id` and `app_type` are stored in
//! lowercase, `name_key` holds `client_name.to_lowercase()`, timestamps are
//! `BIGINT` microseconds since the Unix epoch, no column is `NULL`, and text
//! compares by bytes (`BINARY` in SQLite, `COLLATE "C"` in PostgreSQL).
//!
//! Filter values only ever travel as bind arguments; the SQL text is built
//! from fixed fragments and placeholder numbers alone.

use std::fmt::Write as _;

use crate::filter::{Attr, CompareOp, Filter, Operand};

/// A bind argument for one `$N` placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlArg {
    Text(String),
    Int(i64),
}

/// Appends `filter` to `sql` as a boolean SQL expression.
///
/// Every value becomes a placeholder `$N` with `N = args.len() + 1` at the
/// moment its argument is pushed, so the caller may already have pushed
/// arguments of its own (a tenant id, say) before calling this.
pub fn push_filter_sql(filter: &Filter, sql: &mut String, args: &mut Vec<SqlArg>) {
    match filter {
        Filter::Or(..) => push_chain(filter, true, sql, args),
        Filter::And(..) => push_chain(filter, false, sql, args),
        Filter::Not(inner) => {
            sql.push_str("NOT (");
            push_filter_sql(inner, sql, args);
            sql.push(')');
        }
        // Every attribute of a client always has a value.
        Filter::Present(_) => push_const(true, sql),
        Filter::Compare { attr, op, value } => push_compare(*attr, *op, value, sql, args),
    }
}

/// Writes a run of `OR` (or `AND`) nodes as one flat parenthesised list.
///
/// The parser builds left-deep trees for `a or b or c …`; flattening them
/// keeps the SQL nesting as shallow as the filter's own grouping, which
/// matters because database parsers limit expression depth.
fn push_chain(filter: &Filter, is_or: bool, sql: &mut String, args: &mut Vec<SqlArg>) {
    let mut terms = Vec::new();
    collect_chain(filter, is_or, &mut terms);
    sql.push('(');
    for (i, term) in terms.into_iter().enumerate() {
        if i > 0 {
            sql.push_str(if is_or { " OR " } else { " AND " });
        }
        push_filter_sql(term, sql, args);
    }
    sql.push(')');
}

fn collect_chain<'f>(filter: &'f Filter, is_or: bool, terms: &mut Vec<&'f Filter>) {
    match filter {
        Filter::Or(left, right) if is_or => {
            collect_chain(left, is_or, terms);
            collect_chain(right, is_or, terms);
        }
        Filter::And(left, right) if !is_or => {
            collect_chain(left, is_or, terms);
            collect_chain(right, is_or, terms);
        }
        other => terms.push(other),
    }
}

fn push_const(value: bool, sql: &mut String) {
    sql.push_str(if value { "1=1" } else { "1=0" });
}

/// Pushes an argument and writes its placeholder.
fn push_arg(arg: SqlArg, sql: &mut String, args: &mut Vec<SqlArg>) {
    args.push(arg);
    // Writing to a `String` cannot fail.
    let _ = write!(sql, "${}", args.len());
}

fn column(attr: Attr) -> &'static str {
    match attr {
        Attr::ClientId => "client_id",
        Attr::ClientName => "name_key",
        Attr::AppType => "app_type",
        Attr::CreatedAt => "created_at",
        Attr::UpdatedAt => "updated_at",
    }
}

/// Writes one comparison.  Operand types that do not fit the attribute can
/// only come from a hand-built AST; like the evaluator, they never match.
fn push_compare(
    attr: Attr,
    op: CompareOp,
    value: &Operand,
    sql: &mut String,
    args: &mut Vec<SqlArg>,
) {
    let col = column(attr);
    match value {
        Operand::Text(text) if !attr.is_timestamp() => push_text_compare(col, op, text, sql, args),
        Operand::Time(nanos) if attr.is_timestamp() => match instant_predicate(op, *nanos) {
            Predicate::Const(value) => push_const(value, sql),
            Predicate::Compare(sql_op, micros) => {
                sql.push_str(col);
                sql.push_str(sql_op);
                push_arg(SqlArg::Int(micros), sql, args);
            }
        },
        Operand::Text(_) | Operand::Time(_) => push_const(false, sql),
    }
}

fn push_text_compare(
    col: &str,
    op: CompareOp,
    text: &str,
    sql: &mut String,
    args: &mut Vec<SqlArg>,
) {
    // The columns hold lowercase text.  Lowercasing the operand again is a
    // no-op for parsed filters, but it guarantees the LIKE pattern has no
    // uppercase ASCII, which SQLite's LIKE would fold and PostgreSQL's would
    // not.
    let text = text.to_lowercase();
    let sql_op = match op {
        CompareOp::Eq => " = ",
        CompareOp::Ne => " <> ",
        CompareOp::Gt => " > ",
        CompareOp::Ge => " >= ",
        CompareOp::Lt => " < ",
        CompareOp::Le => " <= ",
        CompareOp::Co => return push_like(col, format!("%{}%", like_escape(&text)), sql, args),
        CompareOp::Ew => return push_like(col, format!("%{}", like_escape(&text)), sql, args),
        CompareOp::Sw => return push_starts_with(col, text, sql, args),
    };
    sql.push_str(col);
    sql.push_str(sql_op);
    push_arg(SqlArg::Text(text), sql, args);
}

/// `col LIKE $n ESCAPE '\'`; both databases read `'\'` as one backslash
/// (PostgreSQL with its default `standard_conforming_strings = on`).
fn push_like(col: &str, pattern: String, sql: &mut String, args: &mut Vec<SqlArg>) {
    sql.push_str(col);
    sql.push_str(" LIKE ");
    push_arg(SqlArg::Text(pattern), sql, args);
    sql.push_str(" ESCAPE '\\'");
}

/// A prefix match as the byte range of the strings that start with it:
/// `col >= prefix AND col < upper`, where `upper` is the smallest string
/// after every string with that prefix. Both databases read such a range
/// straight from a B-tree index, which neither can do for `LIKE … ESCAPE`.
///
/// The range is exact: a string in it shares the prefix up to its last
/// character, and that character is at least the prefix's last and less
/// than its successor. Only a prefix without an upper bound (empty, or
/// nothing but U+10FFFF) keeps the LIKE.
fn push_starts_with(col: &str, prefix: String, sql: &mut String, args: &mut Vec<SqlArg>) {
    sql.push('(');
    let upper = prefix_upper_bound(&prefix);
    if upper.is_none() {
        push_like(col, format!("{}%", like_escape(&prefix)), sql, args);
        sql.push_str(" AND ");
    }
    sql.push_str(col);
    sql.push_str(" >= ");
    push_arg(SqlArg::Text(prefix), sql, args);
    if let Some(upper) = upper {
        sql.push_str(" AND ");
        sql.push_str(col);
        sql.push_str(" < ");
        push_arg(SqlArg::Text(upper), sql, args);
    }
    sql.push(')');
}

/// Escapes LIKE's wildcards and the escape character itself.
fn like_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The smallest string greater than every string that starts with `prefix`,
/// or `None` when no such string exists (empty prefix, or only U+10FFFF).
///
/// Replacing the last character by its successor works because UTF-8 byte
/// order is code point order: `prefix + rest` shares everything up to that
/// character, which is smaller than its successor.
fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            '\u{D7FF}' => Some('\u{E000}'),
            _ => char::from_u32(u32::from(last) + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// A comparison of a microsecond column, or a constant when the operand
/// makes the outcome the same for every row.
#[derive(Debug, PartialEq)]
enum Predicate {
    Const(bool),
    Compare(&'static str, i64),
}

/// Translates `column_us * 1000 <op> nanos` into a comparison on the
/// microsecond column without losing the sub-microsecond part of `nanos`.
///
/// For an integer `c`: `1000c > n ⇔ c > ⌊n/1000⌋`, `1000c ≥ n ⇔ c ≥ ⌈n/1000⌉`,
/// `1000c < n ⇔ c < ⌈n/1000⌉`, `1000c ≤ n ⇔ c ≤ ⌊n/1000⌋`, and equality is
/// only possible when `n` is a whole number of microseconds.
fn instant_predicate(op: CompareOp, nanos: i128) -> Predicate {
    let floor = nanos.div_euclid(1000);
    let whole = nanos.rem_euclid(1000) == 0;
    let ceil = if whole { floor } else { floor + 1 };
    let (sql_op, bound) = match op {
        CompareOp::Gt => (" > ", floor),
        CompareOp::Ge => (" >= ", ceil),
        CompareOp::Lt => (" < ", ceil),
        CompareOp::Le => (" <= ", floor),
        CompareOp::Eq if whole => (" = ", floor),
        CompareOp::Ne if whole => (" <> ", floor),
        // An instant with sub-microsecond digits never equals a stored one,
        // and substring operators on instants (which the parser rejects)
        // never match.
        CompareOp::Ne => return Predicate::Const(true),
        CompareOp::Eq | CompareOp::Co | CompareOp::Sw | CompareOp::Ew => {
            return Predicate::Const(false);
        }
    };
    if let Ok(bound) = i64::try_from(bound) {
        return Predicate::Compare(sql_op, bound);
    }
    // A bound beyond the column's range decides the comparison alone: above
    // every value only "<", "<=" and "<>" hold, below every value only ">",
    // ">=" and "<>" hold.
    let above = bound > 0;
    Predicate::Const(match op {
        CompareOp::Lt | CompareOp::Le => above,
        CompareOp::Gt | CompareOp::Ge => !above,
        CompareOp::Ne => true,
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestCaseError, TestRunner};
    use sqlx::sqlite::{SqlitePool, SqlitePoolOptions};

    use super::*;
    use crate::filter::strategy::{OwnedRecord, arb_filter, arb_odd_leaf, arb_record};
    use crate::filter::{matches, parse};

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
            (r#"clientName ew "É""#, r"name_key LIKE $1 ESCAPE '\'", vec![text("%é")]),
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
        sqlx::query(
            "CREATE TABLE clients (seq INTEGER PRIMARY KEY, tenant TEXT NOT NULL, \
             client_id TEXT NOT NULL, name_key TEXT NOT NULL, app_type TEXT NOT NULL, \
             created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
        )
        .execute(&pool)
        .await?;
        Ok(pool)
    }

    async fn load(pool: &SqlitePool, rows: &[(&str, OwnedRecord)]) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM clients").execute(pool).await?;
        for (seq, (tenant, row)) in rows.iter().enumerate() {
            sqlx::query("INSERT INTO clients VALUES ($1, $2, $3, $4, $5, $6, $7)")
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

    async fn select(pool: &SqlitePool, filter: &Filter) -> Result<(String, Vec<i64>), sqlx::Error> {
        let mut sql = String::from("SELECT seq FROM clients WHERE tenant = $1 AND ");
        let mut args = vec![SqlArg::Text("t1".to_owned())];
        push_filter_sql(filter, &mut sql, &mut args);
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
                    let (sql, selected) = select(&pool, filter).await.map_err(fail)?;
                    let expected: Vec<i64> = (0i64..)
                        .zip(&rows)
                        .filter(|(_, (tenant, row))| {
                            *tenant == "t1" && matches(filter, &row.view())
                        })
                        .map(|(seq, _)| seq)
                        .collect();
                    prop_assert_eq!(selected, expected, "filter `{}`, SQL `{}`", filter, sql);
                }
                Ok(())
            })
        });
        if let Err(err) = outcome {
            panic!("{err}");
        }
    }
}
