//! `GET /api/core/audits` (contract §10): the caller's tenant's audit
//! events, newest first, on the shared list endpoint (`list.rs`): filter over
//! `type`, `subject`, `actor.sub`, `time` and `traceid`, keyset pages,
//! cursors bound to this list, `totalResults`. Scope `audits:read`.

use super::list::{self, ListEndpoint};
use crate::domain::audit_list::ListedEvent;
use crate::http::{ApiError, Caller};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::response::Response;

/// The list's path.
pub const PATH: &str = "/api/core/audits";

impl ListEndpoint for ListedEvent {
    const PATH: &'static str = PATH;
    const CURSOR_LABEL: &'static str = "audits-v1";
    /// The CloudEvent exactly as recorded.
    fn write_item(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        serde_json::to_writer(out, &self.event)
    }
}

pub async fn list_audits(
    State(state): State<AppState>,
    caller: axum::Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    list::list::<ListedEvent>(&state, &caller, raw.as_deref()).await
}
