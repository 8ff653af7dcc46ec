//! A second filter schema, for tests only: events shaped like the audit log's,
//! with a dotted attribute (`actor.sub`), a timestamp and an optional
//! attribute (`traceid`). It proves that the parser, the evaluator and the SQL
//! translation serve any schema, not only the clients'.

use proptest::prelude::*;

use super::attribute::{Attribute, Record, Value, ValueKind};
use super::strategy::{arb_micros, arb_text};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventAttr {
    Type,
    Subject,
    ActorSub,
    Time,
    TraceId,
}

impl Attribute for EventAttr {
    const ALL: &'static [EventAttr] = &[
        EventAttr::Type,
        EventAttr::Subject,
        EventAttr::ActorSub,
        EventAttr::Time,
        EventAttr::TraceId,
    ];

    fn name(self) -> &'static str {
        match self {
            EventAttr::Type => "type",
            EventAttr::Subject => "subject",
            EventAttr::ActorSub => "actor.sub",
            EventAttr::Time => "time",
            EventAttr::TraceId => "traceid",
        }
    }

    fn kind(self) -> ValueKind {
        match self {
            EventAttr::Time => ValueKind::Timestamp,
            _ => ValueKind::Text,
        }
    }

    fn optional(self) -> bool {
        self == EventAttr::TraceId
    }
}

/// One event as a store would hold it: text in any case (the store keeps a
/// lowercased key where it compares), `trace_id` absent for some.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub kind: String,
    pub subject: String,
    pub actor_sub: String,
    pub time_us: i64,
    pub trace_id: Option<String>,
}

impl Record<EventAttr> for Event {
    fn value(&self, attr: EventAttr) -> Option<Value<'_>> {
        match attr {
            EventAttr::Type => Some(Value::Text(&self.kind)),
            EventAttr::Subject => Some(Value::Text(&self.subject)),
            EventAttr::ActorSub => Some(Value::Text(&self.actor_sub)),
            EventAttr::Time => Some(Value::Timestamp(self.time_us)),
            EventAttr::TraceId => self.trace_id.as_deref().map(Value::Text),
        }
    }
}

pub(crate) fn arb_event() -> impl Strategy<Value = Event> {
    (
        arb_text(3),
        arb_text(4),
        arb_text(3),
        arb_micros(),
        prop::option::of(arb_text(3)),
    )
        .prop_map(|(kind, subject, actor_sub, time_us, trace_id)| Event {
            kind,
            subject,
            actor_sub,
            time_us,
            trace_id,
        })
}

use super::ast::{CompareOp, Filter, Operand};
use super::{FilterError, matches, parse};

fn parse_event(input: &str) -> Result<Filter<EventAttr>, FilterError> {
    parse(input)
}

fn event(trace_id: Option<&str>) -> Event {
    Event {
        kind: "Com.Registrar.User.Created".to_owned(),
        subject: "u1".to_owned(),
        actor_sub: "Admin-Client".to_owned(),
        // 2024-05-01T12:00:00Z
        time_us: 1_714_564_800_000_000,
        trace_id: trace_id.map(str::to_owned),
    }
}

#[test]
fn dotted_attributes_the_schema_declares_parse_in_any_case() {
    let expected = Filter::Compare {
        attr: EventAttr::ActorSub,
        op: CompareOp::Eq,
        value: Operand::Text("admin-client".to_owned()),
    };
    for input in [
        r#"actor.sub eq "Admin-Client""#,
        r#"ACTOR.SUB EQ "admin-client""#,
        r#"(Actor.Sub eq "ADMIN-CLIENT")"#,
    ] {
        assert_eq!(parse_event(input), Ok(expected.clone()), "{input}");
    }
    let time = parse_event(r#"time gt "2024-05-01T14:00:00+02:00""#);
    assert_eq!(
        time,
        Ok(Filter::Compare {
            attr: EventAttr::Time,
            op: CompareOp::Gt,
            value: Operand::Time(1_714_564_800_000_000_000),
        })
    );
    let filter = parse_event(r#"actor.sub sw "adm" and not (traceid pr)"#);
    assert_eq!(
        filter.map(|f| f.to_string()),
        Ok(r#"actor.sub sw "adm" and not (traceid pr)"#.to_owned())
    );
}

#[test]
fn undeclared_paths_are_refused_with_the_schemas_names_and_positions() {
    const NAMES: &str = "expected one of type, subject, actor.sub, time, traceid";
    #[rustfmt::skip]
    let cases: &[(&str, usize, &str)] = &[
        ("actor pr", 0, "unknown attribute `actor`; "),
        ("actor.foo pr", 0, "unknown attribute `actor.foo`; "),
        ("actor.foo pr", 0, NAMES),
        ("clientId pr", 0, NAMES),
        ("actor.sub.name pr", 9, "sub-attributes are not supported, found `actor.sub.name`; expected an operator after `actor.sub`"),
        ("subject.x eq \"a\"", 7, "expected an operator after `subject`"),
        ("actor.sub[value eq \"x\"]", 9, "value filters"),
        ("urn:x:actor.sub pr", 0, "URN-qualified"),
        ("time co \"2024\"", 5, "operator `co` cannot be applied to timestamp attribute `time`"),
        ("time gt \"soon\"", 8, "invalid value for `time`"),
    ];
    for &(input, position, fragment) in cases {
        match parse_event(input) {
            Ok(filter) => panic!("{input:?} should be rejected, parsed as {filter:?}"),
            Err(err) => {
                assert_eq!(err.position, position, "position for {input:?}: {err}");
                assert!(err.message.contains(fragment), "{input:?}: {err}");
            }
        }
    }
}

#[test]
fn evaluates_dotted_timestamp_and_optional_attributes() {
    let traced = event(Some("Req-1"));
    let untraced = event(None);
    #[rustfmt::skip]
    let cases = [
        (r#"actor.sub eq "ADMIN-client""#, true, true),
        (r#"type sw "com.registrar.user.""#, true, true),
        (r#"time eq "2024-05-01T12:00:00Z""#, true, true),
        (r#"time gt "2024-05-01T12:00:00Z""#, false, false),
        (r#"time lt "2024-05-01T12:00:00.000000001Z""#, true, true),
        ("traceid pr", true, false),
        (r#"traceid eq "req-1""#, true, false),
        (r#"traceid ne "req-1""#, false, false),
        (r#"traceid ne "other""#, true, false),
        (r#"not (traceid eq "req-1")"#, false, true),
        (r#"traceid co "" or subject eq "u1""#, true, true),
    ];
    for (input, on_traced, on_untraced) in cases {
        let filter = parse_event(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(
            matches(&filter, &traced),
            on_traced,
            "{input} on a traced event"
        );
        assert_eq!(
            matches(&filter, &untraced),
            on_untraced,
            "{input} on an untraced event"
        );
    }
}
