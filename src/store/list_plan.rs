//! How the SQLite backend plans a filtered list query: which index to read,
//! for a resource that gives planning hints ([`SqlitePlanning`]: the clients
//! do); any other resource's statements go to SQLite's own planner.
//!
//! SQLite's planner does not weigh "walk the sort index until the page is
//! full" against "read every row the filter's index selects, then sort":
//! for `clientName sw "x"` sorted by `createdAt` on a tenant of a million
//! clients it reads and sorts all 30,000 names starting with `x` to return
//! 20, and it cannot know how many rows an FTS5 query matches at all.
//!
//! So the backend counts, for each condition of the filter that an index
//! can serve (a conjunct at the top level on another column than the sort's,
//! or a substring for the trigram index), its candidates up to a budget,
//! reading index entries only. The fewest candidates, if within the budget,
//! are read through that index and sorted. If every count exceeds it, matches
//! are common and the page walks the sort index.
//!
//! The budget is √((limit + 1) · tenant size). A condition with more
//! candidates than that matches a share of rows above √((limit + 1) / size),
//! so a walk fills a page within about the budget; one with fewer is read in
//! full within the budget. Either way a page reads about √((limit + 1) · size)
//! rows at most (4,600 for 20 clients of a million), save where several
//! common conditions are rare together, or no index serves the filter at all.
//!
//! A walk's check for rows beyond the page probes the same walk for up to
//! the budget before leaving the choice to the planner: a walk that finds
//! nothing cannot tell how far it would have to go.

use super::filter_sql::{SqlArg, Tails, push_filter_sql, push_filter_sql_with};
use super::list_sql::{NameSearch, Walk, push_keyset, push_order};
use super::list_table::{AttrColumn, ListTable, SqlitePlanning};
use crate::domain::list_query::ListQuery;
use crate::filter::{CompareOp, Filter, Operand};
use std::collections::HashSet;

/// What a bounded probe along a walk found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// As many matches as were needed, within the budget.
    Reached,
    /// Fewer, and the walk ended within the budget: that is all there is.
    Ended,
    /// Fewer, and the budget ran out: matches are rare along this walk.
    Spent,
}

/// Longest operands keep only this many of their trigrams, spread over the
/// whole operand: more would add intersection work for little selectivity.
const MAX_TRIGRAMS: usize = 16;

/// The probe budget for a page of `limit` on a tenant of `size` clients.
pub fn walk_budget(limit: u32, size: i64) -> u64 {
    let page = u64::from(limit) + 1;
    let size = u64::try_from(size).unwrap_or(0);
    page.max((page.saturating_mul(size)).isqrt())
}

/// The first `budget` rows of a walk, unfiltered, as a subquery selecting
/// every column a filter may name.
fn window<R: ListTable>(
    q: &ListQuery<'_, R>,
    planning: &SqlitePlanning<R>,
    walk: Walk<'_>,
    budget: u64,
    args: &mut Vec<SqlArg>,
) -> String {
    let mut sql = format!(
        "SELECT {} FROM {} WHERE {} = $1",
        planning.filter_columns,
        R::TABLE,
        R::TENANT_COLUMN
    );
    push_keyset::<R>(&mut sql, args, q.sort, walk);
    push_order::<R>(&mut sql, q.sort, walk.forward);
    sql.push_str(&format!(" LIMIT {budget}"));
    sql
}

/// How many rows among the first `budget` of `walk` match the filter,
/// counting no further than `needed`.
pub fn hits_sql<R: ListTable>(
    q: &ListQuery<'_, R>,
    planning: &SqlitePlanning<R>,
    walk: Walk<'_>,
    budget: u64,
    needed: u64,
) -> (String, Vec<SqlArg>) {
    let mut args = vec![SqlArg::Text(q.tenant.as_str().to_owned())];
    let inner = window(q, planning, walk, budget, &mut args);
    let mut sql = format!("SELECT count(*) FROM (SELECT 1 FROM ({inner}) WHERE 1=1");
    if let Some(filter) = q.filter {
        sql.push_str(" AND (");
        push_filter_sql_with(filter, Tails::LikeOnly, &mut sql, &mut args);
        sql.push(')');
    }
    sql.push_str(&format!(" LIMIT {needed})"));
    (sql, args)
}

/// How many rows the walk has, counting no further than `budget`.
pub fn window_len_sql<R: ListTable>(
    q: &ListQuery<'_, R>,
    walk: Walk<'_>,
    budget: u64,
) -> (String, Vec<SqlArg>) {
    let mut args = vec![SqlArg::Text(q.tenant.as_str().to_owned())];
    let mut inner = format!("SELECT 1 FROM {} WHERE {} = $1", R::TABLE, R::TENANT_COLUMN);
    push_keyset::<R>(&mut inner, &mut args, q.sort, walk);
    push_order::<R>(&mut inner, q.sort, walk.forward);
    (
        format!("SELECT count(*) FROM ({inner} LIMIT {budget})"),
        args,
    )
}

