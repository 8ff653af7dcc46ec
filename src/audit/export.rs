//! `registrar audits export`: events as newline-delimited CloudEvents,
//! straight from the database, each exactly as it was recorded. A tenant's
//! events come in time order (ties by id); without a tenant, the
//! server-wide events come first, then each tenant's in turn.

use crate::domain::time::Timestamp;
use crate::store::{SERVER_TENANT, Store, StoreError};
use std::io::Write;

/// Events read per statement.
const PAGE: i64 = 1000;
/// Tenants read per statement.
const TENANT_PAGE: i64 = 1000;

/// What to export.
pub struct Selection<'a> {
    /// Events at or after this instant.
    pub since: Timestamp,
    /// One tenant's events, or (`None`) every event.
    pub tenant: Option<&'a str>,
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the output: {0}")]
    Write(#[from] std::io::Error),
}

/// Writes the selected events to `out`, one JSON object per line; returns
/// how many.
pub async fn export(
    store: &Store,
    selection: &Selection<'_>,
    out: &mut impl Write,
) -> Result<u64, ExportError> {
    if let Some(tenant) = selection.tenant {
        return export_tenant(store, tenant, selection.since, out).await;
    }
    let mut total = export_tenant(store, SERVER_TENANT, selection.since, out).await?;
    let mut after = String::new();
    loop {
        let tenants = store.tenants_after(&after, TENANT_PAGE).await?;
        for tenant in &tenants {
            total += export_tenant(store, tenant, selection.since, out).await?;
        }
        match tenants.last() {
            Some(last) if tenants.len() as i64 == TENANT_PAGE => after.clone_from(last),
            _ => return Ok(total),
        }
    }
}

async fn export_tenant(
    store: &Store,
    tenant: &str,
    since: Timestamp,
    out: &mut impl Write,
) -> Result<u64, ExportError> {
    // Every event id is longer than "", so the position (since, "") takes
    // the events at `since` too.
    let mut position = (since, String::new());
    let mut total = 0;
    loop {
        let page = store
            .events_after(tenant, (position.0, &position.1), PAGE)
            .await?;
        for (_, _, event) in &page {
            out.write_all(event.as_bytes())?;
            out.write_all(b"\n")?;
        }
        total += page.len() as u64;
        let full = page.len() as i64 == PAGE;
        match page.into_iter().last() {
            Some((time, id, _)) if full => position = (time, id),
            _ => {
                out.flush()?;
                return Ok(total);
            }
        }
    }
}
