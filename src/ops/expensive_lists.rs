//! The per-tenant cap of concurrent expensive list queries (issue 12 point
//! 6): at most `--max-expensive-lists-per-tenant` expensive lists
//! (`domain::list_query::ListQuery::is_expensive`) of one tenant run at once
//! in this process; one more is answered 429 at once, with `Retry-After`,
//! rather than queued, so a tenant's heavy searches cannot take every
//! database connection or worker thread from the others. The count is per
//! process, like the rate limits: `N` instances allow `N` times the cap.
//! It applies on both backends: the list endpoint asks it before the store.

use crate::domain::ids::TenantId;
use crate::http::ApiError;
use std::collections::HashMap;
use std::sync::Mutex;

/// The cap and, per tenant with lists running, how many run.
#[derive(Debug, Default)]
pub struct ExpensiveLists {
    /// 0 disables the cap.
    max: usize,
    running: Mutex<HashMap<TenantId, usize>>,
}

/// One running expensive list: its slot is freed when this is dropped.
#[derive(Debug)]
pub struct ListPermit<'a> {
    lists: &'a ExpensiveLists,
    tenant: TenantId,
}

impl ExpensiveLists {
    pub fn new(max: usize) -> ExpensiveLists {
        ExpensiveLists {
            max,
            running: Mutex::default(),
        }
    }

    /// A slot for one more expensive list of `tenant` (none needed when the
    /// cap is off), or the 429 when the tenant already runs `max`.
    pub fn start(&self, tenant: &TenantId) -> Result<Option<ListPermit<'_>>, ApiError> {
        if self.max == 0 {
            return Ok(None);
        }
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        let count = running.entry(tenant.clone()).or_insert(0);
        if *count >= self.max {
            return Err(ApiError::ExpensiveLists(self.max));
        }
        *count += 1;
        Ok(Some(ListPermit {
            lists: self,
            tenant: tenant.clone(),
        }))
    }
}

impl Drop for ListPermit<'_> {
    fn drop(&mut self) {
        let mut running = self.lists.running.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = running.get_mut(&self.tenant) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                running.remove(&self.tenant);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_tenant_runs_at_most_max_and_slots_come_back() {
        let lists = ExpensiveLists::new(2);
        let (a, b) = (TenantId::from_trusted("a"), TenantId::from_trusted("b"));
        let first = lists.start(&a).unwrap();
        let second = lists.start(&a).unwrap();
        assert!(matches!(lists.start(&a), Err(ApiError::ExpensiveLists(2))));
        assert!(
            lists.start(&b).unwrap().is_some(),
            "another tenant's own slots"
        );
        drop(first);
        let third = lists.start(&a).unwrap();
        drop((second, third));
        assert!(lists.running.lock().unwrap().is_empty(), "nothing kept");
        assert!(
            ExpensiveLists::new(0).start(&a).unwrap().is_none(),
            "0 disables"
        );
    }
}