/// The top-level conditions of `filter` that an index other than the sort's
/// can serve, with that index.
pub fn indexed_conjuncts<'f, R: ListTable>(
    filter: &'f Filter<R::Attr>,
    planning: &SqlitePlanning<R>,
    sort: R::Sort,
) -> Vec<(&'static str, &'f Filter<R::Attr>)> {
    let sort_index = (planning.sort_index)(sort);
    let mut conjuncts = Vec::new();
    collect_conjuncts(filter, &mut conjuncts);
    conjuncts
        .into_iter()
        .filter_map(|f| match f {
            Filter::Compare { attr, op, .. } if is_range(*op) => {
                // On the sort's own column the walk already uses the range.
                let index = (planning.attr_index)(*attr, *op)?;
                (index != sort_index).then_some((index, f))
            }
            _ => None,
        })
        .collect()
}

/// Operators a B-tree index answers with a range (`sw` is a LIKE plus the
/// byte range of its prefix, `ew` one of the tail column's where the
/// attribute has one: see `filter_sql`).
fn is_range(op: CompareOp) -> bool {
    matches!(
        op,
        CompareOp::Eq
            | CompareOp::Sw
            | CompareOp::Ew
            | CompareOp::Gt
            | CompareOp::Ge
            | CompareOp::Lt
            | CompareOp::Le
    )
}

/// Counts, up to `cap`, the tenant's rows that `conjunct` selects, reading
/// only `index`.
pub fn candidates_sql<R: ListTable>(
    q: &ListQuery<'_, R>,
    index: &str,
    conjunct: &Filter<R::Attr>,
    cap: u64,
) -> (String, Vec<SqlArg>) {
    let mut args = vec![SqlArg::Text(q.tenant.as_str().to_owned())];
    let mut sql = format!(
        "SELECT count(*) FROM (SELECT 1 FROM {} INDEXED BY {index} WHERE {} = $1 AND (",
        R::TABLE,
        R::TENANT_COLUMN
    );
    push_filter_sql(conjunct, &mut sql, &mut args);
    sql.push_str(&format!(") LIMIT {cap})"));
    (sql, args)
}

/// The trigram query implied by `filter` on the indexed attribute `name`
/// (clients' `clientName`), if it has one: a `co` comparison (or an `ew` on
/// an attribute without a tail column, whose index serves it better) of at
/// least three characters that must hold for the whole filter to hold (a
/// conjunct at the top level, not under `or` or `not`). Among several, the
/// longest operand is the most selective. The trigrams are those of the
/// operand lowercased as `filter_sql` lowercases it for the `LIKE`, so
/// every name the `LIKE` accepts holds them all.
pub fn name_trigram_query<A: AttrColumn>(filter: &Filter<A>, name: &A) -> Option<NameSearch> {
    let mut conjuncts = Vec::new();
    collect_conjuncts(filter, &mut conjuncts);
    let operand = conjuncts
        .into_iter()
        .filter_map(|f| match f {
            Filter::Compare {
                attr,
                op,
                value: Operand::Text(text),
            } if attr == name
                && (*op == CompareOp::Co
                    || (*op == CompareOp::Ew && attr.tail_column().is_none())) =>
            {
                Some(text.to_lowercase().chars().collect::<Vec<char>>())
            }
            _ => None,
        })
        .filter(|chars| chars.len() >= 3)
        .max_by_key(Vec::len)?;
    let mut seen = HashSet::new();
    let trigrams: Vec<String> = operand
        .windows(3)
        .map(|window| window.iter().collect::<String>())
        .filter(|trigram| seen.insert(trigram.clone()))
        .collect();
    // Evenly spaced, first and last included; strictly increasing indexes
    // because n - 1 >= k - 1.
    let n = trigrams.len();
    let k = n.min(MAX_TRIGRAMS);
    let picked: Vec<String> = (0..k)
        .map(|i| if k > 1 { i * (n - 1) / (k - 1) } else { 0 })
        .filter_map(|i| trigrams.get(i).cloned())
        .collect();
    Some(picked)
}

fn collect_conjuncts<'f, A>(filter: &'f Filter<A>, out: &mut Vec<&'f Filter<A>>) {
    match filter {
        Filter::And(left, right) => {
            collect_conjuncts(left, out);
            collect_conjuncts(right, out);
        }
        other => out.push(other),
    }
}

#[cfg(test)]
#[path = "list_plan_tests.rs"]
mod tests;
