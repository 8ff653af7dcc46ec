//! The origin of a management API change, as its audit event records it:
//! the caller (`actor`), the request id (`traceid`, the `x-request-id` the
//! answer carries) and the URL of the API collection (`source`).

use crate::domain::audit::Origin;
use crate::http::{ApiError, Caller, RequestId};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// Extracts the [`Origin`] of a request that `api::auth` let through.
pub struct RequestOrigin(pub Origin);

/// The collection a management path belongs to: its first three segments
/// (`/api/core/oauth-clients/{id}/…` → `/api/core/oauth-clients`).
fn collection(path: &str) -> &str {
    let end = path
        .match_indices('/')
        .nth(3)
        .map_or(path.len(), |(i, _)| i);
    &path[..end]
}

impl FromRequestParts<AppState> for RequestOrigin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = parts.extensions.get::<Caller>().ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!(
                "no authenticated caller for an audited change"
            ))
        })?;
        let trace = parts
            .extensions
            .get::<RequestId>()
            .map_or_else(String::new, |id| id.as_str().to_owned());
        let source = format!(
            "{}{}",
            state.settings.public_url,
            collection(parts.uri.path())
        );
        Ok(RequestOrigin(Origin::request(
            &caller.subject,
            caller.client.as_str(),
            &trace,
            source,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::collection;

    #[test]
    fn the_source_is_the_collection_of_the_path() {
        assert_eq!(
            collection("/api/core/oauth-clients/abc/client-secrets/x"),
            "/api/core/oauth-clients"
        );
        assert_eq!(collection("/api/core/users"), "/api/core/users");
    }
}
