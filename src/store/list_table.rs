//! What the list engine needs to know of a resource's table, for any
//! resource: [`ListTable`] (table, tenant and id columns, the columns of an
//! item and of each sort order, the row decoder, and optionally a second
//! statement for an item's details and SQLite planning hints), and
//! [`AttrColumn`] (the column of each filter attribute). The clients'
//! implementations are in `client_list.rs`.
//!
//! Keyset pagination (`list_sql.rs`), the filter's translation
//! (`filter_sql.rs`), the "rows beyond" check and `totalResults`
//! (`listing.rs`) work from these for every resource; SQLite's planner
//! (`list_plan.rs`) only for resources that give [`SqlitePlanning`].

use super::Result;
use crate::domain::list_query::Listing;
use crate::filter::{Attribute, CompareOp};
use sqlx::{ColumnIndex, Decode, Row, Type};

/// Where the filter translation finds an attribute's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// A column holding the value itself: an instant in microseconds, or text
    /// that is lowercase by construction (ids, enum values).
    Value(&'static str),
    /// Text compared case-insensitively through a stored lowercased key of
    /// the value (`str::to_lowercase`), which every write keeps (clients'
    /// `clientName` is compared, and sorted, by `name_key`).
    LowercasedKey(&'static str),
}

impl Column {
    pub fn sql(self) -> &'static str {
        match self {
            Column::Value(column) | Column::LowercasedKey(column) => column,
        }
    }
}

/// The column of each filter attribute of a resource, implemented by the
/// enum of its attributes. Text columns hold lowercase text (see
/// [`Column`]); an [`Attribute::optional`] attribute's column is `NULL` where
/// the item has no value; every other column is `NOT NULL`.
pub trait AttrColumn: Attribute {
    fn column(self) -> Column;

    /// The column holding the reversed last [`TAIL_CHARS`] characters of
    /// this attribute's text column, where the table keeps one (clients'
    /// `name_tail`, migration 0010): `ew` then adds a prefix range on it,
    /// which an index reads where `LIKE '%…'` reads every row.
    fn tail_column(self) -> Option<&'static str> {
        None
    }
}

/// How many characters of a text column its tail column keeps (reversed):
/// the migrations that define such columns use the same number.
pub const TAIL_CHARS: usize = 16;

/// A listable resource's table, implemented by the type of one item.
///
/// Every sort order needs an index on (tenant, sort column, id) so that a
/// page, first or deep, is a range scan.
pub trait ListTable: Listing<Attr: AttrColumn> {
    /// The table holding the items.
    const TABLE: &'static str;
    /// Its tenant column; every statement is scoped by it, bound as `$1`.
    const TENANT_COLUMN: &'static str;
    /// Its id column ([`Listing::row_id`]), the last column of every order.
    const ID_COLUMN: &'static str;
    /// The columns [`ListTable::decode`] reads, as a `SELECT` list.
    const COLUMNS: &'static str;

    /// The column a sort field orders by (its value is
    /// [`Listing::sort_key`]); the id column itself for a sort by id.
    fn sort_column(field: Self::Sort) -> &'static str;

    /// An item from one row of [`ListTable::COLUMNS`].
    fn decode(row: &dyn DbRow) -> Result<Self>;

    /// Counts the tenant's items (`$1`) when no filter applies. A resource
    /// with a counter kept by triggers reads it instead (clients do).
    fn count_all_sql() -> String {
        format!(
            "SELECT COUNT(*) FROM {} WHERE {} = $1",
            Self::TABLE,
            Self::TENANT_COLUMN
        )
    }

    /// Whether `item`, decoded from `row`, has details
    /// [`ListTable::details_sql`] reads (a client's secrets, when the store
    /// keeps no answer for it); none by default.
    fn has_details(item: &Self, row: &dyn DbRow) -> Result<bool> {
        let _ = (item, row);
        Ok(false)
    }

    /// The statement reading the details of `n` items of one tenant: `$1`
    /// the tenant, `$2` to `$n+1` the items' ids.
    fn details_sql(n: usize) -> Option<String> {
        let _ = n;
        None
    }

    /// Gives one row of [`ListTable::details_sql`] to its item.
    fn attach_detail(items: &mut [Self], row: &dyn DbRow) -> Result<()> {
        let _ = (items, row);
        Ok(())
    }

    /// How SQLite may plan this resource's filtered pages; `None` (the
    /// default) leaves every statement to SQLite's own planner, as
    /// PostgreSQL's always is.
    fn sqlite_planning() -> Option<SqlitePlanning<Self>> {
        None
    }
}

/// What `list_plan.rs` needs to plan a resource's filtered pages on SQLite.
pub struct SqlitePlanning<R: ListTable> {
    /// The index holding each sort order, as `INDEXED BY` names it.
    pub sort_index: fn(R::Sort) -> &'static str,
    /// The index that answers a range condition (`op`) on an attribute, if
    /// any: `ew` is a range of the attribute's tail column.
    pub attr_index: fn(R::Attr, CompareOp) -> Option<&'static str>,
    /// Every column a filter may name, as a `SELECT` list (a probe filters
    /// the first rows of a walk by them).
    pub filter_columns: &'static str,
    /// A trigram index over one text attribute, for `co` (and `ew` where the
    /// attribute has no tail column).
    pub trigrams: Option<Trigrams<R::Attr>>,
}

/// A trigram index over one text attribute of a resource, keyed by tenant.
pub struct Trigrams<A> {
    pub attr: A,
    /// The table of postings: (tenant column, `trigram`, `doc_id`), in that
    /// key order, so one tenant's postings of a trigram are one range.
    pub index_table: &'static str,
    /// The table mapping its documents (`doc_id`) to items (tenant and id
    /// columns named as in the resource's table).
    pub docs_table: &'static str,
    /// The index of (tenant, id) in the resource's table, through which the
    /// candidates are read: left to itself, SQLite may walk a sort index
    /// and test each row against the candidates instead.
    pub id_index: &'static str,
}

/// One row of a result, whichever the backend: what the decoders read.
pub trait DbRow {
    fn text(&self, column: &str) -> Result<String>;
    fn int(&self, column: &str) -> Result<i64>;
    fn opt_text(&self, column: &str) -> Result<Option<String>>;
    fn opt_int(&self, column: &str) -> Result<Option<i64>>;
}

impl<R> DbRow for R
where
    R: Row,
    for<'c> &'c str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    fn text(&self, column: &str) -> Result<String> {
        Ok(self.try_get(column)?)
    }

    fn int(&self, column: &str) -> Result<i64> {
        Ok(self.try_get(column)?)
    }

    fn opt_text(&self, column: &str) -> Result<Option<String>> {
        Ok(self.try_get(column)?)
    }

    fn opt_int(&self, column: &str) -> Result<Option<i64>> {
        Ok(self.try_get(column)?)
    }
}
