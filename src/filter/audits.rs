//! The filter schema of the audit log (contract §10): the attributes an
//! audit list's `filter` may name (`type`, `subject`, `actor.sub`, `time`,
//! `traceid`; `traceid` is absent from the events of commands).

use super::attribute::{Attribute, ValueKind};

/// A filterable attribute of an audit event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAttr {
    Type,
    Subject,
    ActorSub,
    Time,
    TraceId,
}

impl Attribute for AuditAttr {
    const ALL: &'static [AuditAttr] = &[
        AuditAttr::Type,
        AuditAttr::Subject,
        AuditAttr::ActorSub,
        AuditAttr::Time,
        AuditAttr::TraceId,
    ];

    fn name(self) -> &'static str {
        match self {
            AuditAttr::Type => "type",
            AuditAttr::Subject => "subject",
            AuditAttr::ActorSub => "actor.sub",
            AuditAttr::Time => "time",
            AuditAttr::TraceId => "traceid",
        }
    }

    fn kind(self) -> ValueKind {
        match self {
            AuditAttr::Time => ValueKind::Timestamp,
            _ => ValueKind::Text,
        }
    }

    /// Events of `registrar` commands have no trace id.
    fn optional(self) -> bool {
        self == AuditAttr::TraceId
    }
}
