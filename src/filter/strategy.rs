//! Proptest strategies shared by the filter tests and the SQL oracle test.
//!
//! Values are drawn from small alphabets on purpose: random filters then
//! actually match some records, and the awkward characters (`%`, `_`, `\`,
//! quotes, non-ASCII with case mappings) show up often.

use proptest::prelude::*;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use super::ast::{CompareOp, Filter, Operand};
use super::attribute::{Attribute, ValueKind};
use super::clients::ClientFields;

/// Characters used in names and string operands.
const CHARS: &[char] = &[
    'a', 'A', 'b', 'B', 'z', '%', '_', '\\', '"', '\'', '/', ' ', 'é', 'É', 'ß', 'ẞ', 'Σ', 'σ',
    'İ', '😀', '\n',
];

/// 2023-11-14T22:13:20Z in microseconds; most generated instants sit close
/// to it so that equality and ordering comparisons hit both ways.
pub(crate) const BASE_US: i64 = 1_700_000_000_000_000;

/// A short string over [`CHARS`].
pub(crate) fn arb_text(max_len: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(CHARS), 0..=max_len)
        .prop_map(|chars| chars.into_iter().collect())
}

/// A stored timestamp in microseconds.
pub(crate) fn arb_micros() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => (0i64..6).prop_map(|d| BASE_US + d),
        1 => -62_000_000_000_000_000i64..253_000_000_000_000_000i64,
    ]
}

/// An operand instant in nanoseconds, often with sub-microsecond digits,
/// always within the years RFC 3339 can express.
pub(crate) fn arb_nanos() -> impl Strategy<Value = i128> {
    prop_oneof![
        3 => (-1500i128..7500).prop_map(|d| i128::from(BASE_US) * 1000 + d),
        1 => (-62_000_000_000_000_000i64..253_000_000_000_000_000i64)
            .prop_map(|us| i128::from(us) * 1000),
        1 => -62_000_000_000_000_000_000i128..253_000_000_000_000_000_000i128,
    ]
}

/// A client record as the store holds it: `client_id` and `app_type` are
/// lowercase, the name keeps its case (the store indexes its lowercase form).
#[derive(Debug, Clone)]
pub(crate) struct OwnedRecord {
    pub client_id: String,
    pub client_name: String,
    pub app_type: String,
    pub created_at_us: i64,
    pub updated_at_us: i64,
}

impl OwnedRecord {
    pub(crate) fn view(&self) -> ClientFields<'_> {
        ClientFields {
            client_id: &self.client_id,
            client_name: &self.client_name,
            app_type: &self.app_type,
            created_at_us: self.created_at_us,
            updated_at_us: self.updated_at_us,
        }
    }
}

pub(crate) fn arb_record() -> impl Strategy<Value = OwnedRecord> {
    let app_type = prop_oneof![
        prop::sample::select(vec!["web", "native", "spa"]).prop_map(String::from),
        arb_text(2).prop_map(|t| t.to_lowercase()),
    ];
    let lower = |t: String| t.to_lowercase();
    (
        arb_text(4).prop_map(lower),
        arb_text(6),
        app_type,
        arb_micros(),
        arb_micros(),
    )
        .prop_map(
            |(client_id, client_name, app_type, created_at_us, updated_at_us)| OwnedRecord {
                client_id,
                client_name,
                app_type,
                created_at_us,
                updated_at_us,
            },
        )
}

fn arb_attr<A: Attribute>() -> impl Strategy<Value = A> {
    prop::sample::select(A::ALL)
}

/// The attributes of `A` that hold values of `kind`.
fn attrs_of<A: Attribute>(kind: ValueKind) -> Vec<A> {
    A::ALL
        .iter()
        .copied()
        .filter(|attr| attr.kind() == kind)
        .collect()
}

/// A comparison or presence test of the kind the parser produces, over any
/// schema (a kind the schema lacks is never drawn).
pub(crate) fn arb_leaf<A: Attribute>() -> impl Strategy<Value = Filter<A>> {
    let time_ops: Vec<CompareOp> = CompareOp::ALL
        .into_iter()
        .filter(|op| !op.is_substring_match())
        .collect();
    let mut leaves: Vec<(u32, BoxedStrategy<Filter<A>>)> =
        vec![(1, arb_attr::<A>().prop_map(Filter::Present).boxed())];
    let text_attrs = attrs_of::<A>(ValueKind::Text);
    if !text_attrs.is_empty() {
        let ops = prop::sample::select(CompareOp::ALL.to_vec());
        let leaf =
            (prop::sample::select(text_attrs), ops, arb_text(3)).prop_map(|(attr, op, text)| {
                Filter::Compare {
                    attr,
                    op,
                    value: Operand::Text(text.to_lowercase()),
                }
            });
        leaves.push((4, leaf.boxed()));
    }
    let time_attrs = attrs_of::<A>(ValueKind::Timestamp);
    if !time_attrs.is_empty() {
        let ops = prop::sample::select(time_ops);
        let leaf =
            (prop::sample::select(time_attrs), ops, arb_nanos()).prop_map(|(attr, op, nanos)| {
                Filter::Compare {
                    attr,
                    op,
                    value: Operand::Time(nanos),
                }
            });
        leaves.push((3, leaf.boxed()));
    }
    prop::strategy::Union::new_weighted(leaves)
}

