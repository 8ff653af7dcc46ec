//! SCIM filter expressions (RFC 7644 §3.4.2.2) for the list endpoints.
//!
//! The `filter` query parameter of a list endpoint is parsed here into our
//! own [`Filter`] AST over the attributes of that resource: each listable
//! resource has an enum of its attributes implementing [`Attribute`] (the
//! clients' is [`ClientAttr`], in `clients.rs`; the users' [`UserAttr`], in
//! `users.rs`; the audit log's [`AuditAttr`], in `audits.rs`).  The parser
//! reports every fault as a [`FilterError`] carrying the byte offset of the
//! offending token, so the HTTP layer can answer 400 with a precise position.
//! The in-memory evaluator [`matches()`] defines the semantics; the SQL translation in
//! `crate::store::filter_sql` is tested against it.
//!
//! This module deliberately knows nothing about HTTP or SQL.

mod ast;
mod attribute;
mod audits;
mod clients;
mod eval;
mod lexer;
mod parser;
mod users;

#[cfg(test)]
mod proptests;
#[cfg(test)]
pub(crate) mod strategy;
#[cfg(test)]
pub(crate) mod test_schema;
#[cfg(test)]
mod tests;

pub use ast::{CompareOp, Filter, Operand};
pub use attribute::{Attribute, Record, Value, ValueKind};
pub use audits::AuditAttr;
pub use clients::{ClientAttr, ClientFields};
pub use eval::matches;
pub use parser::parse;
pub use users::{UserAttr, UserFields};

/// Longest accepted filter, counted in characters (not bytes).
///
/// Longer input is rejected before any parsing happens so that hostile input
/// cannot make the parser do unbounded work.
pub const MAX_LEN: usize = 1024;

/// Deepest accepted nesting of `( … )` and `not ( … )` groups.
///
/// The parser recurses once per group, so this bound also bounds its stack
/// usage and the depth of the resulting AST's groups.
pub const MAX_DEPTH: usize = 16;

/// A syntax or validation error in a filter expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at position {position}")]
pub struct FilterError {
    /// 0-based byte offset into the input of the fault; always on a char
    /// boundary and never greater than the input length.
    pub position: usize,
    /// Human readable description of what went wrong and what was expected.
    pub message: String,
}

impl FilterError {
    pub(crate) fn new(position: usize, message: impl Into<String>) -> Self {
        Self {
            position,
            message: message.into(),
        }
    }
}
