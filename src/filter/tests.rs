//! Table tests of the filter parser (accepted and rejected filters, limits),
//! of the canonical rendering, and of the evaluator.

use super::*;
use super::{ClientAttr as Attr, ClientFields as Record};
use Attr::{AppType, ClientId, ClientName, CreatedAt, UpdatedAt};

/// These tables are written against the clients' schema.
type Filter = super::Filter<Attr>;

fn parse(input: &str) -> Result<Filter, FilterError> {
    super::parse(input)
}
use CompareOp::{Co, Eq, Ew, Ge, Gt, Le, Lt, Ne, Sw};

fn cmp(attr: Attr, op: CompareOp, text: &str) -> Filter {
    Filter::Compare {
        attr,
        op,
        value: Operand::Text(text.to_owned()),
    }
}

fn at(attr: Attr, op: CompareOp, nanos: i128) -> Filter {
    Filter::Compare {
        attr,
        op,
        value: Operand::Time(nanos),
    }
}

fn or(l: Filter, r: Filter) -> Filter {
    Filter::Or(Box::new(l), Box::new(r))
}

fn and(l: Filter, r: Filter) -> Filter {
    Filter::And(Box::new(l), Box::new(r))
}

fn not(f: Filter) -> Filter {
    Filter::Not(Box::new(f))
}

fn check(input: &str, expected: Filter) {
    match parse(input) {
        Ok(actual) => assert_eq!(actual, expected, "parsing {input:?}"),
        Err(err) => panic!("parsing {input:?} failed: {err}"),
    }
}

fn check_err(input: &str, position: usize, fragment: &str) {
    match parse(input) {
        Ok(filter) => panic!("{input:?} should be rejected, parsed as {filter:?}"),
        Err(err) => {
            assert_eq!(err.position, position, "position for {input:?}: {err}");
            assert!(
                err.message.contains(fragment),
                "message for {input:?} should contain {fragment:?}: {err}"
            );
            // Every error says what would have been acceptable at its position.
            assert!(
                err.message.contains("expected"),
                "message for {input:?} should say what was expected: {err}"
            );
        }
    }
}

/// 2024-05-01T12:00:00Z in nanoseconds.
const T0: i128 = 1_714_564_800_000_000_000;

#[test]
fn accepts_every_operator() {
    let ops = [Eq, Ne, Co, Sw, Ew, Gt, Ge, Lt, Le];
    for op in ops {
        check(
            &format!("clientName {} \"X\"", op.keyword()),
            cmp(ClientName, op, "x"),
        );
    }
    check("clientId pr", Filter::Present(ClientId));
    check("createdAt pr", Filter::Present(CreatedAt));
    for op in [Eq, Ne, Gt, Ge, Lt, Le] {
        check(
            &format!("updatedAt {} \"2024-05-01T12:00:00Z\"", op.keyword()),
            at(UpdatedAt, op, T0),
        );
    }
}

