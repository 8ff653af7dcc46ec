//! libFuzzer target for the SCIM filter parser, the one parser that takes
//! arbitrary text from every caller of the list endpoint.
//!
//! Beyond "never panics" it checks the parser's contract on every input: an
//! error's position is a char boundary within the input and its message says
//! what was expected; an accepted filter renders to text that parses back to
//! the same AST; evaluating it never panics. Every input is parsed with every
//! schema: each listable resource's (`filter::ClientAttr`, …) and `Event`
//! below, which has a dotted attribute and an optional one as the audit
//! log's will; a new resource's schema gets a line in `fuzz_target!`.
//!
//! The filter module is compiled straight from `src/filter` rather than by
//! depending on the `oauth-registrar` crate, so this build needs only the
//! filter's own two dependencies instead of the whole server (sqlx, aws-lc,
//! …) rebuilt with coverage instrumentation. `.ci/run` builds and runs it for
//! a bounded time; see `fuzz-filter/README.md`.
#![no_main]

// The server uses the whole module; the fuzz target only part of it.
#[allow(dead_code, unused_imports)]
#[path = "../../src/filter/mod.rs"]
mod filter;

use filter::{Attribute, ClientAttr, ClientFields, MAX_LEN, Record, Value, ValueKind};
use filter::{matches, parse};

/// A client for the evaluator; its values do not matter, only that
/// evaluation terminates without panicking.
const CLIENT: ClientFields<'static> = ClientFields {
    client_id: "abc123",
    client_name: "Fuzz Client É",
    app_type: "web",
    created_at_us: 1_700_000_000_000_000,
    updated_at_us: 1_700_000_000_000_001,
};

/// A schema shaped like the audit log's: a dotted attribute, a timestamp,
/// an optional attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EventAttr {
    Type,
    ActorSub,
    Time,
    TraceId,
}

impl Attribute for EventAttr {
    const ALL: &'static [Self] = &[Self::Type, Self::ActorSub, Self::Time, Self::TraceId];

    fn name(self) -> &'static str {
        match self {
            Self::Type => "type",
            Self::ActorSub => "actor.sub",
            Self::Time => "time",
            Self::TraceId => "traceid",
        }
    }

    fn kind(self) -> ValueKind {
        match self {
            Self::Time => ValueKind::Timestamp,
            _ => ValueKind::Text,
        }
    }

    fn optional(self) -> bool {
        self == Self::TraceId
    }
}

/// An event without a trace id.
struct Event;

impl Record<EventAttr> for Event {
    fn value(&self, attr: EventAttr) -> Option<Value<'_>> {
        match attr {
            EventAttr::Type => Some(Value::Text("com.registrar.user.created")),
            EventAttr::ActorSub => Some(Value::Text("Admin É")),
            EventAttr::Time => Some(Value::Timestamp(1_700_000_000_000_000)),
            EventAttr::TraceId => None,
        }
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // The HTTP layer hands the parser UTF-8 text only.
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    check::<ClientAttr>(input, &CLIENT);
    check::<EventAttr>(input, &Event);
});

fn check<A: Attribute>(input: &str, record: &impl Record<A>) {
    match parse::<A>(input) {
        Err(err) => {
            assert!(err.position <= input.len(), "{err} for {input:?}");
            assert!(input.is_char_boundary(err.position), "{err} for {input:?}");
            assert!(err.message.contains("expected"), "{err} for {input:?}");
        }
        Ok(parsed) => {
            let _ = matches(&parsed, record);
            let text = parsed.to_string();
            // Canonical text can be longer than the input (added spaces and
            // parentheses), so it may exceed the limit the input met.
            if text.chars().count() <= MAX_LEN {
                assert_eq!(parse(&text).as_ref(), Ok(&parsed), "{input:?} rendered as {text:?}");
            }
        }
    }
}
