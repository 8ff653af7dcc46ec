//! Contract §4 "List", `filter`: table tests over HTTP of accepted filters
//! (the exact clients each selects, and `totalResults`) and of rejected ones
//! (400 `OAUTH-CLIENTS-4` with the fault's position and what was expected).

use crate::support::list::*;
use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Names chosen so that LIKE wildcards, the escape character, quotes, a `+`
/// (a space in a query string) and case mappings beyond ASCII all matter.
const CLIENTS: [(&str, &str); 9] = [
    ("Payments API", "web"),
    ("payments-ui", "spa"),
    ("Reports", "native"),
    ("Other", "anonymous-embed"),
    ("50% off_sale\\", "web"),
    ("5000 offXsale", "spa"),
    ("Café ÉTÉ", "spa"),
    ("a+b \"quoted\"", "web"),
    ("ẞtraße", "native"),
];

/// Every client of the seeded tenant, its admin included.
const ALL_NAMES: [&str; 10] = [
    "Payments API",
    "payments-ui",
    "Reports",
    "Other",
    "50% off_sale\\",
    "5000 offXsale",
    "Café ÉTÉ",
    "a+b \"quoted\"",
    "ẞtraße",
    "acme admin",
];

struct Seeded {
    app: TestApp,
    /// Name → client as created.
    clients: Vec<Value>,
}

impl Seeded {
    async fn new() -> Seeded {
        let app = spawn_app().await;
        app.without_console_client(&app.admin).await;
        let mut clients = Vec::new();
        for (name, app_type) in CLIENTS {
            let body = json!({"appType": app_type, "clientName": name});
            let (status, client) = app.create_client(&app.admin.token, body).await;
            assert_eq!(status, StatusCode::CREATED, "{client}");
            clients.push(client);
        }
        Seeded { app, clients }
    }

    fn field(&self, name: &str, field: &str) -> String {
        self.clients
            .iter()
            .find(|c| c["clientName"] == name)
            .and_then(|c| c[field].as_str())
            .unwrap_or_default()
            .to_owned()
    }

    /// Names of the clients a filter selects, over every page, and the
    /// `totalResults` of the first page.
    async fn select(&self, filter: &str) -> (BTreeSet<String>, Value) {
        let token = &self.app.admin.token;
        let query = format!("limit=3&totalResults=true&filter={}", enc(filter));
        let (status, first) = self.app.list(token, &query).await;
        assert_eq!(status, StatusCode::OK, "{filter}: {first}");
        let total = first["totalResults"].clone();
        let pages = walk_next(&self.app, token, first).await;
        for page in &pages {
            assert_eq!(
                page["totalResults"], total,
                "{filter}: the same total on every page"
            );
        }
        let names = pages
            .iter()
            .flat_map(items_of)
            .map(|c| c["clientName"].as_str().unwrap_or_default().to_owned())
            .collect();
        (names, total)
    }
}

