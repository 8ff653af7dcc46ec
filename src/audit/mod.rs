//! The audit log's background work and its exits (contract §10): the
//! retention task, which deletes expired events in small batches; the
//! webhook delivery worker, which drains the outbox; and the export of
//! events as newline-delimited CloudEvents. Events themselves are written by
//! the store, in the transaction of each change; nothing here is on a
//! request's path.
//!
//! `app::serve` starts [`spawn`]; every instance runs both tasks, and the
//! store's leases keep two instances from delivering one event at once.

pub mod delivery;
pub mod export;
pub mod retention;
mod target;

use crate::store::Store;
use std::time::Duration;
use tokio::task::JoinHandle;

/// Default of `--audit-retention-days`.
pub const DEFAULT_RETENTION_DAYS: f64 = 365.0;

/// How the audit tasks behave.
#[derive(Debug, Clone)]
pub struct AuditSettings {
    /// How long events are kept; `None` keeps them forever.
    pub retention: Option<Duration>,
    /// Whether webhooks may be delivered to loopback and private addresses
    /// (`--allow-loopback-webhooks`, for tests and local receivers).
    pub allow_internal_webhooks: bool,
    /// Delay before the first retry of a failed delivery; each further
    /// retry waits twice as long, up to `retry_cap`.
    pub retry_initial: Duration,
    pub retry_cap: Duration,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            retention: retention_from_days(DEFAULT_RETENTION_DAYS),
            allow_internal_webhooks: false,
            retry_initial: Duration::from_secs(1),
            retry_cap: Duration::from_secs(600),
        }
    }
}

/// The retention of `--audit-retention-days` (fractions allowed); 0 (or
/// less, or not a number) keeps events forever.
pub fn retention_from_days(days: f64) -> Option<Duration> {
    (days > 0.0)
        .then(|| Duration::try_from_secs_f64(days * 86_400.0).ok())
        .flatten()
}

/// The audit tasks of one server; they stop when this is dropped.
pub struct Tasks(Vec<JoinHandle<()>>);

impl Drop for Tasks {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// Starts the retention task (unless events are kept forever) and the
/// delivery worker.
pub fn spawn(store: &Store, settings: &AuditSettings) -> Tasks {
    let mut tasks = vec![tokio::spawn(delivery::run(store.clone(), settings.clone()))];
    if let Some(retention) = settings.retention {
        tasks.push(tokio::spawn(retention::run(store.clone(), retention)));
    }
    Tasks(tasks)
}
