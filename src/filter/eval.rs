//! In-memory evaluation of a [`Filter`] against one record.
//!
//! This is the reference semantics: the SQL translation must select exactly
//! the records for which [`matches()`] returns `true`.

use super::ast::{CompareOp, Filter, Operand};
use super::attribute::{Attribute, Record, Value, ValueKind};

/// Tells whether `record` satisfies `filter`.
///
/// A comparison with a value the record lacks is false, so `not` of it is
/// true. Hand-built ASTs that the parser would never produce (a string
/// operand on a timestamp attribute or the reverse, a substring operator on
/// an instant) compare as `false`; the SQL translation does the same.
#[must_use]
pub fn matches<A, R>(filter: &Filter<A>, record: &R) -> bool
where
    A: Attribute,
    R: Record<A> + ?Sized,
{
    match filter {
        Filter::Or(left, right) => matches(left, record) || matches(right, record),
        Filter::And(left, right) => matches(left, record) && matches(right, record),
        Filter::Not(inner) => !matches(inner, record),
        Filter::Present(attr) => record.value(*attr).is_some(),
        Filter::Compare { attr, op, value } => match (attr.kind(), record.value(*attr)) {
            (ValueKind::Text, Some(Value::Text(text))) => compare_text(*op, value, text),
            (ValueKind::Timestamp, Some(Value::Timestamp(us))) => compare_instant(*op, value, us),
            _ => false,
        },
    }
}

fn compare_text(op: CompareOp, value: &Operand, text: &str) -> bool {
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
