//! The filter AST and its canonical text rendering.
//!
//! The `Display` implementation of [`Filter`] produces filter text that
//! [`super::parse`] turns back into an equal AST, which makes it usable for
//! logging and for carrying a filter inside pagination links.

use std::fmt::{self, Write as _};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::attribute::Attribute;

/// A binary comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    /// Every comparison operator, in the order they are listed in errors.
    pub const ALL: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ];

    /// The operator's keyword in canonical (lower) case.
    #[must_use]
    pub fn keyword(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    /// Looks an operator up by keyword, ignoring ASCII case.
    #[must_use]
    pub fn from_keyword(word: &str) -> Option<CompareOp> {
        CompareOp::ALL
            .into_iter()
            .find(|op| op.keyword().eq_ignore_ascii_case(word))
    }

    /// Whether the operator is a substring match, which makes no sense for
    /// instants and is therefore rejected on timestamp attributes.
    #[must_use]
    pub fn is_substring_match(self) -> bool {
        matches!(self, CompareOp::Co | CompareOp::Sw | CompareOp::Ew)
    }
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    /// A string, already lowercased with `str::to_lowercase` so that
    /// comparisons are case-insensitive.
    Text(String),
    /// An instant in nanoseconds since the Unix epoch (UTC).
    Time(i128),
}

/// A parsed filter expression over the attributes `A` of one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter<A> {
    Or(Box<Filter<A>>, Box<Filter<A>>),
    And(Box<Filter<A>>, Box<Filter<A>>),
    Not(Box<Filter<A>>),
    Present(A),
    Compare {
        attr: A,
        op: CompareOp,
        value: Operand,
    },
}

impl<A: Attribute> std::str::FromStr for Filter<A> {
    type Err = super::FilterError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        super::parse(s)
    }
}

/// Binding strength used to decide where the renderer needs parentheses.
const PREC_OR: u8 = 1;
const PREC_AND: u8 = 2;
const PREC_ATOM: u8 = 3;

fn precedence<A>(filter: &Filter<A>) -> u8 {
    match filter {
        Filter::Or(..) => PREC_OR,
        Filter::And(..) => PREC_AND,
        Filter::Not(_) | Filter::Present(_) | Filter::Compare { .. } => PREC_ATOM,
    }
}

/// Writes `filter`, parenthesised if it binds more loosely than `min_prec`.
///
/// Both `and` and `or` are left-associative in the grammar, so a right
/// operand of the same precedence needs parentheses to keep its shape.
fn write_filter<A: Attribute>(
    f: &mut fmt::Formatter<'_>,
    filter: &Filter<A>,
    min_prec: u8,
) -> fmt::Result {
    let wrap = precedence(filter) < min_prec;
    if wrap {
        f.write_char('(')?;
    }
    match filter {
        Filter::Or(left, right) => {
            write_filter(f, left, PREC_OR)?;
            f.write_str(" or ")?;
            write_filter(f, right, PREC_AND)?;
        }
        Filter::And(left, right) => {
            write_filter(f, left, PREC_AND)?;
            f.write_str(" and ")?;
            write_filter(f, right, PREC_ATOM)?;
        }
        Filter::Not(inner) => {
            f.write_str("not (")?;
            write_filter(f, inner, PREC_OR)?;
            f.write_char(')')?;
        }
        Filter::Present(attr) => write!(f, "{} pr", attr.name())?,
        Filter::Compare { attr, op, value } => {
            write!(f, "{} {} ", attr.name(), op.keyword())?;
            match value {
                Operand::Text(text) => write_json_string(f, text)?,
                Operand::Time(nanos) => write_json_string(f, &format_instant(*nanos))?,
            }
        }
    }
    if wrap {
        f.write_char(')')?;
    }
    Ok(())
}

/// Renders an instant as RFC 3339 in UTC with full sub-second precision.
///
/// Instants outside the years 0000–9999 cannot be written in RFC 3339; they
/// can only come from a hand-built AST, so the raw number is written instead
/// of failing the whole `Display` call.
pub(crate) fn format_instant(nanos: i128) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|instant| instant.format(&Rfc3339).ok())
        .unwrap_or_else(|| nanos.to_string())
}

/// Writes `text` as a JSON string literal, escaping only what JSON requires.
pub(crate) fn write_json_string(out: &mut impl fmt::Write, text: &str) -> fmt::Result {
    out.write_char('"')?;
    for c in text.chars() {
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            c if u32::from(c) < 0x20 => write!(out, "\\u{:04x}", u32::from(c))?,
            c => out.write_char(c)?,
        }
    }
    out.write_char('"')
}

impl<A: Attribute> fmt::Display for Filter<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_filter(f, self, PREC_OR)
    }
}
