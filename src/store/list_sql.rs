//! The list query: keyset pagination over one of the sort indexes, with an
//! optional SCIM filter, built as parameterized SQL shared by both backends.
//!
//! One optional part is SQLite's alone: a pre-selection of candidates through
//! the trigram index over names (migration 0003) for `co`/`ew` filters, which
//! no B-tree index can serve. The backend decides whether to use it
//! (`name_search`), so this module only builds the clause it is given.

use super::ClientRecord;
use super::filter_sql::{SqlArg, push_filter_sql};
use crate::domain::ids::TenantId;
use crate::filter::{Attr, CompareOp, Filter, Operand};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    ClientId,
    ClientName,
    AppType,
    CreatedAt,
    UpdatedAt,
}

impl SortField {
    pub const ALL: [SortField; 5] = [
        SortField::ClientId,
        SortField::ClientName,
        SortField::AppType,
        SortField::CreatedAt,
        SortField::UpdatedAt,
    ];

    pub fn wire_name(self) -> &'static str {
        match self {
            SortField::ClientId => "clientId",
            SortField::ClientName => "clientName",
            SortField::AppType => "appType",
            SortField::CreatedAt => "createdAt",
            SortField::UpdatedAt => "updatedAt",
        }
    }
    fn column(self) -> &'static str {
        match self {
            SortField::ClientId => "client_id",
            SortField::ClientName => "name_key",
            SortField::AppType => "app_type",
            SortField::CreatedAt => "created_at",
            SortField::UpdatedAt => "updated_at",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub field: SortField,
    pub descending: bool,
}

/// The value of the sort column at a cursor position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortKey {
    Text(String),
    Int(i64),
}

impl SortKey {
    pub fn of(record: &ClientRecord, field: SortField) -> SortKey {
        match field {
            SortField::ClientId => SortKey::Text(record.client_id.as_str().to_owned()),
            SortField::ClientName => SortKey::Text(record.config.name_key()),
            SortField::AppType => SortKey::Text(record.config.app_type.as_str().to_owned()),
            SortField::CreatedAt => SortKey::Int(record.created_at.micros()),
            SortField::UpdatedAt => SortKey::Int(record.updated_at.micros()),
        }
    }
}

/// Where a page starts: strictly after (or before) the row with this sort key
/// and client id, in the query's order; `inclusive` also takes that row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub forward: bool,
    pub inclusive: bool,
    pub key: SortKey,
    pub client_id: String,
}

pub struct ListQuery<'a> {
    pub tenant: &'a TenantId,
    pub filter: Option<&'a Filter>,
    pub sort: Sort,
    pub limit: u32,
    pub position: Option<Position>,
    pub count_total: bool,
}

/// One page, in the query's order, and whether rows exist beyond each end.
pub struct ListPage {
    pub items: Vec<ClientRecord>,
    pub has_before: bool,
    pub has_after: bool,
    pub total: Option<i64>,
}

pub(super) const CLIENT_COLUMNS: &str = "client_id, created_at, updated_at, secret_count, config";

/// An FTS5 query over `client_name_trigrams` that every client matching a
/// filter also matches: the trigrams of a substring the filter requires.
pub type NameSearch = String;

/// Longest operands keep only this many of their trigrams, spread over the
/// whole operand: more would add intersection work for little selectivity.
const MAX_TRIGRAMS: usize = 16;

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
    let mut seen = std::collections::HashSet::new();
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

/// Appends `AND (filter)`, and the trigram pre-selection if any, and returns
/// the args so far; `$1` is the tenant.
fn base(q: &ListQuery<'_>, select: &str, search: Option<&NameSearch>) -> (String, Vec<SqlArg>) {
    let mut sql = format!("SELECT {select} FROM clients WHERE tenant_id = $1");
    let mut args = vec![SqlArg::Text(q.tenant.as_str().to_owned())];
    if let Some(f) = q.filter {
        sql.push_str(" AND (");
        push_filter_sql(f, &mut sql, &mut args);
        sql.push(')');
    }
    if let Some(search) = search {
        args.push(SqlArg::Text(search.clone()));
        sql.push_str(&format!(
            " AND client_id IN (SELECT s.client_id FROM client_name_trigrams \
             JOIN client_name_search s ON s.doc_id = client_name_trigrams.rowid \
             WHERE client_name_trigrams MATCH ${} AND s.tenant_id = $1)",
            args.len()
        ));
    }
    (sql, args)
}

