//! The list query of any resource ([`ListTable`]): keyset pagination over
//! one of the sort indexes, with an optional SCIM filter, built as
//! parameterized SQL shared by both backends.
//!
//! A [`Plan`] may direct SQLite (`list_plan.rs`) to an index (`INDEXED BY`)
//! or to the tenant's trigram postings. PostgreSQL always gets the default plan: plain
//! SQL, and its planner chooses.

use super::filter_sql::{SqlArg, Tails, push_filter_sql_with};
use super::list_table::ListTable;
use crate::domain::list_query::{ListQuery, Sort, SortKey};

/// The trigrams of a substring the filter requires (every matching item holds
/// them all), the one to read first (the rarest in the tenant) first.
pub type NameSearch = Vec<String>;

/// Which road a list query takes to its rows.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub enum Access {
    /// Plain SQL: the database's planner chooses (always on PostgreSQL).
    #[default]
    Planner,
    /// Read the sort order's own index (SQLite's `INDEXED BY`) for a page
    /// without a filter: only that index serves it, and statistics that
    /// lack an index (one added since the last `ANALYZE`) must not lead
    /// SQLite's planner to another and a sort of the whole tenant.
    Sorted,
    /// Walk the sort order's own index (SQLite's `INDEXED BY`): matches are
    /// common enough that a page fills soon.
    Walk,
    /// Read the few rows this index selects for one of the filter's
    /// conditions, then sort them (SQLite's `INDEXED BY`).
    Index(&'static str),
    /// Read the few candidates the tenant's trigram postings offer for a
    /// substring the filter requires, then sort them (SQLite only).
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
    pub fn page<R: ListTable>(q: &'a ListQuery<'_, R>) -> Walk<'a> {
        Walk {
            forward: q.position.as_ref().is_none_or(|p| p.forward),
            from: q
                .position
                .as_ref()
                .map(|p| (p.inclusive, &p.key, p.id.as_str())),
        }
    }
}

/// `SELECT {select} FROM {table} WHERE {tenant} = $1`, then the filter, as
/// `access` directs; `$1` is the tenant.
fn base<R: ListTable>(
    q: &ListQuery<'_, R>,
    select: &str,
    access: &Access,
) -> (String, Vec<SqlArg>) {
    let mut sql = format!("SELECT {select} FROM {}", R::TABLE);
    let index = match access {
        Access::Walk | Access::Sorted => R::sqlite_planning().map(|p| (p.sort_index)(q.sort.field)),
        Access::Index(index) => Some(*index),
        Access::Trigrams(_) => R::sqlite_planning()
            .and_then(|p| p.trigrams)
            .map(|t| t.id_index),
        Access::Planner => None,
    };
    if let Some(index) = index {
        sql.push_str(" INDEXED BY ");
        sql.push_str(index);
    }
    sql.push_str(&format!(" WHERE {} = $1", R::TENANT_COLUMN));
    let mut args = vec![SqlArg::Text(q.tenant.as_str().to_owned())];
    if let Some(f) = q.filter {
        sql.push_str(" AND (");
        // The tails' ranges serve their own index, and any statement whose
        // index the database chooses (see `filter_sql::Tails`).
        let tails = match access {
            Access::Planner | Access::Index(_) => Tails::Range,
            Access::Walk | Access::Sorted | Access::Trigrams(_) => Tails::LikeOnly,
        };
        push_filter_sql_with(f, tails, &mut sql, &mut args);
        sql.push(')');
    }
    let trigrams = R::sqlite_planning().and_then(|p| p.trigrams);
    if let (Access::Trigrams(search), Some(t)) = (access, trigrams) {
        push_trigram_candidates::<R>(&mut sql, &mut args, search, t.index_table, t.docs_table);
    }
    (sql, args)
}

