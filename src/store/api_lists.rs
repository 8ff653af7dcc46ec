//! `Store`'s list methods, for any listable resource ([`ListTable`]): a page
//! of a list query, and the plans of its statements; each calls the same
//! method on whichever backend the store is (the statements are run by
//! `listing.rs`).

use super::list_table::ListTable;
use super::{Result, Store, dispatch};
use crate::domain::list_query::{ListPage, ListQuery};

impl Store {
    /// One page of `q`, whether rows lie beyond each end, and the count of
    /// all matches when `q` asks for it.
    pub async fn list<R: ListTable>(&self, q: &ListQuery<'_, R>) -> Result<ListPage<R>> {
        dispatch!(self.list(q) or in_thread list_in_thread)
    }

    /// Diagnostics: the database's plan for each statement `list` runs for
    /// `q`, labelled by its role (used by `bench/list.sh`).
    pub async fn explain_list<R: ListTable>(
        &self,
        q: &ListQuery<'_, R>,
    ) -> Result<Vec<(String, Vec<String>)>> {
        dispatch!(self.explain_list(q))
    }
}
