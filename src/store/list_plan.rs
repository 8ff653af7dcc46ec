//! How the SQLite backend plans a list query: SQL for its probes, and the
//! trigram query for substring filters.
//!
//! SQLite's planner does not weigh "walk the sort index until the page is
//! full" against "read every row the filter's index selects, then sort":
//! for `clientName sw "x"` sorted by `createdAt` on a tenant of a million
//! clients it reads and sorts all 30,000 names starting with `x` to return
//! 20. So before a filtered page, the backend probes the walk itself: it
//! counts the matches among the first `budget` rows of the walk (stopping at
//! a page's worth). If the page fills, or the rows end, within the budget,
//! the page walks the sort index (`INDEXED BY`). Otherwise matches are rare
//! here, an index on the filter (or the trigram index) is the better road,
//! and the planner chooses.
//!
//! The budget is √((limit + 1) · tenant size): a walk that needs more rows
//! than that to fill a page has a match rate below √((limit + 1) / size), so
//! an index holding only the matches reads fewer rows than the budget too.
//! Either way a page reads about √((limit + 1) · size) rows at most, 4,600 for
//! 20 clients of a million, unless no index serves the filter at all.

use super::filter_sql::{SqlArg, push_filter_sql};
use super::list_sql::{ListQuery, NameSearch, Walk, push_keyset, push_order};
use crate::filter::{Attr, CompareOp, Filter, Operand};
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
fn window(q: &ListQuery<'_>, walk: Walk<'_>, budget: u64, args: &mut Vec<SqlArg>) -> String {
    let mut sql = String::from(
        "SELECT client_id, app_type, name_key, created_at, updated_at FROM clients WHERE tenant_id = $1",
    );
    push_keyset(&mut sql, args, q.sort, walk);
    push_order(&mut sql, q.sort, walk.forward);
    sql.push_str(&format!(" LIMIT {budget}"));
    sql
}

/// How many rows among the first `budget` of `walk` match the filter,
/// counting no further than `needed`.
pub fn hits_sql(
    q: &ListQuery<'_>,
    walk: Walk<'_>,
    budget: u64,
    needed: u64,
) -> (String, Vec<SqlArg>) {
    let mut args = vec![SqlArg::Text(q.tenant.as_str().to_owned())];
    let inner = window(q, walk, budget, &mut args);
    let mut sql = format!("SELECT count(*) FROM (SELECT 1 FROM ({inner}) WHERE 1=1");
    if let Some(filter) = q.filter {
        sql.push_str(" AND (");
        push_filter_sql(filter, &mut sql, &mut args);
        sql.push(')');
    }
    sql.push_str(&format!(" LIMIT {needed})"));
    (sql, args)
}

/// How many rows the walk has, counting no further than `budget`.
pub fn window_len_sql(q: &ListQuery<'_>, walk: Walk<'_>, budget: u64) -> (String, Vec<SqlArg>) {
    let mut args = vec![SqlArg::Text(q.tenant.as_str().to_owned())];
    let mut inner = String::from("SELECT 1 FROM clients WHERE tenant_id = $1");
    push_keyset(&mut inner, &mut args, q.sort, walk);
    push_order(&mut inner, q.sort, walk.forward);
    (
        format!("SELECT count(*) FROM ({inner} LIMIT {budget})"),
        args,
    )
}

