//! The list query's SQL, run by the backend under test, against the filter
//! evaluator (`registrar::filter::matches`, the reference semantics): every
//! operator on every text attribute, with names that stress collation, case
//! folding and LIKE escaping, and the name sort order. On the `postgres`
//! target this checks `COLLATE "C"`, `LIKE … ESCAPE` and the row-value
//! keyset comparisons on PostgreSQL, where the unit oracle (SQLite in
//! memory) cannot reach.

use crate::support::*;
use registrar::filter::{ClientFields as Record, matches, parse};
use reqwest::StatusCode;
use serde_json::{Value, json};

const NAMES: &[&str] = &[
    "Alpha",
    "alpha",
    "ALPHA beta",
    "ab",
    "abc",
    "Ab_c",
    "a%b",
    "100% sure",
    "back\\slash",
    "É clair",
    "école",
    "Straße",
    "STRASSE",
    "İstanbul",
    "日本語",
    "crab 🦀",
    "zz",
    "~tilde",
];

struct Stored {
    client_id: String,
    client_name: String,
    app_type: String,
    created_at_us: i64,
    updated_at_us: i64,
    /// The wire forms: RFC 3339 with six fraction digits.
    created_at: String,
    updated_at: String,
}

impl Stored {
    fn record(&self) -> Record<'_> {
        Record {
            client_id: &self.client_id,
            client_name: &self.client_name,
            app_type: &self.app_type,
            created_at_us: self.created_at_us,
            updated_at_us: self.updated_at_us,
        }
    }
}

