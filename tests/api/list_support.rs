//! Helpers shared by the list tests: the ten sort values, walking pages by
//! their links, and the order the server must return clients in.

#![allow(dead_code)]

use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::Value;
use std::cmp::Ordering;

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
