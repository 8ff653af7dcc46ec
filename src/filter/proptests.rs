//! Property tests of the parser, over the clients' schema and the test-only
//! event schema (with a dotted attribute): it never panics and reports sane
//! error positions on arbitrary input, and rendered ASTs parse back
//! unchanged.

use proptest::prelude::*;

use super::strategy::{arb_filter, render_noisy};
use super::test_schema::EventAttr;
use super::{Attribute, ClientAttr, MAX_LEN, parse};

/// Pieces that random filter-ish inputs are assembled from.
#[rustfmt::skip]
const TOKENS: &[&str] = &[
    "clientId", "clientName", "appType", "createdAt", "updatedAt", "CLIENTID", "foo",
    "eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr", "and", "or", "not", "AND",
    "(", ")", "[", "]", "\"", "\"x\"", "\"2024-05-01T12:00:00Z\"", "\"\\u00e9\"",
    "\"\\ud83d\\ude00\"", "\\", "\\u", "\\ud83d", " ", " ", " ", "\t", "é", "😀",
    "true", "42", ".", ":", "actor.sub", "actor", "sub", "time", "traceid", "Actor.Sub.x",
];

fn assert_error_position_sane(input: &str) -> Result<(), TestCaseError> {
    error_position_sane::<ClientAttr>(input)?;
    error_position_sane::<EventAttr>(input)
}

fn error_position_sane<A: Attribute>(input: &str) -> Result<(), TestCaseError> {
    if let Err(err) = parse::<A>(input) {
        prop_assert!(err.position <= input.len(), "{err} for {input:?}");
        prop_assert!(input.is_char_boundary(err.position), "{err} for {input:?}");
        prop_assert!(err.message.contains("expected"), "{err} for {input:?}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn never_panics_on_arbitrary_text(input in any::<String>()) {
        assert_error_position_sane(&input)?;
    }

    #[test]
    fn never_panics_on_token_soup(
        tokens in prop::collection::vec(prop::sample::select(TOKENS), 0..60),
        glue in prop::collection::vec(prop::bool::ANY, 60),
    ) {
        let mut input = String::new();
        for (token, space) in tokens.iter().zip(glue) {
            input.push_str(token);
            if space {
                input.push(' ');
            }
        }
        assert_error_position_sane(&input)?;
    }

    #[test]
    fn canonical_rendering_round_trips(filter in arb_filter::<ClientAttr>()) {
        let text = filter.to_string();
        prop_assume!(text.chars().count() <= MAX_LEN);
        prop_assert_eq!(parse(&text), Ok(filter), "text: {}", text);
    }

    #[test]
    fn noisy_rendering_round_trips(filter in arb_filter::<ClientAttr>(), seed in any::<u64>()) {
        let text = render_noisy(&filter, seed);
        prop_assume!(text.chars().count() <= MAX_LEN);
        prop_assert_eq!(parse(&text), Ok(filter), "text: {}", text);
    }

    #[test]
    fn event_schema_renderings_round_trip(filter in arb_filter::<EventAttr>(), seed in any::<u64>()) {
        for text in [filter.to_string(), render_noisy(&filter, seed)] {
            prop_assume!(text.chars().count() <= MAX_LEN);
            prop_assert_eq!(parse(&text), Ok(filter.clone()), "text: {}", text);
        }
    }
}
