//! Helpers shared by the list tests: the ten sort values, walking pages by
//! their links, and the order the server must return clients in.

use super::app::TestApp;
use registrar::filter::{ClientAttr, ClientFields as Record, matches};

/// A filter over the clients' attributes.
pub type Filter = registrar::filter::Filter<ClientAttr>;
use reqwest::StatusCode;
use serde_json::Value;
use std::cmp::Ordering;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Every value of the reference's `sort` enum.
pub const SORTS: [&str; 10] = [
    "+clientId",
    "-clientId",
    "+clientName",
    "-clientName",
    "+appType",
    "-appType",
    "+createdAt",
    "-createdAt",
    "+updatedAt",
    "-updatedAt",
];

/// Percent-encodes a query parameter value (a `+` must become `%2B`).
pub fn enc(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

pub fn ids_of(page: &Value) -> Vec<String> {
    items_of(page)
        .iter()
        .map(|c| c["clientId"].as_str().unwrap_or_default().to_owned())
        .collect()
}

pub fn items_of(page: &Value) -> Vec<Value> {
    page["data"].as_array().cloned().unwrap_or_default()
}

pub fn link<'a>(page: &'a Value, rel: &str) -> Option<&'a str> {
    page["links"][rel]["href"].as_str()
}

/// The value a client sorts by for `field`, as the server orders it: names
/// by their lowercase form, timestamps by instant (RFC 3339 with six fraction
/// digits in UTC orders like the instant), everything else by bytes.
pub fn sort_value(client: &Value, field: &str) -> String {
    let raw = client[field].as_str().unwrap_or_default();
    if field == "clientName" {
        raw.to_lowercase()
    } else {
        raw.to_owned()
    }
}

/// `sort` (`+field` or `-field`) split into field and direction.
pub fn parse_sort(sort: &str) -> (&str, bool) {
    match sort.strip_prefix('-') {
        Some(field) => (field, true),
        None => (sort.trim_start_matches('+'), false),
    }
}

/// How `a` and `b` must be ordered by `sort`, ties broken by `clientId`.
pub fn compare(a: &Value, b: &Value, sort: &str) -> Ordering {
    let (field, descending) = parse_sort(sort);
    let order = sort_value(a, field)
        .cmp(&sort_value(b, field))
        .then_with(|| sort_value(a, "clientId").cmp(&sort_value(b, "clientId")));
    if descending { order.reverse() } else { order }
}

/// Asserts that `items` are strictly increasing in `sort` order.
pub fn assert_strictly_ordered(items: &[Value], sort: &str, context: &str) {
    for pair in items.windows(2) {
        assert_eq!(
            compare(&pair[0], &pair[1], sort),
            Ordering::Less,
            "{context}: {} must come before {} in {sort} order",
            pair[0],
            pair[1]
        );
    }
}

/// GETs a page by absolute URL and asserts it succeeded.
pub async fn fetch(app: &TestApp, token: &str, url: &str) -> Value {
    let (status, page) = app.get_url(token, url).await;
    assert_eq!(status, StatusCode::OK, "GET {url}: {page}");
    page
}

/// Every page from `first` on, following `next` links.
pub async fn walk_next(app: &TestApp, token: &str, first: Value) -> Vec<Value> {
    let mut pages = vec![first];
    while let Some(next) = pages
        .last()
        .and_then(|p| link(p, "next"))
        .map(str::to_owned)
    {
        pages.push(fetch(app, token, &next).await);
    }
    pages
}

/// Every page from `last` back, following `prev` links; in walking order
/// (the first element is `last`).
pub async fn walk_prev(app: &TestApp, token: &str, last: Value) -> Vec<Value> {
    let mut pages = vec![last];
    while let Some(prev) = pages
        .last()
        .and_then(|p| link(p, "prev"))
        .map(str::to_owned)
    {
        pages.push(fetch(app, token, &prev).await);
    }
    pages
}

/// The clients of pages walked backwards, in display order.
pub fn items_in_display_order(pages_walked_back: &[Value]) -> Vec<Value> {
    pages_walked_back.iter().rev().flat_map(items_of).collect()
}

/// A client as the list endpoint shows it, with its instants in µs.
pub struct Listed {
    pub json: Value,
    pub created_us: i64,
    pub updated_us: i64,
}

impl Listed {
    pub fn new(json: Value) -> Listed {
        let micros = |field: &str| {
            let text = json[field].as_str().unwrap_or_default();
            let instant = OffsetDateTime::parse(text, &Rfc3339)
                .unwrap_or_else(|e| panic!("{field} {text}: {e}"));
            i64::try_from(instant.unix_timestamp_nanos() / 1000).unwrap_or_default()
        };
        let (created_us, updated_us) = (micros("createdAt"), micros("updatedAt"));
        Listed {
            json,
            created_us,
            updated_us,
        }
    }

    pub fn record(&self) -> Record<'_> {
        Record {
            client_id: self.json["clientId"].as_str().unwrap_or_default(),
            client_name: self.json["clientName"].as_str().unwrap_or_default(),
            app_type: self.json["appType"].as_str().unwrap_or_default(),
            created_at_us: self.created_us,
            updated_at_us: self.updated_us,
        }
    }
}

/// The ids of the clients `filter` selects, in `sort` order, by the
/// in-memory evaluator.
pub fn expected_ids(listed: &[Listed], filter: &Filter, sort: &str) -> Vec<String> {
    let mut selected: Vec<&Listed> = listed
        .iter()
        .filter(|l| matches(filter, &l.record()))
        .collect();
    selected.sort_by(|a, b| compare(&a.json, &b.json, sort));
    selected
        .iter()
        .map(|l| sort_value(&l.json, "clientId"))
        .collect()
}

/// Every client of the token's tenant, as the unfiltered list shows them
/// (at most 100).
pub async fn list_all(app: &TestApp, token: &str) -> Vec<Listed> {
    let (status, page) = app.list(token, "limit=100").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(link(&page, "next").is_none(), "at most 100 clients");
    items_of(&page).into_iter().map(Listed::new).collect()
}
