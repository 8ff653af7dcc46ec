//! The list query as the domain states it, for any listable resource: sort
//! orders, keyset positions, the query and the page it answers. A resource
//! becomes listable by implementing [`Listing`] (the clients' is in
//! `client_list.rs`); the store turns a [`ListQuery`] into SQL and the API
//! turns request parameters into one.

use super::ids::TenantId;
use crate::filter::{Attribute, CompareOp, Filter};
use std::fmt::Debug;

/// A resource whose items can be listed: implemented by the type of one item
/// (a client's is `ListedClient`).
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

impl<'a, R: Listing> ListQuery<'a, R> {
    /// The first page of 20 of `tenant`'s items in their default order,
    /// filtered by `filter`, without a count: what store tests plan and read
    /// (changed with struct update syntax where a test needs otherwise).
    #[cfg(test)]
    pub fn first_page(tenant: &'a TenantId, filter: Option<&'a Filter<R::Attr>>) -> Self {
        ListQuery {
            tenant,
            filter,
            sort: <R::Sort as SortField>::DEFAULT,
            limit: 20,
            position: None,
            count_total: false,
        }
    }

    /// Whether the query is expensive, and so counts against the tenant's
    /// cap of concurrent expensive lists (issue 12 point 6): it has a filter
    /// and either asks `totalResults` (a count of every match) or uses an
    /// operator no bounded index range serves (`co`, `ew`, `ne`, `pr`, `not`,
    /// `or`), so it may read the tenant's every row. A page without a filter
    /// (its count is the tenant's stored one) and a conjunction of `eq`,
    /// `sw`, `gt`, `ge`, `lt`, `le` are not.
    pub fn is_expensive(&self) -> bool {
        self.filter
            .is_some_and(|f| self.count_total || !index_bounded(f))
    }
}

/// Whether every conjunct of `f` is a comparison an index range serves.
fn index_bounded<A>(f: &Filter<A>) -> bool {
    match f {
        Filter::And(a, b) => index_bounded(a) && index_bounded(b),
        Filter::Compare { op, .. } => matches!(
            op,
            CompareOp::Eq
                | CompareOp::Sw
                | CompareOp::Gt
                | CompareOp::Ge
                | CompareOp::Lt
                | CompareOp::Le
        ),
        Filter::Or(..) | Filter::Not(_) | Filter::Present(_) => false,
    }
}

/// One page, in the query's order, and whether rows exist beyond each end.
pub struct ListPage<R> {
    pub items: Vec<R>,
    pub has_before: bool,
    pub has_after: bool,
    pub total: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::client_list::ClientSort;
    use crate::domain::client_list::ListedClient;

    fn expensive(filter: Option<&str>, count_total: bool) -> bool {
        let tenant = TenantId::from_trusted("t");
        let filter = filter.map(|f| crate::filter::parse(f).unwrap());
        ListQuery::<ListedClient> {
            tenant: &tenant,
            filter: filter.as_ref(),
            sort: Sort {
                field: ClientSort::CreatedAt,
                descending: false,
            },
            limit: 20,
            position: None,
            count_total,
        }
        .is_expensive()
    }

    #[test]
    fn expensive_lists_are_unbounded_filters_and_filtered_counts() {
        assert!(!expensive(None, false), "a plain page");
        assert!(!expensive(None, true), "the stored count");
        assert!(!expensive(
            Some("clientName sw \"a\" and clientId eq \"b\""),
            false
        ));
        assert!(!expensive(
            Some("createdAt gt \"2020-01-01T00:00:00Z\""),
            false
        ));
        assert!(
            expensive(Some("clientName sw \"a\""), true),
            "a filtered count"
        );
        for f in [
            "clientName co \"a\"",
            "clientName ew \"a\"",
            "clientName ne \"a\"",
            "clientId pr",
            "not (clientName sw \"a\")",
            "clientName sw \"a\" or clientName sw \"b\"",
            "clientName sw \"a\" and clientName co \"b\"",
        ] {
            assert!(expensive(Some(f), false), "{f}");
        }
    }
}
