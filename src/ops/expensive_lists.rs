//! The per-tenant cap of concurrent expensive list queries (issue 12 point
//! 6): at most `--max-expensive-lists-per-tenant` expensive lists
//! (`domain::list_query::ListQuery::is_expensive`) of one tenant run at once
//! in this process; one more waits a moment for a slot, then is answered 429
//! with `Retry-After`, so a tenant's heavy searches cannot take every
//! database connection or worker thread from the others. The count is per
//! process, like the rate limits: `N` instances allow `N` times the cap.
//! It applies on both backends: the list endpoint asks it before the store.

use crate::domain::ids::TenantId;
use crate::http::ApiError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a list waits for one of its tenant's slots before the 429: a
/// burst of searches queues for a moment; a tenant whose searches hold every
/// slot for longer is told to come back.
const WAIT_FOR_A_SLOT: Duration = Duration::from_millis(250);

/// The cap and, per tenant with lists running or waiting, its slots.
#[derive(Debug, Default)]
pub struct ExpensiveLists {
    /// 0 disables the cap.
    max: usize,
    wait: Duration,
    tenants: Mutex<HashMap<TenantId, Arc<Semaphore>>>,
}

/// One running expensive list: its slot is freed when this is dropped.
#[derive(Debug)]
pub struct ListPermit<'a> {
    lists: &'a ExpensiveLists,
    tenant: TenantId,
    permit: Option<OwnedSemaphorePermit>,
}

impl ExpensiveLists {
    pub fn new(max: usize) -> ExpensiveLists {
        ExpensiveLists::waiting(max, WAIT_FOR_A_SLOT)
    }

    fn waiting(max: usize, wait: Duration) -> ExpensiveLists {
        ExpensiveLists {
            max,
            wait,
            tenants: Mutex::default(),
        }
    }

    /// A slot for one more expensive list of `tenant` (none needed when the
    /// cap is off), waiting a moment for one; the 429 when the tenant's
    /// `max` lists still run after that.
    pub async fn start(&self, tenant: &TenantId) -> Result<Option<ListPermit<'_>>, ApiError> {
        if self.max == 0 {
            return Ok(None);
        }
        let slots = {
            let mut tenants = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
            let slots = tenants.entry(tenant.clone());
            slots
                .or_insert_with(|| Arc::new(Semaphore::new(self.max)))
                .clone()
        };
        let acquired = tokio::time::timeout(self.wait, slots.acquire_owned()).await;
        match acquired {
            Ok(Ok(permit)) => Ok(Some(ListPermit {
                lists: self,
                tenant: tenant.clone(),
                permit: Some(permit),
            })),
            _ => {
                self.forget_if_idle(tenant);
                Err(ApiError::ExpensiveLists(self.max))
            }
        }
    }

    /// Drops the tenant's slots when no list holds or awaits one (each of
    /// those holds a reference), so idle tenants cost nothing.
    fn forget_if_idle(&self, tenant: &TenantId) {
        let mut tenants = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
        if tenants
            .get(tenant)
            .is_some_and(|s| Arc::strong_count(s) == 1)
        {
            tenants.remove(tenant);
        }
    }
}

impl Drop for ListPermit<'_> {
    fn drop(&mut self) {
        drop(self.permit.take());
        self.lists.forget_if_idle(&self.tenant);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_tenant_runs_at_most_max_waits_a_moment_and_slots_come_back() {
        let lists = ExpensiveLists::waiting(2, Duration::from_millis(30));
        let (a, b) = (TenantId::from_trusted("a"), TenantId::from_trusted("b"));
        let first = lists.start(&a).await.unwrap();
        let second = lists.start(&a).await.unwrap();
        assert!(matches!(
            lists.start(&a).await,
            Err(ApiError::ExpensiveLists(2))
        ));
        assert!(
            lists.start(&b).await.unwrap().is_some(),
            "another tenant's own slots"
        );
        // A list that waits gets the slot freed meanwhile.
        let (third, ()) = tokio::join!(lists.start(&a), async {
            tokio::time::sleep(Duration::from_millis(5)).await;
            drop(first);
        });
        let third = third.unwrap();
        assert!(third.is_some(), "a freed slot goes to the waiter");
        drop(second);
        assert!(
            lists.tenants.lock().unwrap().contains_key(&a),
            "one still runs"
        );
        drop(third);
        assert!(lists.tenants.lock().unwrap().is_empty(), "nothing kept");
        assert!(
            ExpensiveLists::new(0).start(&a).await.unwrap().is_none(),
            "0 disables"
        );
    }
}
