//! SQLite's list plans remembered for a while (issue 17, point 2): choosing
//! a filtered page's road costs counting statements (the tenant's size, each
//! indexed condition's candidates up to a budget: 370 µs for `clientName sw
//! "x"` on a million clients), and every page of one walk, and every admin
//! opening the same filtered list, asks the same question again. A plan only
//! decides how the rows are read, never which rows: one that went stale
//! costs time, not a wrong answer. Each store keeps its own, for [`TTL`], at
//! most [`CAPACITY`] at once.

use super::list_sql::Plan;
use super::list_table::ListTable;
use crate::domain::list_query::ListQuery;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a plan is used: the counts behind it change with the tenant's
/// clients, which seconds rarely change enough to choose another road.
pub const TTL: Duration = Duration::from_secs(30);

/// Plans kept at once; all are dropped when it is reached.
pub const CAPACITY: usize = 4096;

/// The plans of one store, by query (see [`key`]).
#[derive(Default)]
pub struct PlanMemo {
    plans: Mutex<HashMap<String, (Plan, Instant)>>,
}

impl PlanMemo {
    /// The plan remembered for `key`, if it is younger than [`TTL`].
    pub fn get(&self, key: &str) -> Option<Plan> {
        let plans = self.plans.lock().ok()?;
        let (plan, at) = plans.get(key)?;
        (at.elapsed() < TTL).then(|| plan.clone())
    }

    pub fn put(&self, key: String, plan: Plan) {
        if let Ok(mut plans) = self.plans.lock() {
            if plans.len() >= CAPACITY {
                plans.clear();
            }
            plans.insert(key, (plan, Instant::now()));
        }
    }
}

/// What a plan depends on: the resource, the tenant, the filter, the sort
/// and the page size (not the page's position: no count reads it).
pub fn key<R: ListTable>(q: &ListQuery<'_, R>) -> String {
    format!(
        "{}\u{0}{}\u{0}{:?}\u{0}{}\u{0}{:?}",
        R::TABLE,
        q.tenant.as_str(),
        q.sort,
        q.limit,
        q.filter
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::client_list::ListedClient;
    use crate::domain::ids::TenantId;
    use crate::store::list_sql::Access;

    fn query<'a>(
        tenant: &'a TenantId,
        filter: &'a crate::filter::Filter<crate::filter::ClientAttr>,
    ) -> ListQuery<'a, ListedClient> {
        ListQuery::first_page(tenant, Some(filter))
    }

    #[test]
    fn plans_are_kept_per_tenant_and_filter() {
        let memo = PlanMemo::default();
        let (a, b) = (TenantId::from_trusted("a"), TenantId::from_trusted("b"));
        let x = crate::filter::parse(r#"clientName sw "x""#).unwrap();
        let y = crate::filter::parse(r#"clientName sw "y""#).unwrap();
        let walk = Plan {
            access: Access::Walk,
            budget: 4584,
        };
        memo.put(key(&query(&a, &x)), walk.clone());
        assert_eq!(memo.get(&key(&query(&a, &x))), Some(walk));
        assert_eq!(memo.get(&key(&query(&b, &x))), None, "another tenant");
        assert_eq!(memo.get(&key(&query(&a, &y))), None, "another filter");
        let mut deeper = query(&a, &x);
        deeper.limit = 100;
        assert_eq!(memo.get(&key(&deeper)), None, "another page size");
    }

    #[test]
    fn the_memo_stays_within_its_capacity() {
        let memo = PlanMemo::default();
        for i in 0..=CAPACITY {
            memo.put(format!("k{i}"), Plan::default());
        }
        let kept = memo.plans.lock().unwrap().len();
        assert!((1..=CAPACITY).contains(&kept), "{kept}");
        assert!(memo.get(&format!("k{CAPACITY}")).is_some());
    }

    /// Answers every count with a million and counts the statements.
    struct Counting {
        memo: Option<PlanMemo>,
        statements: std::cell::Cell<usize>,
    }

    impl crate::store::list_exec::ListExec for Counting {
        fn plans(&self) -> bool {
            true
        }

        fn memo(&self) -> Option<&PlanMemo> {
            self.memo.as_ref()
        }

        async fn rows(
            &self,
            _: String,
            _: Vec<crate::store::filter_sql::SqlArg>,
            _: crate::store::list_exec::EachRow<'_>,
        ) -> crate::store::Result<()> {
            self.statements.set(self.statements.get() + 1);
            Ok(())
        }

        async fn scalar(
            &self,
            _: String,
            _: Vec<crate::store::filter_sql::SqlArg>,
        ) -> crate::store::Result<Option<i64>> {
            self.statements.set(self.statements.get() + 1);
            Ok(Some(1_000_000))
        }
    }

    #[tokio::test]
    async fn a_remembered_plan_costs_no_statement() {
        let tenant = TenantId::from_trusted("t");
        let filter = crate::filter::parse(r#"clientName sw "x" and appType eq "web""#).unwrap();
        let q = query(&tenant, &filter);
        for (memo, second) in [(Some(PlanMemo::default()), 0), (None, 3)] {
            let exec = Counting {
                memo,
                statements: Default::default(),
            };
            let first = crate::store::list_planner::plan_list(&exec, &q)
                .await
                .unwrap();
            // The tenant's size and both conditions' candidates.
            assert_eq!(exec.statements.get(), 3);
            assert_eq!(first.access, Access::Walk, "a million candidates each");
            let again = crate::store::list_planner::plan_list(&exec, &q)
                .await
                .unwrap();
            assert_eq!(again, first);
            assert_eq!(exec.statements.get(), 3 + second);
        }
    }
}
