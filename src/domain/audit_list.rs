//! The audit log as a listable resource (contract §10): an event as a list
//! page holds it, and its one order, newest first (`-time`, ties by event
//! id). The filter attributes are `filter::AuditAttr`.

use super::list_query::{Listing, Sort, SortField, SortKey};
use super::time::Timestamp;
use crate::filter::AuditAttr;
use serde_json::Value;

/// One stored event: its id and time (its place in the order) and the
/// CloudEvent as recorded.
#[derive(Debug, Clone)]
pub struct ListedEvent {
    pub id: String,
    pub time: Timestamp,
    pub event: Value,
}

/// The audit log's one sort field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditSort {
    Time,
}

impl SortField for AuditSort {
    const ALL: &'static [AuditSort] = &[AuditSort::Time];
    const DEFAULT: Sort<AuditSort> = Sort {
        field: AuditSort::Time,
        descending: true,
    };

    fn wire_name(self) -> &'static str {
        "time"
    }

    /// Newest first only.
    fn allows(self, descending: bool) -> bool {
        descending
    }
}

impl Listing for ListedEvent {
    type Attr = AuditAttr;
    type Sort = AuditSort;

    fn row_id(&self) -> &str {
        &self.id
    }

    fn sort_key(&self, field: AuditSort) -> SortKey {
        match field {
            AuditSort::Time => SortKey::Int(self.time.micros()),
        }
    }
}
