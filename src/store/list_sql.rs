//! The list query: keyset pagination over one of the sort indexes, with an
//! optional SCIM filter, built as parameterized SQL shared by both backends.

use super::ClientRecord;
use super::filter_sql::{SqlArg, push_filter_sql};
use crate::domain::ids::TenantId;
use crate::filter::Filter;

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

/// Appends `AND (filter)` and returns the args so far; `$1` is the tenant.
fn base(q: &ListQuery<'_>, select: &str) -> (String, Vec<SqlArg>) {
    let mut sql = format!("SELECT {select} FROM clients WHERE tenant_id = $1");
    let mut args = vec![SqlArg::Text(q.tenant.as_str().to_owned())];
    if let Some(f) = q.filter {
        sql.push_str(" AND (");
        push_filter_sql(f, &mut sql, &mut args);
        sql.push(')');
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
pub(super) fn page_sql(q: &ListQuery<'_>) -> (String, Vec<SqlArg>) {
    let (mut sql, mut args) = base(q, CLIENT_COLUMNS);
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
    forward: bool,
    inclusive: bool,
    key: &SortKey,
    id: &str,
) -> (String, Vec<SqlArg>) {
    let (mut sql, mut args) = base(q, "1");
    push_keyset(&mut sql, &mut args, q.sort, forward, inclusive, key, id);
    sql.push_str(" LIMIT 1");
    (sql, args)
}

pub(super) fn count_sql(q: &ListQuery<'_>) -> (String, Vec<SqlArg>) {
    base(q, "COUNT(*)")
}
