//! Validated domain types and the rules a client must satisfy; what a list
//! query is, for any listable resource.
//!
//! Nothing here knows about HTTP or SQL: handlers turn wire input into these
//! types, and the store persists them.

pub mod audit;
pub mod audit_list;
pub mod authorize;
pub mod client;
pub mod client_list;
pub mod client_record;
pub mod client_view;
#[cfg(test)]
mod fuzz;
pub mod handles;
pub mod ids;
pub mod key_wrap;
pub mod list_query;
pub mod outbox;
pub mod password;
pub mod patch;
pub mod patch_plan;
pub mod pkce;
pub mod public_keys;
pub mod redirect;
pub mod scopes;
pub mod secret;
pub mod session;
pub mod signin_records;
pub mod signing_keys;
pub mod time;
pub mod token_liveness;
pub mod uris;
pub mod user;
pub mod user_lookup;
pub mod user_rules;
pub mod validate;
pub mod webhook;

/// A rule that an input value broke, with the field it belongs to.
///
/// `field` is a JSON-ish path such as `redirectUris[1]` so the error body's
/// `detail` can name exactly what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub field: String,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ValidationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for ValidationError {}
