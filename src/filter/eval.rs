//! In-memory evaluation of a [`Filter`] against one client record.
//!
//! This is the reference semantics: the SQL translation must select exactly
//! the records for which [`matches()`] returns `true`.

use super::ast::{Attr, CompareOp, Filter, Operand};

/// The filterable fields of one client, borrowed from wherever it lives.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    pub client_id: &'a str,
    pub client_name: &'a str,
    pub app_type: &'a str,
    /// Creation instant in microseconds since the Unix epoch (UTC).
    pub created_at_us: i64,
    /// Last update instant in microseconds since the Unix epoch (UTC).
    pub updated_at_us: i64,
}

/// Tells whether `record` satisfies `filter`.
///
/// Hand-built ASTs that the parser would never produce (a string operand on
/// a timestamp attribute or the reverse, a substring operator on an instant)
/// compare as `false`; the SQL translation does the same.
#[must_use]
pub fn matches(filter: &Filter, record: &Record<'_>) -> bool {
    match filter {
        Filter::Or(left, right) => matches(left, record) || matches(right, record),
        Filter::And(left, right) => matches(left, record) && matches(right, record),
        Filter::Not(inner) => !matches(inner, record),
        // Every attribute of a client always has a value.
        Filter::Present(_) => true,
        Filter::Compare { attr, op, value } => compare(*attr, *op, value, record),
    }
}

fn compare(attr: Attr, op: CompareOp, value: &Operand, record: &Record<'_>) -> bool {
    let text = match attr {
        Attr::ClientId => record.client_id,
        Attr::ClientName => record.client_name,
        Attr::AppType => record.app_type,
        Attr::CreatedAt => return compare_instant(op, value, record.created_at_us),
        Attr::UpdatedAt => return compare_instant(op, value, record.updated_at_us),
    };
    let Operand::Text(operand) = value else {
        return false;
    };
    // The parser already lowercases operands; lowercasing again (which is
    // idempotent) keeps hand-built ASTs consistent with the SQL translation.
    let operand = operand.to_lowercase();
    let actual = text.to_lowercase();
    match op {
        CompareOp::Eq => actual == operand,
        CompareOp::Ne => actual != operand,
        CompareOp::Co => actual.contains(&operand),
        CompareOp::Sw => actual.starts_with(&operand),
        CompareOp::Ew => actual.ends_with(&operand),
        CompareOp::Gt => actual > operand,
        CompareOp::Ge => actual >= operand,
        CompareOp::Lt => actual < operand,
        CompareOp::Le => actual <= operand,
    }
}

/// Compares a stored instant (µs) with an operand instant (ns) exactly; the
/// product cannot overflow in `i128`.
fn compare_instant(op: CompareOp, value: &Operand, actual_us: i64) -> bool {
    let Operand::Time(operand) = value else {
        return false;
    };
    let actual = i128::from(actual_us) * 1000;
    match op {
        CompareOp::Eq => actual == *operand,
        CompareOp::Ne => actual != *operand,
        CompareOp::Gt => actual > *operand,
        CompareOp::Ge => actual >= *operand,
        CompareOp::Lt => actual < *operand,
        CompareOp::Le => actual <= *operand,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}