/// The trigram query implied by `filter`, if it has one: a `clientName co`
/// or `ew` comparison of at least three characters that must hold for the
/// whole filter to hold (a conjunct at the top level, not under `or` or
/// `not`). Among several, the longest operand is the most selective.
pub fn name_trigram_query(filter: &Filter) -> Option<NameSearch> {
    let mut conjuncts = Vec::new();
    collect_conjuncts(filter, &mut conjuncts);
    let operand = conjuncts
        .into_iter()
        .filter_map(|f| match f {
            Filter::Compare {
                attr: Attr::ClientName,
                op: CompareOp::Co | CompareOp::Ew,
                value: Operand::Text(text),
            } => Some(text.chars().collect::<Vec<char>>()),
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
        .filter_map(|i| trigrams.get(i))
        // Inside an FTS5 string only `"` is special; it doubles.
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect();
    Some(picked.join(" AND "))
}

fn collect_conjuncts<'f>(filter: &'f Filter, out: &mut Vec<&'f Filter>) {
    match filter {
        Filter::And(left, right) => {
            collect_conjuncts(left, out);
            collect_conjuncts(right, out);
        }
        other => out.push(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::TenantId;
    use crate::filter::parse;
    use crate::store::{Position, Sort, SortField, SortKey};

    #[test]
    fn trigram_queries_come_from_required_substrings_only() {
        #[rustfmt::skip]
        let cases = [
            (r#"clientName co "abc""#, Some(r#""abc""#)),
            (r#"clientName CO "ABCD""#, Some(r#""abc" AND "bcd""#)),
            (r#"clientName ew "xyz""#, Some(r#""xyz""#)),
            (r#"clientName co "a\"b""#, Some(r#""a""b""#)),
            (r#"clientName co "aaaa""#, Some(r#""aaa""#)),
            (r#"clientName co "ab""#, None),
            (r#"clientName sw "abc""#, None),
            (r#"clientName eq "abc""#, None),
            (r#"clientId co "abc""#, None),
            (r#"clientName co "abc" or appType eq "spa""#, None),
            (r#"not (clientName co "abc")"#, None),
            (r#"appType eq "spa" and (clientName co "abc" and clientName co "wxyz")"#, Some(r#""wxy" AND "xyz""#)),
            (r#"clientName co "é😀 x""#, Some(r#""é😀 " AND "😀 x""#)),
        ];
        for (input, expected) in cases {
            let filter = parse(input).unwrap_or_else(|err| panic!("{input}: {err}"));
            assert_eq!(name_trigram_query(&filter).as_deref(), expected, "{input}");
        }
    }

    #[test]
    fn long_operands_keep_sixteen_spread_trigrams() {
        let operand: String = ('a'..='z').collect();
        let filter = parse(&format!("clientName co \"{operand}\"")).unwrap();
        let query = name_trigram_query(&filter).unwrap_or_default();
        let trigrams: Vec<&str> = query.split(" AND ").collect();
        assert_eq!(trigrams.len(), MAX_TRIGRAMS, "{query}");
        assert_eq!(trigrams.first(), Some(&"\"abc\""));
        assert_eq!(trigrams.last(), Some(&"\"xyz\""));
    }

    #[test]
    fn budget_balances_walking_against_an_index() {
        assert_eq!(walk_budget(20, 1_000_000), 4582);
        assert_eq!(walk_budget(100, 1_000_000), 10_049);
        assert_eq!(walk_budget(20, 100), 45);
        assert_eq!(walk_budget(20, 0), 21, "never less than a page");
        assert_eq!(walk_budget(20, -5), 21);
    }

    #[test]
    fn probes_walk_from_the_position_in_its_direction() {
        let tenant = TenantId::from_trusted("t");
        let filter = parse(r#"clientName sw "x""#).unwrap();
        let q = ListQuery {
            tenant: &tenant,
            filter: Some(&filter),
            sort: Sort {
                field: SortField::CreatedAt,
                descending: true,
            },
            limit: 20,
            position: Some(Position {
                forward: false,
                inclusive: false,
                key: SortKey::Int(7),
                client_id: "c".into(),
            }),
            count_total: false,
        };
        let (sql, args) = hits_sql(&q, Walk::page(&q), 500, 21);
        assert_eq!(
            sql,
            "SELECT count(*) FROM (SELECT 1 FROM (SELECT client_id, app_type, name_key, created_at, updated_at \
             FROM clients WHERE tenant_id = $1 AND (created_at, client_id) > ($2, $3) \
             ORDER BY created_at ASC, client_id ASC LIMIT 500) WHERE 1=1 AND \
             ((name_key LIKE $4 ESCAPE '\\' AND name_key >= $5 AND name_key < $6)) LIMIT 21)"
        );
        assert_eq!(args.len(), 6);
        let (sql, args) = window_len_sql(
            &q,
            Walk {
                forward: true,
                from: None,
            },
            500,
        );
        assert_eq!(
            sql,
            "SELECT count(*) FROM (SELECT 1 FROM clients WHERE tenant_id = $1 \
             ORDER BY created_at DESC, client_id DESC LIMIT 500)"
        );
        assert_eq!(args.len(), 1);
    }
}