/// A comparison the parser never produces: any attribute, operator and
/// operand, including uppercase text and instants far outside RFC 3339.
pub(crate) fn arb_odd_leaf<A: Attribute>() -> impl Strategy<Value = Filter<A>> {
    let value = prop_oneof![
        arb_text(3).prop_map(Operand::Text),
        arb_nanos().prop_map(Operand::Time),
        any::<i128>().prop_map(Operand::Time),
    ];
    (
        arb_attr::<A>(),
        prop::sample::select(CompareOp::ALL.to_vec()),
        value,
    )
        .prop_map(|(attr, op, value)| Filter::Compare { attr, op, value })
}

/// A random filter with at most four levels of composite nodes, so that
/// its rendering stays far below the nesting limit.
pub(crate) fn arb_filter<A: Attribute>() -> impl Strategy<Value = Filter<A>> {
    arb_leaf::<A>().prop_recursive(4, 16, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Filter::Or(Box::new(l), Box::new(r))),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Filter::And(Box::new(l), Box::new(r))),
            inner.prop_map(|f| Filter::Not(Box::new(f))),
        ]
    })
}

/// A tiny deterministic generator so one proptest-chosen seed can drive all
/// the stylistic choices of [`render_noisy`].
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        // xorshift64*; the seed is forced odd so it never gets stuck at zero.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn chance(&mut self, one_in: u64) -> bool {
        self.next().is_multiple_of(one_in)
    }

    fn blank(&mut self) -> &'static str {
        [" ", " ", " ", "  ", "\t", " \n "][(self.next() % 6) as usize]
    }

    fn cased(&mut self, word: &str) -> String {
        word.chars()
            .map(|c| {
                if self.chance(2) {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    }
}

/// Renders `filter` as text that must parse back to `filter`, varying case,
/// blanks, redundant parentheses, string escapes and UTC offsets.
pub(crate) fn render_noisy<A: Attribute>(filter: &Filter<A>, seed: u64) -> String {
    let mut out = String::new();
    render(filter, &mut Noise(seed | 1), 0, 1, &mut out);
    out
}

fn render<A: Attribute>(
    filter: &Filter<A>,
    noise: &mut Noise,
    depth: usize,
    min_prec: u8,
    out: &mut String,
) {
    let prec = match filter {
        Filter::Or(..) => 1,
        Filter::And(..) => 2,
        _ => 3,
    };
    let wrap = prec < min_prec || (depth < 8 && noise.chance(8));
    let depth = depth + usize::from(wrap);
    if wrap {
        out.push('(');
        if noise.chance(3) {
            out.push_str(noise.blank());
        }
    }
    match filter {
        Filter::Or(l, r) | Filter::And(l, r) => {
            let (keyword, right_prec) = if prec == 1 { ("or", 2) } else { ("and", 3) };
            render(l, noise, depth, prec, out);
            out.push_str(noise.blank());
            out.push_str(&noise.cased(keyword));
            out.push_str(noise.blank());
            render(r, noise, depth, right_prec, out);
        }
        Filter::Not(inner) => {
            out.push_str(&noise.cased("not"));
            if noise.chance(2) {
                out.push_str(noise.blank());
            }
            out.push('(');
            render(inner, noise, depth + 1, 1, out);
            out.push(')');
        }
        Filter::Present(attr) => {
            out.push_str(&noise.cased(attr.name()));
            out.push_str(noise.blank());
            out.push_str(&noise.cased("pr"));
        }
        Filter::Compare { attr, op, value } => {
            out.push_str(&noise.cased(attr.name()));
            out.push_str(noise.blank());
            out.push_str(&noise.cased(op.keyword()));
            out.push_str(noise.blank());
            match value {
                Operand::Text(text) => render_string(&upcase_some(text, noise), noise, out),
                Operand::Time(nanos) => render_string(&render_instant(*nanos, noise), noise, out),
            }
        }
    }
    if wrap {
        if noise.chance(3) {
            out.push_str(noise.blank());
        }
        out.push(')');
    }
}

/// Uppercases some ASCII letters; the parser must lowercase them again.
fn upcase_some(text: &str, noise: &mut Noise) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_lowercase() && noise.chance(2) {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

/// Writes an instant in a random UTC offset (RFC 3339 allows any).
fn render_instant(nanos: i128, noise: &mut Noise) -> String {
    let hours = (noise.next() % 47) as i8 - 23;
    let minutes = if hours < 0 { -30 } else { 30 };
    let shifted = OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .zip(UtcOffset::from_hms(hours, minutes, 0).ok())
        .and_then(|(instant, offset)| instant.checked_to_offset(offset))
        .and_then(|instant| instant.format(&Rfc3339).ok());
    shifted.unwrap_or_else(|| super::ast::format_instant(nanos))
}

/// Writes a JSON string, escaping characters in randomly chosen ways.
fn render_string(text: &str, noise: &mut Noise, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        let must_escape = matches!(c, '"' | '\\') || u32::from(c) < 0x20;
        if !must_escape && !noise.chance(4) {
            out.push(c);
            continue;
        }
        match c {
            '"' if noise.chance(2) => out.push_str("\\\""),
            '\\' if noise.chance(2) => out.push_str("\\\\"),
            '/' if noise.chance(2) => out.push_str("\\/"),
            '\n' if noise.chance(2) => out.push_str("\\n"),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let hex = format!("{unit:04x}");
                    let hex = if noise.chance(2) {
                        hex.to_ascii_uppercase()
                    } else {
                        hex
                    };
                    out.push_str("\\u");
                    out.push_str(&hex);
                }
            }
        }
    }
    out.push('"');
}
