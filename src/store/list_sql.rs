//! The list query: keyset pagination over one of the sort indexes, with an
//! optional SCIM filter, built as parameterized SQL shared by both backends.
//!
//! A [`Plan`] may direct SQLite (`list_plan.rs`) to an index (`INDEXED BY`)
//! or to the trigram index over names. PostgreSQL always gets the default
//! plan: plain SQL, and its planner chooses.

use super::filter_sql::{SqlArg, push_filter_sql};
use crate::domain::ids::TenantId;
use crate::domain::list_query::{ListQuery, Sort, SortField, SortKey};

/// The column a sort field orders by (every one has an index ending in
/// `client_id`).
pub(super) fn sort_column(field: SortField) -> &'static str {
    match field {
        SortField::ClientId => "client_id",
        SortField::ClientName => "name_key",
        SortField::AppType => "app_type",
        SortField::CreatedAt => "created_at",
        SortField::UpdatedAt => "updated_at",
    }
}

pub(super) const CLIENT_COLUMNS: &str = "client_id, created_at, updated_at, secret_count, config";

/// An FTS5 query over `client_name_trigrams` that every client matching a
/// filter also matches: the trigrams of a substring the filter requires.
pub type NameSearch = String;

/// Which road a list query takes to its rows.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub enum Access {
    /// Plain SQL: the database's planner chooses (always on PostgreSQL, and
    /// on SQLite without a filter, where only the sort index can serve).
    #[default]
    Planner,
    /// Walk the sort order's own index (SQLite's `INDEXED BY`): matches are
    /// common enough that a page fills soon.
    Walk,
    /// Read the few rows this index selects for one of the filter's
    /// conditions, then sort them (SQLite's `INDEXED BY`).
    Index(&'static str),
    /// Read the few candidates the trigram index offers for a substring
    /// the filter requires, then sort them (SQLite only).
    Trigrams(NameSearch),
}

/// How a backend wants a list query built.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Plan {
    pub access: Access,
    /// Rows a probe along a walk may read (0 where nothing probes).
    pub budget: u64,
}

/// A walk along the sort order: which way, and from where (`None`: from the
/// start of that direction). `inclusive` also takes the row at the start.
#[derive(Debug, Clone, Copy)]
pub struct Walk<'a> {
    pub forward: bool,
    pub from: Option<(bool, &'a SortKey, &'a str)>,
}

impl<'a> Walk<'a> {
    /// The walk that reads the page `q` asks for.
    pub fn page(q: &'a ListQuery<'_>) -> Walk<'a> {
        Walk {
            forward: q.position.as_ref().is_none_or(|p| p.forward),
            from: q
                .position
                .as_ref()
                .map(|p| (p.inclusive, &p.key, p.client_id.as_str())),
        }
    }
}

/// `SELECT {select} FROM clients WHERE tenant_id = $1`, then the filter, as
/// `access` directs; `$1` is the tenant.
fn base(q: &ListQuery<'_>, select: &str, access: &Access) -> (String, Vec<SqlArg>) {
    let mut sql = format!("SELECT {select} FROM clients");
    let index = match access {
        Access::Walk => Some(q.sort.field.sqlite_index()),
        Access::Index(index) => Some(*index),
        Access::Planner | Access::Trigrams(_) => None,
    };
    if let Some(index) = index {
        sql.push_str(" INDEXED BY ");
        sql.push_str(index);
    }
    sql.push_str(" WHERE tenant_id = $1");
    let mut args = vec![SqlArg::Text(q.tenant.as_str().to_owned())];
    if let Some(f) = q.filter {
        sql.push_str(" AND (");
        push_filter_sql(f, &mut sql, &mut args);
        sql.push(')');
    }
    if let Access::Trigrams(search) = access {
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

/// Where a walk would be unbounded (a row count or a search for rows that
/// may not exist), the planner chooses instead.
fn unbounded(access: &Access) -> Access {
    match access {
        Access::Walk => Access::Planner,
        other => other.clone(),
    }
}

impl SortField {
    /// The SQLite index that holds this order: `INDEXED BY` names it. The
    /// primary key's index is SQLite's automatic one, numbered after the
    /// table's first key constraint.
    pub(super) fn sqlite_index(self) -> &'static str {
        match self {
            SortField::ClientId => "sqlite_autoindex_clients_1",
            SortField::ClientName => "clients_by_name",
            SortField::AppType => "clients_by_app_type",
            SortField::CreatedAt => "clients_by_created_at",
            SortField::UpdatedAt => "clients_by_updated_at",
        }
    }
}

/// Appends the keyset condition of a walk that starts at `from`: the rows
/// after it (`forward`) or before it in the sort order.
pub(super) fn push_keyset(sql: &mut String, args: &mut Vec<SqlArg>, sort: Sort, walk: Walk<'_>) {
    let Some((inclusive, key, id)) = walk.from else {
        return;
    };
    // Ascending order walked forward, or descending walked backward, means
    // larger values.
    let larger = walk.forward != sort.descending;
    let op = match (larger, inclusive) {
        (true, false) => ">",
        (true, true) => ">=",
        (false, false) => "<",
        (false, true) => "<=",
    };
    let col = sort_column(sort.field);
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

pub(super) fn push_order(sql: &mut String, sort: Sort, forward: bool) {
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
            sort_column(sort.field)
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
pub(super) fn page_sql(q: &ListQuery<'_>, plan: &Plan) -> (String, Vec<SqlArg>) {
    let (mut sql, mut args) = base(q, CLIENT_COLUMNS, &plan.access);
    let walk = Walk::page(q);
    push_keyset(&mut sql, &mut args, q.sort, walk);
    push_order(&mut sql, q.sort, walk.forward);
    sql.push_str(&format!(" LIMIT {}", u64::from(q.limit) + 1));
    (sql, args)
}

/// Whether any matching row lies along `walk`. It never forces the sort
/// index: nothing bounds how far a walk would go to find no row.
pub(super) fn exists_sql(q: &ListQuery<'_>, plan: &Plan, walk: Walk<'_>) -> (String, Vec<SqlArg>) {
    let (mut sql, mut args) = base(q, "1", &unbounded(&plan.access));
    push_keyset(&mut sql, &mut args, q.sort, walk);
    sql.push_str(" LIMIT 1");
    (sql, args)
}

/// Counts the matching clients. Without a filter that is the tenant's
/// client counter (kept by triggers, migration 0003), which is O(1) where
/// `COUNT(*)` reads an index entry per client; with a filter it is a count
/// over the rows the filter selects, by whatever index the planner likes.
pub(super) fn count_sql(q: &ListQuery<'_>, plan: &Plan) -> (String, Vec<SqlArg>) {
    if q.filter.is_none() {
        return tenant_count_sql(q.tenant);
    }
    base(q, "COUNT(*)", &unbounded(&plan.access))
}

/// The tenant's client counter.
pub(super) fn tenant_count_sql(tenant: &TenantId) -> (String, Vec<SqlArg>) {
    let args = vec![SqlArg::Text(tenant.as_str().to_owned())];
    (
        "SELECT client_count FROM tenants WHERE tenant_id = $1".to_owned(),
        args,
    )
}
