//! Translation of a parsed [`Filter`] into a SQL `WHERE` expression.
//!
//! The generated SQL runs unchanged on SQLite and PostgreSQL and selects
//! exactly the rows for which [`crate::filter::matches()`] is true, given the
//! invariants of the resource's table ([`AttrColumn`]): text columns hold
//! lowercase text (the value, or a lowercased key such as clients'
//! `name_key`), timestamps are `BIGINT` microseconds since the Unix epoch,
//! only optional attributes' columns are ever `NULL`, and text compares by
//! bytes (`BINARY` in SQLite, `COLLATE "C"` in PostgreSQL).
//!
//! Filter values only ever travel as bind arguments; the SQL text is built
//! from fixed fragments and placeholder numbers alone.

use std::fmt::Write as _;

use super::list_table::{AttrColumn, TAIL_CHARS};
use crate::filter::{CompareOp, Filter, Operand, ValueKind};

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
pub fn push_filter_sql<A: AttrColumn>(
    filter: &Filter<A>,
    sql: &mut String,
    args: &mut Vec<SqlArg>,
) {
    push_filter_sql_with(filter, Tails::Range, sql, args);
}

/// Whether an `ew` on an attribute with a tail column adds the tail's range
/// to its `LIKE`. The range only helps a statement that reads the tail's
/// index (or leaves the choice to the database); elsewhere SQLite computes
/// the virtual tail for every row the `LIKE` accepts, for nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tails {
    Range,
    LikeOnly,
}

/// [`push_filter_sql`], with or without the tails' ranges.
pub fn push_filter_sql_with<A: AttrColumn>(
    filter: &Filter<A>,
    tails: Tails,
    sql: &mut String,
    args: &mut Vec<SqlArg>,
) {
    match filter {
        Filter::Or(..) => push_chain(filter, true, tails, sql, args),
        Filter::And(..) => push_chain(filter, false, tails, sql, args),
        Filter::Not(inner) => {
            sql.push_str("NOT (");
            push_filter_sql_with(inner, tails, sql, args);
            sql.push(')');
        }
        Filter::Present(attr) if attr.optional() => {
            sql.push_str(attr.column().sql());
            sql.push_str(" IS NOT NULL");
        }
        // Other attributes always have a value.
        Filter::Present(_) => push_const(true, sql),
        Filter::Compare { attr, op, value } if attr.optional() => {
            // A missing value compares false, never NULL: `NOT` of it must
            // hold, as it does in the evaluator.
            sql.push('(');
            sql.push_str(attr.column().sql());
            sql.push_str(" IS NOT NULL AND ");
            push_compare(*attr, *op, value, tails, sql, args);
            sql.push(')');
        }
        Filter::Compare { attr, op, value } => push_compare(*attr, *op, value, tails, sql, args),
    }
}

/// Writes a run of `OR` (or `AND`) nodes as one flat parenthesised list.
///
/// The parser builds left-deep trees for `a or b or c …`; flattening them
/// keeps the SQL nesting as shallow as the filter's own grouping, which
/// matters because database parsers limit expression depth.
fn push_chain<A: AttrColumn>(
    filter: &Filter<A>,
    is_or: bool,
    tails: Tails,
    sql: &mut String,
    args: &mut Vec<SqlArg>,
) {
    let mut terms = Vec::new();
    collect_chain(filter, is_or, &mut terms);
    sql.push('(');
    for (i, term) in terms.into_iter().enumerate() {
        if i > 0 {
            sql.push_str(if is_or { " OR " } else { " AND " });
        }
        push_filter_sql_with(term, tails, sql, args);
    }
    sql.push(')');
}

fn collect_chain<'f, A>(filter: &'f Filter<A>, is_or: bool, terms: &mut Vec<&'f Filter<A>>) {
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

/// Writes one comparison.  Operand types that do not fit the attribute can
/// only come from a hand-built AST; like the evaluator, they never match.
fn push_compare<A: AttrColumn>(
    attr: A,
    op: CompareOp,
    value: &Operand,
    tails: Tails,
    sql: &mut String,
    args: &mut Vec<SqlArg>,
) {
    let col = attr.column().sql();
    let tail = attr.tail_column().filter(|_| tails == Tails::Range);
    match (attr.kind(), value) {
        (ValueKind::Text, Operand::Text(text)) => match (op, tail) {
            (CompareOp::Ew, Some(tail)) => push_ends_with(col, tail, text, sql, args),
            _ => push_text_compare(col, op, text, sql, args),
        },
        (ValueKind::Timestamp, Operand::Time(nanos)) => match instant_predicate(op, *nanos) {
            Predicate::Const(value) => push_const(value, sql),
            Predicate::Compare(sql_op, micros) => {
                sql.push_str(col);
                sql.push_str(sql_op);
                push_arg(SqlArg::Int(micros), sql, args);
            }
        },
        (ValueKind::Text | ValueKind::Timestamp, Operand::Text(_) | Operand::Time(_)) => {
            push_const(false, sql);
        }
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

/// A suffix match on a column with a tail column (the reversed last
/// [`TAIL_CHARS`] characters of the column): the `LIKE` decides, and the
/// range of tails that start with the operand's own tail (reversed, at most
/// [`TAIL_CHARS`] characters) lets an index find the candidates. The range
/// holds for every row the `LIKE` accepts: a value that ends with the operand
/// ends with the operand's last characters, so its tail starts with them
/// reversed.
fn push_ends_with(col: &str, tail: &str, text: &str, sql: &mut String, args: &mut Vec<SqlArg>) {
    let text = text.to_lowercase();
    let tail_prefix: String = text.chars().rev().take(TAIL_CHARS).collect();
    sql.push('(');
    push_like(col, format!("%{}", like_escape(&text)), sql, args);
    sql.push_str(" AND ");
    push_starts_with(tail, tail_prefix, sql, args);
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
mod tests;
