//! SQLite's list planning, run through a [`ListExec`] (the sqlx pool, or a
//! connection on the calling thread): the counts that choose a filtered
//! page's index (`list_plan.rs` explains the choice and builds the SQL;
//! a small tenant is walked whole without counting), and the bounded probes
//! along a walk. A backend that does not plan
//! ([`ListExec::plans`]), and a resource without planning hints, get the
//! default plan: plain SQL for the database's own planner. A filtered
//! page's plan is remembered where the executor keeps a memo
//! (`list_plan_memo.rs`).

use super::Result;
use super::list_exec::{ListExec, count};
use super::list_plan::{self, Probe};
use super::list_plan_memo;
use super::list_sql::{self, Access, Plan, Walk};
use super::list_table::{ListTable, SqlitePlanning};
use super::list_trigrams;
use crate::domain::list_query::ListQuery;
use crate::filter::Filter;

/// How to build a list query: the index with the fewest candidates within
/// the walk budget, or else a walk; see `list_plan.rs`.
pub async fn plan_list<R: ListTable, E: ListExec>(exec: &E, q: &ListQuery<'_, R>) -> Result<Plan> {
    let (Some(planning), true) = (R::sqlite_planning(), exec.plans()) else {
        // The database's planner chooses.
        return Ok(Plan::default());
    };
    let Some(filter) = q.filter else {
        // Nothing but the sort index serves the page.
        return Ok(Plan {
            access: Access::Sorted,
            budget: 0,
        });
    };
    let Some(memo) = exec.memo() else {
        return plan_filtered(exec, q, &planning, filter).await;
    };
    let key = list_plan_memo::key(q);
    if let Some(plan) = memo.get(&key) {
        return Ok(plan);
    }
    let plan = plan_filtered(exec, q, &planning, filter).await?;
    memo.put(key, plan.clone());
    Ok(plan)
}

/// The plan of a filtered page, from the counts.
async fn plan_filtered<R: ListTable, E: ListExec>(
    exec: &E,
    q: &ListQuery<'_, R>,
    planning: &SqlitePlanning<R>,
    filter: &Filter<R::Attr>,
) -> Result<Plan> {
    let (sql, args) = list_sql::tenant_count_sql(q);
    let size = exec.scalar(sql, args).await?.unwrap_or(0);
    let budget = list_plan::walk_budget(q.limit, size);
    if let Some(rows) = small_tenant(q.limit, size) {
        // Walking the whole tenant costs less than counting candidates,
        // and a probe that may read all of it always concludes.
        return Ok(Plan {
            access: Access::Walk,
            budget: budget.max(rows),
        });
    }
    // Counting stops one past the budget: that is enough to rule out.
    let cap = budget + 1;
    let mut best: Option<(u64, Access)> = None;
    if let Some(trigrams) = &planning.trigrams
        && let Some(search) = list_plan::name_trigram_query(filter, &trigrams.attr)
    {
        let plan = list_trigrams::plan_trigrams(exec, q, trigrams.index_table, search, cap);
        best = Some(plan.await?);
    }
    for (index, conjunct) in list_plan::indexed_conjuncts(filter, planning, q.sort.field) {
        if best.as_ref().is_some_and(|(n, _)| *n == 0) {
            break;
        }
        let (sql, args) = list_plan::candidates_sql(q, index, conjunct, cap);
        let n = count(exec, sql, args).await?;
        if best.as_ref().is_none_or(|(m, _)| n < *m) {
            best = Some((n, Access::Index(index)));
        }
    }
    let access = match best {
        Some((n, access)) if n <= budget => access,
        _ => Access::Walk,
    };
    Ok(Plan { access, budget })
}

/// Walks up to `budget` rows along `walk`, counting matches up to `needed`.
/// Only a planned resource walks by force (`Access::Walk`).
pub async fn probe<R: ListTable, E: ListExec>(
    exec: &E,
    q: &ListQuery<'_, R>,
    walk: Walk<'_>,
    budget: u64,
    needed: u64,
) -> Result<Probe> {
    let Some(planning) = R::sqlite_planning().filter(|_| exec.plans()) else {
        return Ok(Probe::Spent);
    };
    let (sql, args) = list_plan::hits_sql(q, &planning, walk, budget, needed);
    if count(exec, sql, args).await? >= needed {
        return Ok(Probe::Reached);
    }
    let (sql, args) = list_plan::window_len_sql(q, walk, budget);
    if count(exec, sql, args).await? < budget {
        return Ok(Probe::Ended);
    }
    Ok(Probe::Spent)
}

/// Tenants of at most this many pages of rows are walked whole: no
/// candidate is counted for them.
const SMALL_TENANT_PAGES: u64 = 16;

/// `Some(size)` when a tenant of `size` rows is small enough to walk whole
/// for pages of `limit`: reading it costs less than counting candidates.
pub fn small_tenant(limit: u32, size: i64) -> Option<u64> {
    let size = u64::try_from(size).unwrap_or(0);
    (size <= SMALL_TENANT_PAGES * (u64::from(limit) + 1)).then_some(size)
}