/// Valid filters and the AST each must parse to.
#[rustfmt::skip]
fn valid_cases() -> Vec<(&'static str, Filter)> {
    let a = || cmp(ClientId, Eq, "a");
    let b = || cmp(ClientName, Eq, "b");
    let c = || cmp(AppType, Eq, "c");
    vec![
        (r#"clientId eq "a" or clientName eq "b" and appType eq "c""#, or(a(), and(b(), c()))),
        (r#"clientId eq "a" and clientName eq "b" or appType eq "c""#, or(and(a(), b()), c())),
        (r#"(clientId eq "a" or clientName eq "b") and appType eq "c""#, and(or(a(), b()), c())),
        (r#"clientId eq "a" or clientName eq "b" or appType eq "c""#, or(or(a(), b()), c())),
        (r#"clientId eq "a" and clientName eq "b" and appType eq "c""#, and(and(a(), b()), c())),
        (r#"clientId eq "a" or (clientName eq "b" or appType eq "c")"#, or(a(), or(b(), c()))),
        (r#"not (clientId eq "a")"#, not(a())),
        (r#"NOT(clientId eq "a")"#, not(a())),
        (r#"not ( not ( clientId eq "a" ) )"#, not(not(a()))),
        (r#"not (clientId eq "a") and clientName eq "b""#, and(not(a()), b())),
        (r#"clientId eq "a" or not (clientName eq "b" or appType eq "c")"#, or(a(), not(or(b(), c())))),
        (r#"((((clientId eq "a"))))"#, a()),
        (r#"( clientId eq "a" ) or ((clientName eq "b") and (appType eq "c"))"#, or(a(), and(b(), c()))),
        (r#"CLIENTID EQ "A""#, a()),
        (r#"clientid Eq "A" AnD ClientName eQ "B""#, and(a(), b())),
        (r#"APPTYPE PR Or CLIENTNAME pR"#, or(Filter::Present(AppType), Filter::Present(ClientName))),
        ("  \tclientId\t\teq   \"a\"  \n", a()),
        (r#"clientId eq"a"and(clientName eq "b")"#, and(a(), b())),
        (r#"appType eq """#, cmp(AppType, Eq, "")),
        (r#"clientName eq "Caf\u00e9""#, cmp(ClientName, Eq, "café")),
        (r#"clientName eq "CAF\u00C9""#, cmp(ClientName, Eq, "café")),
        (r#"clientName eq "ÉTÉ ẞ""#, cmp(ClientName, Eq, "été ß")),
        (r#"clientName co "\ud83d\ude00!""#, cmp(ClientName, Co, "😀!")),
        (r#"clientName co "\uD83D\uDE00""#, cmp(ClientName, Co, "😀")),
        (r#"clientName eq "\" \\ \/ \b \f \n \r \t""#, cmp(ClientName, Eq, "\" \\ / \u{8} \u{c} \n \r \t")),
        (r#"clientName eq "with (parens) and or""#, cmp(ClientName, Eq, "with (parens) and or")),
        (r#"createdAt gt "2024-05-01T14:00:00+02:00""#, at(CreatedAt, Gt, T0)),
        (r#"createdAt lt "2024-05-01t12:00:00.000000001z""#, at(CreatedAt, Lt, T0 + 1)),
        (r#"createdAt ge "2024-05-01T11:59:59.5-00:00""#, at(CreatedAt, Ge, T0 - 500_000_000)),
        (r#"createdAt le "1969-12-31T23:59:59.999999Z""#, at(CreatedAt, Le, -1000)),
    ]
}

#[test]
fn accepts_valid_filters() {
    for (input, expected) in valid_cases() {
        check(input, expected);
    }
}

const ATTRS: &str = "expected one of clientId, clientName, appType, createdAt, updatedAt";

/// Invalid filters, the byte position of the fault and part of the message.
#[rustfmt::skip]
const INVALID_CASES: &[(&str, usize, &str)] = &[
    // Empty input, misplaced keywords and parentheses, trailing input.
    ("", 0, "expected attribute name or `(` or `not`, found end of input"),
    ("   \t ", 0, "expected attribute name or `(` or `not`"),
    ("and clientId pr", 0, "expected attribute name or `(` or `not`, found `and`"),
    ("OR", 0, "found `OR`"),
    ("()", 1, "expected attribute name or `(` or `not`, found `)`"),
    (")", 0, "found `)`"),
    ("(clientId pr", 12, "expected `and`, `or` or `)`, found end of input"),
    ("((clientId pr) or appType pr", 28, "expected `and`, `or` or `)`"),
    ("not clientId pr", 4, "expected `(` after `not`, found `clientId`"),
    ("not", 3, "expected `(` after `not`"),
    ("clientId eq \"a\" extra", 16, "expected `and`, `or` or end of input, found `extra`"),
    ("clientId eq \"a\" \"b\"", 16, "found a string"),
    ("clientId eq \"a\")", 15, "found `)`"),
    ("clientId eq \"a\" and", 19, "expected attribute name or `(` or `not`, found end of input"),
    ("clientId eq \"a\" or or clientId pr", 19, "expected attribute name"),
    ("clientName eq \"é\" éé", 19, "found `éé`"),
    // Attribute paths.
    ("foo eq \"x\"", 0, "unknown attribute `foo`; "),
    ("foo eq \"x\"", 0, ATTRS),
    ("clientId eq \"x\" and bar pr", 20, "unknown attribute `bar`"),
    ("clíentId pr", 0, "unknown attribute `clíentId`"),
    ("name.givenName pr", 0, "unknown attribute"),
    ("clientName.family eq \"x\"", 10, "sub-attributes are not supported"),
    ("urn:ietf:params:scim:clientId eq \"x\"", 0, "URN-qualified"),
    ("clientId[value eq \"x\"]", 8, "value filters"),
    ("emails[type eq \"work\"]", 0, "unknown attribute `emails`"),
    // Operators.
    ("clientId", 8, "expected an operator"),
    ("clientId xx \"a\"", 9, "expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr), found `xx`"),
    ("createdAt co \"2024\"", 10, "operator `co` cannot be applied to timestamp attribute `createdAt`"),
    ("updatedAt sw \"2024\"", 10, "cannot be applied"),
    ("createdAt EW \"2024\"", 10, "cannot be applied"),
    // Values.
    ("clientId eq", 11, "expected a string value, found end of input"),
    ("clientId eq true", 12, "expected a string value, found `true`"),
    ("clientId eq false", 12, "expected a string value"),
    ("clientId eq null", 12, "expected a string value"),
    ("clientId eq 42", 12, "expected a string value, found `42`"),
    ("clientId eq -1.5e3", 12, "expected a string value"),
    ("clientId eq (\"a\")", 12, "expected a string value, found `(`"),
    ("updatedAt eq 1714564800", 13, "expected a string value"),
    ("createdAt gt \"yesterday\"", 13, "expected an RFC 3339 date-time"),
    ("createdAt gt \"2024-05-01\"", 13, "RFC 3339"),
    // Strings.
    ("clientId eq \"abc", 12, "unterminated string"),
    ("clientId eq \"abc\\", 12, "unterminated string"),
    ("clientId eq \"a\\qb\"", 14, "invalid escape sequence"),
    ("clientId eq \"a\\u12\"", 14, "expected four hex digits"),
    ("clientId eq \"a\\u12g4\"", 14, "expected four hex digits"),
    ("clientId eq \"\\ud83d\"", 13, "surrogate pair"),
    ("clientId eq \"\\ud83dx\"", 13, "surrogate pair"),
    ("clientId eq \"\\ud83d\\u0041\"", 13, "surrogate pair"),
    ("clientId eq \"\\ude00\"", 13, "surrogate pair"),
    ("clientId eq \"\\ud83d\\uzz\"", 19, "expected four hex digits"),
    ("clientId eq \"\\u0000\"", 13, "NUL"),
    ("clientId eq \"a\tb\"", 14, "control character U+0009"),
];

#[test]
fn rejects_invalid_filters() {
    for &(input, position, fragment) in INVALID_CASES {
        check_err(input, position, fragment);
    }
}

#[test]
fn enforces_length_limit() {
    let prefix = "clientName eq \"";
    let fill = |n: usize, c: char| format!("{prefix}{}\"", c.to_string().repeat(n));
    let exact = fill(MAX_LEN - prefix.len() - 1, 'a');
    assert_eq!(exact.chars().count(), MAX_LEN);
    assert!(parse(&exact).is_ok(), "1024 characters must be accepted");
    let over = fill(MAX_LEN - prefix.len(), 'a');
    check_err(&over, MAX_LEN, "longer than 1024 characters");

    // The limit counts characters; the position is still a byte offset.
    let exact = fill(MAX_LEN - prefix.len() - 1, 'é');
    assert!(
        parse(&exact).is_ok(),
        "1024 two-byte characters must be accepted"
    );
    let over = fill(MAX_LEN - prefix.len(), 'é');
    check_err(
        &over,
        prefix.len() + 2 * (MAX_LEN - prefix.len()),
        "longer than",
    );

    // Length is checked before anything else, even before syntax.
    check_err(&")".repeat(2000), MAX_LEN, "longer than");
}

#[test]
fn enforces_depth_limit() {
    let nest = |n: usize| format!("{}clientId pr{}", "(".repeat(n), ")".repeat(n));
    check(&nest(MAX_DEPTH), Filter::Present(ClientId));
    check_err(&nest(MAX_DEPTH + 1), MAX_DEPTH, "nested deeper than 16");

    let nots = |n: usize| format!("{}clientId pr{}", "not (".repeat(n), ")".repeat(n));
    let mut expected = Filter::Present(ClientId);
    for _ in 0..MAX_DEPTH {
        expected = not(expected);
    }
    check(&nots(MAX_DEPTH), expected);
    check_err(&nots(MAX_DEPTH + 1), 5 * MAX_DEPTH + 4, "nested deeper");

    // Groups side by side do not add up.
    let wide = format!("{} or {}", nest(MAX_DEPTH), nest(MAX_DEPTH));
    assert!(parse(&wide).is_ok());

    // A deep unterminated prefix fails at the limit, not by recursing on.
    check_err(&"(".repeat(1000), MAX_DEPTH, "nested deeper");
}

#[test]
fn error_display_names_the_position() {
    let err = parse("foo pr").err();
    let shown = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(shown.ends_with(" at position 0"), "{shown}");
    assert!(shown.starts_with("unknown attribute `foo`"), "{shown}");
}

#[test]
fn display_is_canonical() {
    let filter = and(
        or(cmp(ClientName, Co, "a\"b\\"), Filter::Present(AppType)),
        not(at(CreatedAt, Ge, T0 + 5)),
    );
    assert_eq!(
        filter.to_string(),
        r#"(clientName co "a\"b\\" or appType pr) and not (createdAt ge "2024-05-01T12:00:00.000000005Z")"#
    );
}

fn record<'a>(id: &'a str, name: &'a str, created_at_us: i64) -> Record<'a> {
    Record {
        client_id: id,
        client_name: name,
        app_type: "web",
        created_at_us,
        updated_at_us: created_at_us,
    }
}

#[test]
fn evaluates_case_insensitively() {
    let r = record("abc", "Café ÉTÉ", 0);
    let yes = [
        r#"clientName eq "CAFÉ été""#,
        r#"clientName co "fé é""#,
        r#"clientName sw "caf""#,
        r#"clientName ew "TÉ""#,
        r#"clientName co """#,
        r#"clientName gt "cafe""#,
        r#"clientName lt "d""#,
        r#"clientId ge "ABC" and clientId le "abc""#,
        r#"appType pr and not (appType ne "WEB")"#,
        r#"createdAt eq "1970-01-01T00:00:00Z""#,
        r#"createdAt lt "1970-01-01T00:00:00.000000001Z""#,
        r#"createdAt gt "1969-12-31T23:59:59.999999999Z""#,
        r#"createdAt eq "1970-01-01T01:00:00+01:00""#,
    ];
    let no = [
        r#"clientName eq "cafe ete""#,
        r#"clientName sw "é""#,
        r#"createdAt ne "1970-01-01T00:00:00Z""#,
        r#"createdAt gt "1970-01-01T00:00:00Z""#,
        r#"createdAt eq "1970-01-01T00:00:00.0000005Z""#,
    ];
    for (input, expected) in yes
        .iter()
        .map(|i| (i, true))
        .chain(no.iter().map(|i| (i, false)))
    {
        let filter = parse(input);
        assert_eq!(
            filter.map(|f| matches(&f, &r)),
            Ok(expected),
            "evaluating {input}"
        );
    }
}

#[test]
fn ill_typed_hand_built_comparisons_never_match() {
    let r = record("abc", "x", 0);
    let odd = [
        cmp(CreatedAt, Eq, "1970-01-01T00:00:00Z"),
        at(ClientName, Ne, 0),
        at(UpdatedAt, Co, 0),
        at(CreatedAt, Sw, 0),
    ];
    for filter in odd {
        assert!(!matches(&filter, &r), "{filter:?}");
    }
}
