//! The list algorithm of any resource ([`ListTable`]), written once over a
//! [`ListExec`] (the sqlx read pool of either backend, or on SQLite a
//! connection on the calling thread): a page, the check for rows beyond it,
//! the total count, and the page's details (a client's secrets). Then
//! `impl_listing!` and `impl_list_explain!` (the statements' query plans)
//! give each backend's store these methods (see `shared.rs`). The statements
//! themselves are built by `list_sql.rs` (and, on SQLite, planned by
//! `list_planner.rs`).

use super::Result;
use super::list_exec::ListExec;
use super::list_plan::Probe;
use super::list_planner::{plan_list, probe};
use super::list_sql::{self, Access, Plan, Walk};
use super::list_table::ListTable;
use crate::domain::ids::TenantId;
use crate::domain::list_query::{ListPage, ListQuery};

/// One page of `q`, whether rows lie beyond each end, and the count of all
/// matches when `q` asks for it.
pub async fn list<R: ListTable, E: ListExec>(
    exec: &E,
    q: &ListQuery<'_, R>,
) -> Result<ListPage<R>> {
    let plan = plan_list(exec, q).await?;
    let (sql, args) = list_sql::page_sql(q, &plan);
    let limit = usize::try_from(q.limit).unwrap_or(usize::MAX);
    let mut items: Vec<R> = Vec::with_capacity(limit.min(100));
    let mut with_details = Vec::new();
    // The statement reads one row beyond the page: it only tells that more
    // follow, so it is not decoded.
    let mut more_in_walk = false;
    exec.rows(sql, args, &mut |row| {
        if items.len() == limit {
            more_in_walk = true;
            return Ok(());
        }
        let item = R::decode(row)?;
        if R::has_details(&item, row)? {
            with_details.push(item.row_id().to_owned());
        }
        items.push(item);
        Ok(())
    })
    .await?;
    let forward = Walk::page(q).forward;
    let behind = rows_behind(exec, q, &plan, items.first()).await?;
    if !forward {
        items.reverse();
    }
    let (has_before, has_after) = if forward {
        (behind, more_in_walk)
    } else {
        (more_in_walk, behind)
    };
    attach_details(exec, q.tenant, &mut items, &with_details).await?;
    let total = if q.count_total {
        Some(count_matches(exec, q, &plan).await?)
    } else {
        None
    };
    Ok(ListPage {
        items,
        has_before,
        has_after,
        total,
    })
}

/// Whether matching rows lie on the far side of the page's start (`first`,
/// or the position asked for when the page is empty), opposite to the walk.
async fn rows_behind<R: ListTable, E: ListExec>(
    exec: &E,
    q: &ListQuery<'_, R>,
    plan: &Plan,
    first: Option<&R>,
) -> Result<bool> {
    let forward = Walk::page(q).forward;
    let key;
    let from = match (first, &q.position) {
        (_, None) => return Ok(false),
        (Some(first), Some(_)) => {
            key = first.sort_key(q.sort.field);
            Some((false, &key, first.row_id()))
        }
        (None, Some(p)) => Some((!p.inclusive, &p.key, p.id.as_str())),
    };
    let walk = Walk {
        forward: !forward,
        from,
    };
    exists(exec, q, plan, walk).await
}

/// Whether a matching row lies along `walk`: where the page walked, a
/// bounded probe along the same index usually answers; otherwise the
/// planner chooses.
async fn exists<R: ListTable, E: ListExec>(
    exec: &E,
    q: &ListQuery<'_, R>,
    plan: &Plan,
    walk: Walk<'_>,
) -> Result<bool> {
    if plan.access == Access::Walk {
        match probe(exec, q, walk, plan.budget, 1).await? {
            Probe::Reached => return Ok(true),
            Probe::Ended => return Ok(false),
            Probe::Spent => {}
        }
    }
    let (sql, args) = list_sql::exists_sql(q, plan, walk);
    // Whether a row comes back; its `1` is not read (an INT4 on PostgreSQL).
    let mut found = false;
    exec.rows(sql, args, &mut |_| {
        found = true;
        Ok(())
    })
    .await?;
    Ok(found)
}

