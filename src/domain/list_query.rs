//! The list query as the domain states it, for any listable resource: sort
//! orders, keyset positions, the query and the page it answers. A resource
//! becomes listable by implementing [`Listing`] (the clients' is in
//! `client_list.rs`); the store turns a [`ListQuery`] into SQL and the API
//! turns request parameters into one.

use super::ids::TenantId;
use crate::filter::{Attribute, Filter};
use std::fmt::Debug;

/// A resource whose items can be listed: implemented by the type of one item
/// (a client's is `ClientRecord`).
pub trait Listing: Sized + Send + Sync + 'static {
    /// The attributes a `filter` may name.
    type Attr: Attribute;
    /// The fields a `sort` may name.
    type Sort: SortField;

    /// The item's id, unique in its tenant: it breaks ties in every order,
    /// so an order is total and a keyset position names one place.
    fn row_id(&self) -> &str;

    /// The value of `field` in this item, as the store orders by it (for a
    /// name compared case-insensitively, its lowercased key).
    fn sort_key(&self, field: Self::Sort) -> SortKey;
}

/// The sort fields of one resource, as the enum of them implements it.
pub trait SortField: Copy + Eq + Debug + Send + Sync + 'static {
    /// Every field, in the order error messages list them.
    const ALL: &'static [Self];
    /// The order of a list whose request names none.
    const DEFAULT: Sort<Self>;

    /// The field's name in the `sort` parameter.
    fn wire_name(self) -> &'static str;

    /// Whether the field may be sorted this way; both directions unless the
    /// resource says otherwise (an audit log might only sort newest first).
    fn allows(self, descending: bool) -> bool {
        let _ = descending;
        true
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort<F> {
    pub field: F,
    pub descending: bool,
}

/// The value of the sort column at a cursor position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortKey {
    Text(String),
    Int(i64),
}

/// Where a page starts: strictly after (or before) the row with this sort key
/// and row id, in the query's order; `inclusive` also takes that row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub forward: bool,
    pub inclusive: bool,
    pub key: SortKey,
    /// The row's id ([`Listing::row_id`]), opaque to everything but the store.
    pub id: String,
}

impl Position {
    /// The position of `item` in an order by `field`.
    pub fn of<R: Listing>(item: &R, field: R::Sort, forward: bool) -> Position {
        Position {
            forward,
            inclusive: false,
            key: item.sort_key(field),
            id: item.row_id().to_owned(),
        }
    }
}

pub struct ListQuery<'a, R: Listing> {
    pub tenant: &'a TenantId,
    pub filter: Option<&'a Filter<R::Attr>>,
    pub sort: Sort<R::Sort>,
    pub limit: u32,
    pub position: Option<Position>,
    pub count_total: bool,
}

/// One page, in the query's order, and whether rows exist beyond each end.
pub struct ListPage<R> {
    pub items: Vec<R>,
    pub has_before: bool,
    pub has_after: bool,
    pub total: Option<i64>,
}