/// ` AND {id} IN (…)`: the tenant's documents holding the first trigram
/// (a range of the index), kept when they hold every other one too (a key
/// lookup each). Nothing outside the caller's tenant is read.
fn push_trigram_candidates<R: ListTable>(
    sql: &mut String,
    args: &mut Vec<SqlArg>,
    search: &NameSearch,
    index: &str,
    docs: &str,
) {
    let (id, tenant) = (R::ID_COLUMN, R::TENANT_COLUMN);
    let Some((first, others)) = search.split_first() else {
        return;
    };
    args.push(SqlArg::Text(first.clone()));
    sql.push_str(&format!(
        " AND {id} IN (SELECT s.{id} FROM {index} d JOIN {docs} s ON s.doc_id = d.doc_id \
         WHERE d.{tenant} = $1 AND d.trigram = ${}",
        args.len()
    ));
    for trigram in others {
        args.push(SqlArg::Text(trigram.clone()));
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM {index} o WHERE o.{tenant} = $1 \
             AND o.trigram = ${} AND o.doc_id = d.doc_id)",
            args.len()
        ));
    }
    sql.push(')');
}

/// Where a walk would be unbounded (a row count or a search for rows that
/// may not exist), the planner chooses instead.
fn unbounded(access: &Access) -> Access {
    match access {
        Access::Walk => Access::Planner,
        other => other.clone(),
    }
}

/// Appends the keyset condition of a walk that starts at `from`: the rows
/// after it (`forward`) or before it in the sort order.
pub(super) fn push_keyset<R: ListTable>(
    sql: &mut String,
    args: &mut Vec<SqlArg>,
    sort: Sort<R::Sort>,
    walk: Walk<'_>,
) {
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
    let (col, id_col) = (R::sort_column(sort.field), R::ID_COLUMN);
    let n = args.len();
    if col == id_col {
        sql.push_str(&format!(" AND {id_col} {op} ${}", n + 1));
        args.push(SqlArg::Text(id.to_owned()));
    } else {
        sql.push_str(&format!(
            " AND ({col}, {id_col}) {op} (${}, ${})",
            n + 1,
            n + 2
        ));
        args.push(key.clone().into());
        args.push(SqlArg::Text(id.to_owned()));
    }
}

pub(super) fn push_order<R: ListTable>(sql: &mut String, sort: Sort<R::Sort>, forward: bool) {
    let dir = if forward != sort.descending {
        "ASC"
    } else {
        "DESC"
    };
    let (col, id_col) = (R::sort_column(sort.field), R::ID_COLUMN);
    if col == id_col {
        sql.push_str(&format!(" ORDER BY {id_col} {dir}"));
    } else {
        sql.push_str(&format!(" ORDER BY {col} {dir}, {id_col} {dir}"));
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
pub(super) fn page_sql<R: ListTable>(q: &ListQuery<'_, R>, plan: &Plan) -> (String, Vec<SqlArg>) {
    let (mut sql, mut args) = base(q, R::COLUMNS, &plan.access);
    let walk = Walk::page(q);
    push_keyset::<R>(&mut sql, &mut args, q.sort, walk);
    push_order::<R>(&mut sql, q.sort, walk.forward);
    sql.push_str(&format!(" LIMIT {}", u64::from(q.limit) + 1));
    (sql, args)
}

/// Whether any matching row lies along `walk`. It never forces the sort
/// index: nothing bounds how far a walk would go to find no row.
pub(super) fn exists_sql<R: ListTable>(
    q: &ListQuery<'_, R>,
    plan: &Plan,
    walk: Walk<'_>,
) -> (String, Vec<SqlArg>) {
    let (mut sql, mut args) = base(q, "1", &unbounded(&plan.access));
    push_keyset::<R>(&mut sql, &mut args, q.sort, walk);
    sql.push_str(" LIMIT 1");
    (sql, args)
}

/// Counts the matching items. Without a filter that is the resource's own
/// count of the tenant's items ([`ListTable::count_all_sql`]: for clients a
/// counter kept by triggers); with a filter it is a count over the rows the
/// filter selects, by whatever index the planner likes.
pub(super) fn count_sql<R: ListTable>(q: &ListQuery<'_, R>, plan: &Plan) -> (String, Vec<SqlArg>) {
    if q.filter.is_none() {
        return tenant_count_sql(q);
    }
    base(q, "COUNT(*)", &unbounded(&plan.access))
}

/// The count of the tenant's items, whatever the filter.
pub(super) fn tenant_count_sql<R: ListTable>(q: &ListQuery<'_, R>) -> (String, Vec<SqlArg>) {
    let args = vec![SqlArg::Text(q.tenant.as_str().to_owned())];
    (R::count_all_sql(), args)
}
