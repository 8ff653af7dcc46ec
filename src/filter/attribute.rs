//! What the filter language needs to know of a listable resource: its
//! attributes (their names and the kind of value each holds), and how the
//! evaluator reads one record's values.
//!
//! Each resource has an enum of its attributes implementing [`Attribute`]
//! (the clients' is [`super::ClientAttr`]); the parser, the evaluator and the
//! SQL translation are generic over it.

use std::fmt::Debug;

/// The kind of value an attribute holds: it decides the operand a
/// comparison takes and the operators that apply.
///
/// A further kind (say, a keyword from a closed set, such as a user's
/// `status`) is a new variant here, handled where this enum is matched: the
/// parser's operand check, the evaluator and the SQL translation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A string, compared case-insensitively (both sides lowercased with
    /// `str::to_lowercase`); every operator applies.
    Text,
    /// An instant: records hold microseconds, operands are RFC 3339
    /// date-times read to the nanosecond; compared exactly, and the substring
    /// operators (`co`, `sw`, `ew`) do not apply.
    Timestamp,
}

/// A filterable attribute of one resource, as the enum of a resource's
/// attributes implements it.
pub trait Attribute: Copy + Eq + Debug + Send + Sync + 'static {
    /// Every attribute, in the order error messages list them.
    const ALL: &'static [Self];

    /// The attribute's name in the API. A name may contain a dot (`actor.sub`)
    /// when the schema declares that sub-attribute; other sub-attributes and
    /// SCIM value paths are refused by the parser.
    fn name(self) -> &'static str;

    /// The kind of value the attribute holds.
    fn kind(self) -> ValueKind;

    /// Whether a record may lack a value for the attribute. Then `pr` is a
    /// real test, and every comparison with a missing value is false
    /// (`not (attr eq "x")` holds for a record without `attr`). Attributes
    /// are always present unless the schema says otherwise.
    fn optional(self) -> bool {
        false
    }

    /// Looks an attribute up by name, ignoring ASCII case as RFC 7644
    /// requires.
    #[must_use]
    fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|attr| attr.name().eq_ignore_ascii_case(name))
    }

    /// Whether the attribute holds an instant rather than a string.
    fn is_timestamp(self) -> bool {
        self.kind() == ValueKind::Timestamp
    }
}

/// One attribute's value in a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// Text as stored, in any case.
    Text(&'a str),
    /// An instant in microseconds since the Unix epoch (UTC).
    Timestamp(i64),
}

/// A record the evaluator can read: the value of each attribute of `A`,
/// `None` where the record has none (only for [`Attribute::optional`] ones).
pub trait Record<A: Attribute> {
    fn value(&self, attr: A) -> Option<Value<'_>>;
}