fn micros(rfc3339: &Value) -> i64 {
    let t = time::OffsetDateTime::parse(
        rfc3339.as_str().expect("timestamp"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("RFC 3339");
    i64::try_from(t.unix_timestamp_nanos() / 1000).expect("µs fit")
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Every client of the tenant, read back through the API.
async fn stored_clients(app: &TestApp) -> Vec<Stored> {
    let (status, page) = app.list(&app.admin.token, "limit=100").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Stored {
            client_id: c["clientId"].as_str().unwrap().to_owned(),
            client_name: c["clientName"].as_str().unwrap().to_owned(),
            app_type: c["appType"].as_str().unwrap().to_owned(),
            created_at_us: micros(&c["createdAt"]),
            updated_at_us: micros(&c["updatedAt"]),
            created_at: c["createdAt"].as_str().unwrap().to_owned(),
            updated_at: c["updatedAt"].as_str().unwrap().to_owned(),
        })
        .collect()
}

/// Filters over every operator and text attribute, plus instants with and
/// without sub-microsecond digits and a few compound expressions.
fn filters(clients: &[Stored]) -> Vec<String> {
    let names = [
        "", "a", "A", "ab", "AB", "abc", "b_c", "_", "%", "a%b", "\\", "é", "É", "straße",
        "strasse", "i̇", "日本", "🦀", "z", "~",
    ];
    let app_types = ["web", "WEB", "spa", "anonymous-", "-embed", "n", "%"];
    let some_id = &clients[clients.len() / 2].client_id;
    let ids = [some_id.as_str(), &some_id[..3], &some_id[29..], "0", "z"];
    let ops = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"];
    let mut out = Vec::new();
    for op in ops {
        for (attr, values) in [
            ("clientName", &names[..]),
            ("appType", &app_types[..]),
            ("clientId", &ids[..]),
        ] {
            for v in values {
                // A SCIM string is a JSON string.
                out.push(format!("{attr} {op} {}", json!(v)));
            }
        }
    }
    let middle = &clients[clients.len() / 2];
    for op in ["eq", "ne", "gt", "ge", "lt", "le"] {
        for (attr, wire) in [
            ("createdAt", &middle.created_at),
            ("updatedAt", &middle.updated_at),
        ] {
            out.push(format!("{attr} {op} \"{wire}\""));
            // Sub-microsecond digits, which no stored instant has.
            let finer = wire.replace('Z', "5Z");
            out.push(format!("{attr} {op} \"{finer}\""));
        }
    }
    out.extend([
        r#"clientName sw "a" and not (clientName co "%")"#.to_owned(),
        r#"clientName co "ss" or clientName co "ß" and appType ne "web""#.to_owned(),
        r#"not (appType eq "web" or appType eq "spa") and clientName pr"#.to_owned(),
    ]);
    out
}

#[tokio::test]
async fn filters_select_exactly_what_the_evaluator_accepts() {
    let app = spawn_app().await;
    for (i, name) in NAMES.iter().enumerate() {
        let t = ["web", "spa", "native", "anonymous-embed"][i % 4];
        let (s, c) = app
            .create_client(&app.admin.token, json!({"appType": t, "clientName": name}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{name}: {c}");
    }
    // Another tenant's clients must never be selected.
    let other = app.new_tenant("other").await;
    app.create_client(&other.token, json!({"appType":"web","clientName":"alpha"}))
        .await;
    let clients = stored_clients(&app).await;
    assert_eq!(
        clients.len(),
        NAMES.len() + PROVISIONED_CLIENTS,
        "the admin and console clients and the seeded ones"
    );

    let filters = filters(&clients);
    // Filters that select some clients but not all: the ones that can tell
    // a wrong translation from a right one.
    let mut discriminating = 0;
    for f in &filters {
        let query = format!("limit=100&totalResults=true&filter={}", encode(f));
        let (status, page) = app.list(&app.admin.token, &query).await;
        let Ok(parsed) = parse(f) else {
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "`{f}` does not parse: {page}"
            );
            continue;
        };
        assert_eq!(status, StatusCode::OK, "`{f}`: {page}");
        let mut got: Vec<&str> = page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["clientId"].as_str().unwrap())
            .collect();
        got.sort_unstable();
        let mut want: Vec<&str> = clients
            .iter()
            .filter(|c| matches(&parsed, &c.record()))
            .map(|c| c.client_id.as_str())
            .collect();
        want.sort_unstable();
        assert_eq!(got, want, "filter `{f}`");
        assert_eq!(page["totalResults"], json!(want.len()), "count of `{f}`");
        if !want.is_empty() && want.len() < clients.len() {
            discriminating += 1;
        }
    }
    assert!(
        discriminating * 2 > filters.len(),
        "{discriminating} of {}",
        filters.len()
    );
}

#[tokio::test]
async fn name_sort_orders_by_lowercase_code_points_then_client_id() {
    let app = spawn_app().await;
    for name in NAMES {
        let (s, c) = app
            .create_client(
                &app.admin.token,
                json!({"appType": "spa", "clientName": name}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
    }
    let clients = stored_clients(&app).await;
    let mut want: Vec<(String, &str)> = clients
        .iter()
        .map(|c| (c.client_name.to_lowercase(), c.client_id.as_str()))
        .collect();
    // Rust compares strings by bytes, which for UTF-8 is code point order.
    want.sort();
    let want: Vec<&str> = want.iter().map(|(_, id)| *id).collect();
    for (sort, reversed) in [("clientName", false), ("-clientName", true)] {
        // Pages of 4, so the keyset comparison on (name_key, client_id) is
        // crossed many times.
        let mut got = Vec::new();
        let mut query = format!("limit=4&sort={}", encode(sort));
        loop {
            let (status, page) = app.list(&app.admin.token, &query).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            got.extend(
                page["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["clientId"].as_str().unwrap().to_owned()),
            );
            let Some(next) = page["links"]["next"]["href"].as_str() else {
                break;
            };
            query = next.split_once('?').expect("query").1.to_owned();
        }
        let mut expected: Vec<String> = want.iter().map(|s| (*s).to_owned()).collect();
        if reversed {
            expected.reverse();
        }
        assert_eq!(got, expected, "sort={sort}");
    }
}