/// `totalResults`: how many items match, on every page.
async fn count_matches<R: ListTable, E: ListExec>(
    exec: &E,
    q: &ListQuery<'_, R>,
    plan: &Plan,
) -> Result<i64> {
    let (sql, args) = list_sql::count_sql(q, plan);
    Ok(exec.scalar(sql, args).await?.unwrap_or(0))
}

/// Gives the items with `ids` their details (a client's secrets), in one
/// statement.
async fn attach_details<R: ListTable, E: ListExec>(
    exec: &E,
    tenant: &TenantId,
    items: &mut [R],
    ids: &[String],
) -> Result<()> {
    let Some(sql) = R::details_sql(ids.len()).filter(|_| !ids.is_empty()) else {
        return Ok(());
    };
    let mut args = vec![super::filter_sql::SqlArg::Text(tenant.as_str().to_owned())];
    args.extend(
        ids.iter()
            .map(|id| super::filter_sql::SqlArg::Text(id.clone())),
    );
    exec.rows(sql, args, &mut |row| R::attach_detail(items, row))
        .await
}

/// The plans of the statements `list` runs for `q`, for diagnostics: each
/// statement's role and its plan, one line per step. The "rows beyond" check
/// is explained at `q`'s own position, standing in for the page's first row.
/// `explain` gives one statement's plan on the backend.
pub async fn explain_list<R, E, F, Fut>(
    exec: &E,
    q: &ListQuery<'_, R>,
    explain: F,
) -> Result<Vec<(String, Vec<String>)>>
where
    R: ListTable,
    E: ListExec,
    F: Fn(String, Vec<super::filter_sql::SqlArg>) -> Fut,
    Fut: Future<Output = Result<Vec<String>>>,
{
    let plan = plan_list(exec, q).await?;
    let mut plans = vec![("plan".to_owned(), vec![format!("{plan:?}")])];
    let (sql, args) = list_sql::page_sql(q, &plan);
    plans.push(("page".to_owned(), explain(sql, args).await?));
    if let Some(p) = &q.position {
        let walk = Walk {
            forward: !p.forward,
            from: Some((!p.inclusive, &p.key, p.id.as_str())),
        };
        if plan.access == Access::Walk {
            let found = probe(exec, q, walk, plan.budget, 1).await?;
            plans.push((
                "rows beyond the page: a probe first".to_owned(),
                vec![format!("{found:?}")],
            ));
        }
        let (sql, args) = list_sql::exists_sql(q, &plan, walk);
        plans.push(("rows beyond the page".to_owned(), explain(sql, args).await?));
    }
    if q.count_total {
        let (sql, args) = list_sql::count_sql(q, &plan);
        plans.push(("totalResults".to_owned(), explain(sql, args).await?));
    }
    Ok(plans)
}

/// `list` and `explain_list` of `$Store`, through its read pool (`list_exec`).
macro_rules! impl_listing {
    ($Store:ident) => {
        mod listing {
            use $crate::domain::list_query::{ListPage, ListQuery};
            use $crate::store::Result;
            use $crate::store::list_table::ListTable;

            impl super::$Store {
                pub(crate) async fn list<R: ListTable>(
                    &self,
                    q: &ListQuery<'_, R>,
                ) -> Result<ListPage<R>> {
                    $crate::store::listing::list(&self.list_exec(), q).await
                }

                /// Diagnostics, not on any request's path.
                pub(crate) async fn explain_list<R: ListTable>(
                    &self,
                    q: &ListQuery<'_, R>,
                ) -> Result<Vec<(String, Vec<String>)>> {
                    $crate::store::listing::explain_list(&self.list_exec(), q, |sql, args| async {
                        Ok(self.explain(sql, args).await?)
                    })
                    .await
                }
            }
        }
    };
}

pub(super) use impl_listing;
