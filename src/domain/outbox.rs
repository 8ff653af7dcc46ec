//! The webhook outbox as the delivery worker sees it: a delivery it claimed,
//! and what it needs to send it.

use super::time::Timestamp;
use super::webhook::WebhookKey;

/// One outbox row a worker claimed (holds its lease under `claim`).
#[derive(Debug, Clone)]
pub struct Claimed {
    pub tenant: String,
    pub seq: i64,
    pub event_time: Timestamp,
    pub event_id: String,
    /// The event's subject (lowercased): deliveries of one subject keep
    /// their order.
    pub subject: String,
    /// Failed attempts so far.
    pub attempts: i64,
    /// The lease token the claim was taken under.
    pub claim: String,
}

/// Where and what to deliver for a claimed row.
#[derive(Debug)]
pub struct Target {
    pub url: String,
    pub key: WebhookKey,
    /// The CloudEvent; `None` when retention removed the event before it
    /// could be delivered (the row is then dropped).
    pub event: Option<String>,
}