/// Appends the keyset condition for rows after (`forward`) or before `pos` in
/// the sort order.
fn push_keyset(
    sql: &mut String,
    args: &mut Vec<SqlArg>,
    sort: Sort,
    forward: bool,
    inclusive: bool,
    key: &SortKey,
    id: &str,
) {
    // Ascending order walked forward, or descending walked backward, means
    // larger values.
    let larger = forward != sort.descending;
    let op = match (larger, inclusive) {
        (true, false) => ">",
        (true, true) => ">=",
        (false, false) => "<",
        (false, true) => "<=",
    };
    let col = sort.field.column();
    let n = args.len();
    if sort.field == SortField::ClientId {
        sql.push_str(&format!(" AND client_id {op} ${}", n + 1));
        args.push(SqlArg::Text(id.to_owned()));
    } else {
        sql.push_str(&format!(
            " AND ({col}, client_id) {op} (${}, ${})",
            n + 1,
            n + 2
        ));
        args.push(key.clone().into());
        args.push(SqlArg::Text(id.to_owned()));
    }
}

fn push_order(sql: &mut String, sort: Sort, forward: bool) {
    let dir = if forward != sort.descending {
        "ASC"
    } else {
        "DESC"
    };
    if sort.field == SortField::ClientId {
        sql.push_str(&format!(" ORDER BY client_id {dir}"));
    } else {
        sql.push_str(&format!(
            " ORDER BY {} {dir}, client_id {dir}",
            sort.field.column()
        ));
    }
}

impl From<SortKey> for SqlArg {
    fn from(k: SortKey) -> Self {
        match k {
            SortKey::Text(s) => SqlArg::Text(s),
            SortKey::Int(i) => SqlArg::Int(i),
        }
    }
}

/// The page query: `limit + 1` rows in walking order, so the extra row tells
/// whether more follow in that direction.
pub(super) fn page_sql(q: &ListQuery<'_>, search: Option<&NameSearch>) -> (String, Vec<SqlArg>) {
    let (mut sql, mut args) = base(q, CLIENT_COLUMNS, search);
    let forward = q.position.as_ref().is_none_or(|p| p.forward);
    if let Some(p) = &q.position {
        push_keyset(
            &mut sql,
            &mut args,
            q.sort,
            p.forward,
            p.inclusive,
            &p.key,
            &p.client_id,
        );
    }
    push_order(&mut sql, q.sort, forward);
    sql.push_str(&format!(" LIMIT {}", u64::from(q.limit) + 1));
    (sql, args)
}

/// Whether any matching row lies beyond `(key, id)` in direction `forward`.
pub(super) fn exists_sql(
    q: &ListQuery<'_>,
    search: Option<&NameSearch>,
    forward: bool,
    inclusive: bool,
    key: &SortKey,
    id: &str,
) -> (String, Vec<SqlArg>) {
    let (mut sql, mut args) = base(q, "1", search);
    push_keyset(&mut sql, &mut args, q.sort, forward, inclusive, key, id);
    sql.push_str(" LIMIT 1");
    (sql, args)
}

/// Counts the matching clients. Without a filter that is the tenant's
/// client counter (kept by triggers, migration 0003), which is O(1) where
/// `COUNT(*)` reads an index entry per client; with a filter it is a count
/// over the rows the filter selects.
pub(super) fn count_sql(q: &ListQuery<'_>, search: Option<&NameSearch>) -> (String, Vec<SqlArg>) {
    if q.filter.is_none() {
        let args = vec![SqlArg::Text(q.tenant.as_str().to_owned())];
        return (
            "SELECT client_count FROM tenants WHERE tenant_id = $1".to_owned(),
            args,
        );
    }
    base(q, "COUNT(*)", search)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::parse;

    fn search(input: &str) -> Option<String> {
        let filter = parse(input).unwrap_or_else(|err| panic!("{input}: {err}"));
        name_trigram_query(&filter)
    }

    #[test]
    fn trigram_queries_come_from_required_substrings_only() {
        #[rustfmt::skip]
        let cases = [
            (r#"clientName co "abc""#, Some(r#""abc""#)),
            (r#"clientName CO "ABCD""#, Some(r#""abc" AND "bcd""#)),
            (r#"clientName ew "xyz""#, Some(r#""xyz""#)),
            (r#"clientName co "a"b""#, None),
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
            // `co "a"b"` does not parse; it stands for "no trigram query".
            let actual = parse(input).ok().and_then(|f| name_trigram_query(&f));
            assert_eq!(actual.as_deref(), expected, "{input}");
        }
    }

    #[test]
    fn long_operands_keep_sixteen_spread_trigrams() {
        let operand: String = ('a'..='z').collect();
        let query = search(&format!("clientName co \"{operand}\"")).unwrap_or_default();
        let trigrams: Vec<&str> = query.split(" AND ").collect();
        assert_eq!(trigrams.len(), MAX_TRIGRAMS, "{query}");
        assert_eq!(trigrams.first(), Some(&"\"abc\""));
        assert_eq!(trigrams.last(), Some(&"\"xyz\""));
    }
}