/// Accepted filters and the names they select (`*` is every client,
/// including the tenant's admin, "acme admin").
#[rustfmt::skip]
fn valid_cases(s: &Seeded) -> Vec<(String, Vec<&'static str>)> {
    let id = s.field("Reports", "clientId");
    let created = s.field("Reports", "createdAt");
    let updated = s.field("Other", "updatedAt");
    let all_but = |name: &str| -> Vec<&'static str> { ALL_NAMES.into_iter().filter(|n| *n != name).collect() };
    vec![
        // Every operator, on names.
        (r#"clientName eq "reports""#.into(), vec!["Reports"]),
        (r#"clientName ne "reports""#.into(), all_but("Reports")),
        (r#"clientName co "PAY""#.into(), vec!["Payments API", "payments-ui"]),
        (r#"clientName sw "payments""#.into(), vec!["Payments API", "payments-ui"]),
        (r#"clientName ew "ui""#.into(), vec!["payments-ui"]),
        (r#"clientName gt "p""#.into(), vec!["Payments API", "payments-ui", "Reports", "ẞtraße"]),
        (r#"clientName ge "reports""#.into(), vec!["Reports", "ẞtraße"]),
        (r#"clientName lt "5001""#.into(), vec!["50% off_sale\\", "5000 offXsale"]),
        (r#"clientName le "a+b \"quoted\"""#.into(), vec!["50% off_sale\\", "5000 offXsale", "a+b \"quoted\""]),
        ("clientName pr".into(), ALL_NAMES.to_vec()),
        // LIKE wildcards and the escape character are literal.
        (r#"clientName co "%""#.into(), vec!["50% off_sale\\"]),
        (r#"clientName co "_""#.into(), vec!["50% off_sale\\"]),
        (r#"clientName sw "50%""#.into(), vec!["50% off_sale\\"]),
        (r#"clientName ew "\\""#.into(), vec!["50% off_sale\\"]),
        (r#"clientName co "f_s""#.into(), vec!["50% off_sale\\"]),
        (r#"clientName co "0%o""#.into(), vec![]),
        // JSON escapes, a `+`, quotes and case mappings beyond ASCII.
        (r#"clientName eq "A+B \"QUOTED\"""#.into(), vec!["a+b \"quoted\""]),
        (r#"clientName eq "caf\u00e9 \u00c9t\u00c9""#.into(), vec!["Café ÉTÉ"]),
        (r#"clientName sw "ß""#.into(), vec!["ẞtraße"]),
        (r#"clientName co "STRASSE""#.into(), vec![]),
        // Other attributes, case-insensitive names and operators.
        (format!(r#"clientId eq "{}""#, id.to_uppercase()), vec!["Reports"]),
        (r#"APPTYPE EQ "SPA""#.into(), vec!["payments-ui", "5000 offXsale", "Café ÉTÉ"]),
        (r#"appType sw "anon""#.into(), vec!["Other"]),
        (format!(r#"createdAt gt "{created}""#), vec!["Other", "50% off_sale\\", "5000 offXsale", "Café ÉTÉ", "a+b \"quoted\"", "ẞtraße"]),
        (format!(r#"createdAt le "{created}""#), vec!["acme admin", "Payments API", "payments-ui", "Reports"]),
        (format!(r#"updatedAt eq "{updated}""#), vec!["Other"]),
        // Precedence, grouping and negation.
        (r#"appType eq "native" or appType eq "spa" and clientName co "ui""#.into(), vec!["Reports", "ẞtraße", "payments-ui"]),
        (r#"(appType eq "native" or appType eq "spa") and clientName co "e""#.into(), vec!["payments-ui", "Reports", "5000 offXsale", "ẞtraße"]),
        // "Café ÉTÉ" has no plain `e`: `é` is another letter.
        (r#"not (appType eq "web") and not (clientName co "e")"#.into(), vec!["Café ÉTÉ"]),
        (r#"not (appType ne "web" or clientName sw "p")"#.into(), vec!["acme admin", "50% off_sale\\", "a+b \"quoted\""]),
        (r#"((clientName eq "other"))or(clientName eq "reports")"#.into(), vec!["Other", "Reports"]),
    ]
}

#[tokio::test]
async fn accepted_filters_select_exactly_the_matching_clients() {
    let seeded = Seeded::new().await;
    for (filter, expected) in valid_cases(&seeded) {
        let expected: BTreeSet<String> = expected.iter().map(|n| (*n).to_owned()).collect();
        let (names, total) = seeded.select(&filter).await;
        assert_eq!(names, expected, "filter {filter}");
        assert_eq!(total, json!(expected.len()), "totalResults of {filter}");
    }
}

/// Rejected filters, the byte position of the fault, and part of the detail.
#[rustfmt::skip]
const INVALID_CASES: &[(&str, usize, &str)] = &[
    ("", 0, "expected attribute name or `(` or `not`, found end of input"),
    ("clientName", 10, "expected an operator"),
    ("clientName eq", 13, "expected a string value, found end of input"),
    ("clientName eq 42", 14, "expected a string value, found `42`"),
    ("clientName eq \"x\" and", 21, "expected attribute name"),
    ("clientName eq \"x\" extra", 18, "expected `and`, `or` or end of input, found `extra`"),
    ("((clientName pr)", 16, "expected `and`, `or` or `)`, found end of input"),
    ("clientName pr)", 13, "found `)`"),
    ("not clientName pr", 4, "expected `(` after `not`"),
    ("color eq \"x\"", 0, "unknown attribute `color`; expected one of clientId, clientName, appType, createdAt, updatedAt"),
    ("clientName.givenName pr", 10, "sub-attributes are not supported"),
    ("urn:x:clientName pr", 0, "URN-qualified attribute paths are not supported"),
    ("clientName[value eq \"x\"]", 10, "value filters"),
    ("clientName xx \"x\"", 11, "found `xx`"),
    ("createdAt co \"2024\"", 10, "operator `co` cannot be applied to timestamp attribute `createdAt`"),
    ("createdAt gt \"yesterday\"", 13, "expected an RFC 3339 date-time"),
    ("clientName eq \"abc", 14, "unterminated string; expected a closing"),
    ("clientName eq \"a\\qb\"", 16, "invalid escape sequence"),
    ("clientName eq \"\\ud83d\"", 15, "surrogate pair"),
    ("clientName eq \"\\u0000\"", 15, "NUL"),
    ("clientName eq \"tab\there\"", 18, "control character U+0009"),
    ("clientName eq \"é\" éé", 19, "found `éé`"),
];

fn assert_filter_error(body: &Value, filter: &str, position: usize, fragment: &str) {
    assert_error(body, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["errors"][0]["code"], "OAUTH-CLIENTS-4",
        "{filter}: {body}"
    );
    let detail = body["errors"][0]["detail"].as_str().unwrap_or_default();
    assert!(detail.starts_with("filter: "), "{filter}: {detail}");
    assert!(
        detail.contains(fragment),
        "{filter}: `{detail}` should contain `{fragment}`"
    );
    assert!(
        detail.contains("expected"),
        "{filter}: `{detail}` should say what was expected"
    );
    assert!(
        detail.ends_with(&format!(" at position {position}")),
        "{filter}: `{detail}` should end with position {position}"
    );
}

#[tokio::test]
async fn rejected_filters_answer_400_with_position_and_expectation() {
    let app = spawn_app().await;
    for &(filter, position, fragment) in INVALID_CASES {
        let (status, body) = app
            .list(&app.admin.token, &format!("filter={}", enc(filter)))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{filter}: {body}");
        assert_filter_error(&body, filter, position, fragment);
    }

    let long = format!("clientName eq \"{}\"", "é".repeat(1100));
    let (status, body) = app
        .list(&app.admin.token, &format!("filter={}", enc(&long)))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // The 1025th character starts at byte 15 + 2 × (1024 - 15).
    assert_filter_error(&body, "long", 15 + 2 * 1009, "longer than 1024 characters");

    let deep = format!("{}clientName pr{}", "not (".repeat(17), ")".repeat(17));
    let (status, body) = app
        .list(&app.admin.token, &format!("filter={}", enc(&deep)))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_filter_error(&body, "deep", 5 * 16 + 4, "nested deeper than 16 levels");
}

#[tokio::test]
async fn filter_limits_are_inclusive() {
    let app = spawn_app().await;
    let (status, c) = app
        .create_client(
            &app.admin.token,
            json!({"appType": "web", "clientName": "x".repeat(500)}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    // Exactly 1024 characters (names are at most 512, so blanks pad the
    // filter) and exactly 16 levels are accepted.
    let exact = format!(
        "clientName eq \"{}\"{}",
        "x".repeat(500),
        " ".repeat(1024 - 516)
    );
    assert_eq!(exact.chars().count(), 1024);
    let deep = format!("{}clientName sw \"xx\"{}", "(".repeat(16), ")".repeat(16));
    for filter in [exact, deep] {
        let (status, page) = app
            .list(&app.admin.token, &format!("filter={}", enc(&filter)))
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["data"].as_array().map(Vec::len), Some(1), "{filter}");
    }
}

#[tokio::test]
async fn filter_survives_every_query_string_spelling() {
    let seeded = Seeded::new().await;
    let token = &seeded.app.admin.token;
    // Spaces as `+` or `%20`, and a literal `+` only as `%2B`.
    for query in [
        "filter=clientName+eq+%22a%2Bb+%5C%22quoted%5C%22%22",
        "filter=clientName%20eq%20%22a%2Bb%20%5C%22quoted%5C%22%22",
        "filter=clientName+EQ+%22A%2BB+%5C%22QUOTED%5C%22%22&totalResults=true",
    ] {
        let (status, page) = seeded.app.list(token, query).await;
        assert_eq!(status, StatusCode::OK, "{query}: {page}");
        let names: Vec<&str> = page["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["clientName"].as_str())
            .collect();
        assert_eq!(names, vec!["a+b \"quoted\""], "{query}");
    }
    // A raw `+` decodes to a space, so this asks for "a b …", which no client has.
    let (status, page) = seeded
        .app
        .list(token, "filter=clientName+eq+%22a+b+%5C%22quoted%5C%22%22")
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["data"], json!([]));
    // Links carry the filter so that the next page applies it too.
    let (_, page) = seeded
        .app
        .list(
            token,
            &format!("limit=1&filter={}", enc("clientName sw \"pay\"")),
        )
        .await;
    let next = link(&page, "next").unwrap_or_default().to_owned();
    let second = fetch(&seeded.app, token, &next).await;
    assert_eq!(items_of(&second).len(), 1);
    assert!(
        link(&second, "next").is_none(),
        "two clients match: {second}"
    );
}

async fn names_matching(app: &TestApp, token: &str, filter: &str) -> Vec<String> {
    let (status, page) = app
        .list(token, &format!("sort=clientName&filter={}", enc(filter)))
        .await;
    assert_eq!(status, StatusCode::OK, "{filter}: {page}");
    items_of(&page)
        .iter()
        .map(|c| c["clientName"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn substring_filters_follow_renames_and_deletes() {
    let app = spawn_app().await;
    let token = app.admin.token.clone();
    let mut ids = Vec::new();
    for name in ["Alpha Billing", "Beta Billing", "Gamma"] {
        let (status, c) = app
            .create_client(&token, json!({"appType": "spa", "clientName": name}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        ids.push(c["clientId"].as_str().unwrap_or_default().to_owned());
    }
    assert_eq!(
        names_matching(&app, &token, "clientName co \"billing\"").await,
        ["Alpha Billing", "Beta Billing"]
    );

    let rename = json!([{"op": "replace", "path": "/clientName", "value": "Alpha Invoices"}]);
    assert_eq!(
        app.patch(&token, &ids[0], rename).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        names_matching(&app, &token, "clientName co \"billing\"").await,
        ["Beta Billing"]
    );
    assert_eq!(
        names_matching(&app, &token, "clientName co \"INVOICE\"").await,
        ["Alpha Invoices"]
    );
    assert_eq!(
        names_matching(&app, &token, "clientName ew \"voices\"").await,
        ["Alpha Invoices"]
    );

    assert_eq!(
        app.delete_client(&token, &ids[1]).await.0,
        StatusCode::NO_CONTENT
    );
    assert!(
        names_matching(&app, &token, "clientName co \"billing\"")
            .await
            .is_empty()
    );
    // A client of another tenant with a matching name never shows up.
    let other = app.new_tenant("other").await;
    let (status, _) = app
        .create_client(
            &other.token,
            json!({"appType": "spa", "clientName": "Delta Invoices"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        names_matching(
            &app,
            &token,
            "clientName co \"invoices\" and appType eq \"spa\""
        )
        .await,
        ["Alpha Invoices"]
    );
}

#[tokio::test]
async fn total_results_counts_each_tenant_through_creates_and_deletes() {
    let app = spawn_app().await;
    let other = app.new_tenant("other").await;
    let total = |token: String| {
        let app = &app;
        async move {
            let (status, page) = app.list(&token, "totalResults=true&limit=1").await;
            assert_eq!(status, StatusCode::OK, "{page}");
            page["totalResults"].clone()
        }
    };
    assert_eq!(
        total(app.admin.token.clone()).await,
        json!(PROVISIONED_CLIENTS),
        "the admin and console clients"
    );
    let mut ids = Vec::new();
    for i in 0..4 {
        let (status, c) = app
            .create_client(
                &app.admin.token,
                json!({"appType": "web", "clientName": format!("c{i}")}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        ids.push(c["clientId"].as_str().unwrap_or_default().to_owned());
    }
    let (status, _) = app
        .create_client(&other.token, json!({"appType": "web", "clientName": "x"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        total(app.admin.token.clone()).await,
        json!(4 + PROVISIONED_CLIENTS)
    );
    assert_eq!(
        total(other.token.clone()).await,
        json!(1 + PROVISIONED_CLIENTS)
    );
    assert_eq!(
        app.delete_client(&app.admin.token, &ids[0]).await.0,
        StatusCode::NO_CONTENT
    );
    // Deleting a missing client changes nothing.
    assert_eq!(
        app.delete_client(&app.admin.token, &ids[0]).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        total(app.admin.token.clone()).await,
        json!(3 + PROVISIONED_CLIENTS)
    );
    assert_eq!(
        total(other.token.clone()).await,
        json!(1 + PROVISIONED_CLIENTS)
    );
    // With a filter, the count is of the matching clients.
    let (_, page) = app
        .list(
            &app.admin.token,
            &format!("totalResults=true&filter={}", enc("clientName sw \"c\"")),
        )
        .await;
    assert_eq!(page["totalResults"], json!(3));
}
