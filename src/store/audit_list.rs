//! The audit log as a listable table (migration 0007): the columns of its
//! filter attributes, its one order, and the row decoder. Every filter is a
//! range of an index ending in the order (`time`, `event_id`): the primary
//! key for `time` and no filter, `audit_events_by_*` for the others.

use super::list_table::{AttrColumn, Column, DbRow, ListTable};
use super::{Result, StoreError};
use crate::domain::audit_list::{AuditSort, ListedEvent};
use crate::domain::time::Timestamp;
use crate::filter::AuditAttr;

impl AttrColumn for AuditAttr {
    /// `type` is lowercase by construction; `subject`, `actor_sub` and
    /// `traceid` hold lowercased copies (`domain::audit::filter_key`);
    /// `traceid` is `NULL` for the events of commands.
    fn column(self) -> Column {
        match self {
            AuditAttr::Type => Column::Value("type"),
            AuditAttr::Subject => Column::LowercasedKey("subject"),
            AuditAttr::ActorSub => Column::LowercasedKey("actor_sub"),
            AuditAttr::Time => Column::Value("time"),
            AuditAttr::TraceId => Column::LowercasedKey("traceid"),
        }
    }
}

impl ListTable for ListedEvent {
    const TABLE: &'static str = "audit_events";
    const TENANT_COLUMN: &'static str = "tenant_id";
    const ID_COLUMN: &'static str = "event_id";
    const COLUMNS: &'static str = "event_id, time, event";

    fn sort_column(field: AuditSort) -> &'static str {
        match field {
            AuditSort::Time => "time",
        }
    }

    fn decode(row: &dyn DbRow) -> Result<ListedEvent> {
        let event = serde_json::from_str(&row.text("event")?)
            .map_err(|e| StoreError::Corrupt(format!("audit event: {e}")))?;
        Ok(ListedEvent {
            id: row.text("event_id")?,
            time: Timestamp::from_micros(row.int("time")?),
            event,
        })
    }
}
