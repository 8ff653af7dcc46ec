//! `GET /api/core/users` (contract §7, with §4's list conventions) over real
//! HTTP: every sort walked with `next` and back with `prev`, each user once
//! and in order; the default order; filters over every attribute checked
//! against the in-memory evaluator; `totalResults`; absolute links keeping
//! the query; cursors bound to the query, the tenant and the users list; the
//! `users:read` scope; tenant isolation.

use crate::support::list::{enc, items_of, link, walk_next, walk_prev};
use crate::support::users::*;
use crate::support::*;
use registrar::filter::{UserAttr, UserFields, matches, parse};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::cmp::Ordering;
use std::collections::HashSet;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Every value of the users' `sort` parameter.
const SORTS: [&str; 10] = [
    "+name",
    "-name",
    "+email",
    "-email",
    "+status",
    "-status",
    "+createdAt",
    "-createdAt",
    "+updatedAt",
    "-updatedAt",
];

/// (email, name, subject, status): repeated names, mixed case, both
/// statuses, so every order has ties and case to get right.
const PEOPLE: [(&str, &str, Option<&str>, &str); 9] = [
    ("ada@example.com", "Ada Lovelace", Some("ada-1"), "active"),
    ("Grace@Navy.mil", "Grace Hopper", None, "active"),
    (
        "alan@example.org",
        "alan turing",
        Some("Turing"),
        "disabled",
    ),
    ("edsger@example.com", "Edsger Dijkstra", None, "active"),
    (
        "barbara@Example.com",
        "Barbara Liskov",
        Some("bl"),
        "disabled",
    ),
    ("ken@example.org", "Ken", None, "active"),
    ("ken2@example.org", "Ken", None, "active"),
    ("Donald@example.com", "donald knuth", Some("dk"), "active"),
    ("frances@example.net", "Frances Allen", None, "disabled"),
];

async fn list_users(app: &TestApp, token: &str, query: &str) -> (StatusCode, Value) {
    app.get_url(token, &app.url(&format!("{USERS}?{query}")))
        .await
}

/// Creates `PEOPLE` in the token's tenant, then renames two so that
/// `updatedAt` orders differently from `createdAt`; returns their ids.
async fn seed(app: &TestApp, token: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for (email, name, subject, status) in PEOPLE {
        let mut body =
            json!({"email": email, "name": name, "password": PASSWORD, "status": status});
        if let Some(s) = subject {
            body["subject"] = json!(s);
        }
        let (code, user) = create_user(app, token, body).await;
        assert_eq!(code, StatusCode::CREATED, "{user}");
        ids.push(user["id"].as_str().unwrap().to_owned());
    }
    for id in [&ids[0], &ids[3]] {
        let ops = json!([{"op": "replace", "path": "/name", "value": "Renamed"}]);
        let (code, body) = patch_user(app, token, id, ops).await;
        assert_eq!(code, StatusCode::NO_CONTENT, "{body}");
    }
    ids
}

fn id_of(user: &Value) -> &str {
    user["id"].as_str().unwrap_or_default()
}

/// The value a user sorts by, as the server orders it: names and emails by
/// their lowercase form; instants (RFC 3339, six fraction digits, UTC) and
/// statuses by bytes.
fn sort_value(user: &Value, field: &str) -> String {
    let raw = user[field].as_str().unwrap_or_default();
    match field {
        "name" | "email" => raw.to_lowercase(),
        _ => raw.to_owned(),
    }
}

/// How `a` and `b` must be ordered by `sort`, ties broken by id.
fn compare(a: &Value, b: &Value, sort: &str) -> Ordering {
    let (field, descending) = match sort.strip_prefix('-') {
        Some(field) => (field, true),
        None => (sort.trim_start_matches('+'), false),
    };
    let order = sort_value(a, field)
        .cmp(&sort_value(b, field))
        .then_with(|| id_of(a).cmp(id_of(b)));
    if descending { order.reverse() } else { order }
}

fn ids(users: &[Value]) -> Vec<String> {
    users.iter().map(|u| id_of(u).to_owned()).collect()
}

fn micros(user: &Value, field: &str) -> i64 {
    let text = user[field].as_str().unwrap_or_default();
    let instant = OffsetDateTime::parse(text, &Rfc3339).unwrap_or_else(|e| panic!("{text}: {e}"));
    i64::try_from(instant.unix_timestamp_nanos() / 1000).unwrap()
}

/// What the in-memory evaluator says of `filter` over `users`, in `sort`
/// order.
fn expected(users: &[Value], filter: &str, sort: &str) -> Vec<String> {
    let parsed = parse::<UserAttr>(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
    let mut selected: Vec<&Value> = users
        .iter()
        .filter(|u| {
            let record = UserFields {
                email: u["email"].as_str().unwrap_or_default(),
                name: u["name"].as_str().unwrap_or_default(),
                subject: u["subject"].as_str().unwrap_or_default(),
                status: u["status"].as_str().unwrap_or_default(),
                created_at_us: micros(u, "createdAt"),
            };
            matches(&parsed, &record)
        })
        .collect();
    selected.sort_by(|a, b| compare(a, b, sort));
    selected.iter().map(|u| id_of(u).to_owned()).collect()
}

#[tokio::test]
async fn every_sort_walks_each_user_once_in_order_forward_and_back() {
    let app = spawn_app().await;
    let token = app.admin.token.clone();
    let created: HashSet<String> = seed(&app, &token).await.into_iter().collect();
    for sort in SORTS {
        let query = format!("limit=2&sort={}", enc(sort));
        let (code, first) = list_users(&app, &token, &query).await;
        assert_eq!(code, StatusCode::OK, "{sort}: {first}");
        assert!(
            link(&first, "prev").is_none(),
            "{sort}: no prev on the first page"
        );
        let pages = walk_next(&app, &token, first).await;
        assert_eq!(pages.len(), 5, "{sort}: 9 users in pages of 2");
        let forward: Vec<Value> = pages.iter().flat_map(items_of).collect();
        assert_eq!(forward.len(), 9, "{sort}");
        assert_eq!(ids(&forward).into_iter().collect::<HashSet<_>>(), created);
        for pair in forward.windows(2) {
            assert_eq!(
                compare(&pair[0], &pair[1], sort),
                Ordering::Less,
                "{sort}: {} before {}",
                pair[0],
                pair[1]
            );
        }
        for page in &pages {
            for rel in ["self", "next", "prev"] {
                if let Some(href) = link(page, rel) {
                    assert!(href.starts_with(&app.url(USERS)), "absolute: {href}");
                    assert!(href.contains("limit=2"), "keeps limit: {href}");
                    assert!(href.contains(&format!("sort={}", enc(sort))), "{href}");
                }
            }
        }
        let last = pages.last().unwrap().clone();
        let back = walk_prev(&app, &token, last).await;
        let backward: Vec<Value> = back.iter().rev().flat_map(items_of).collect();
        assert_eq!(ids(&backward), ids(&forward), "{sort}: prev walks back");
    }

    // Without `sort`: newest first; a bare name and a space (a decoded `+`)
    // mean ascending.
    let (_, default) = list_users(&app, &token, "limit=100").await;
    let (_, newest) = list_users(&app, &token, "limit=100&sort=-createdAt").await;
    assert_eq!(ids(&items_of(&default)), ids(&items_of(&newest)));
    let (_, bare) = list_users(&app, &token, "limit=100&sort=email").await;
    let (_, spaced) = list_users(&app, &token, "limit=100&sort=+email").await;
    let (_, plus) = list_users(&app, &token, "limit=100&sort=%2Bemail").await;
    assert_eq!(ids(&items_of(&bare)), ids(&items_of(&plus)));
    assert_eq!(ids(&items_of(&spaced)), ids(&items_of(&plus)));
    assert!(link(&default, "next").is_none());
    assert!(default.get("totalResults").is_none(), "only when asked");
    let users = items_of(&default);
    assert!(
        users
            .iter()
            .all(|u| u.get("password").is_none() && u.get("passwordHash").is_none()),
        "no password in a list"
    );
}

#[tokio::test]
async fn filters_over_every_attribute_select_what_the_evaluator_selects() {
    let app = spawn_app().await;
    let token = app.admin.token.clone();
    seed(&app, &token).await;
    let (_, all) = list_users(&app, &token, "limit=100").await;
    let users = items_of(&all);
    assert_eq!(users.len(), 9);
    let middle = users[4]["createdAt"].as_str().unwrap().to_owned();
    let filters = [
        r#"email ew "@example.com""#.to_owned(),
        r#"EMAIL eq "GRACE@navy.MIL""#.to_owned(),
        r#"email sw "ken""#.to_owned(),
        r#"name co "KEN""#.to_owned(),
        r#"name eq "renamed""#.to_owned(),
        r#"name gt "f""#.to_owned(),
        r#"subject eq "turing""#.to_owned(),
        r#"subject pr"#.to_owned(),
        r#"status eq "disabled""#.to_owned(),
        r#"status ne "DISABLED" and email co "example.org""#.to_owned(),
        format!(r#"createdAt gt "{middle}""#),
        format!(r#"createdAt le "{middle}" or status eq "disabled""#),
        r#"not (email ew ".com") and not (status eq "active")"#.to_owned(),
        r#"name sw "nobody""#.to_owned(),
    ];
    for filter in &filters {
        for sort in ["-createdAt", "+name", "-email", "+status"] {
            let query = format!(
                "limit=3&totalResults=true&filter={}&sort={}",
                enc(filter),
                enc(sort)
            );
            let (code, first) = list_users(&app, &token, &query).await;
            assert_eq!(code, StatusCode::OK, "{filter}: {first}");
            let want = expected(&users, filter, sort);
            assert_eq!(first["totalResults"], json!(want.len()), "{filter}");
            let pages = walk_next(&app, &token, first).await;
            for page in &pages {
                let next = link(page, "next").or(link(page, "self")).unwrap();
                assert!(next.contains(&format!("filter={}", enc(filter))), "{next}");
                assert!(next.contains("totalResults=true"), "{next}");
                assert_eq!(page["totalResults"], json!(want.len()), "every page");
            }
            let got: Vec<Value> = pages.iter().flat_map(items_of).collect();
            assert_eq!(ids(&got), want, "{filter} sorted {sort}");
        }
    }
}

#[tokio::test]
async fn bad_parameters_answer_400_with_the_users_names() {
    let app = spawn_app().await;
    let token = app.admin.token.clone();
    let cases = [
        ("limit=0", "OAUTH-CLIENTS-3", "limit"),
        ("limit=101", "OAUTH-CLIENTS-3", "limit"),
        (
            "sort=clientName",
            "OAUTH-CLIENTS-3",
            "name, email, status, createdAt, updatedAt",
        ),
        ("sort=subject", "OAUTH-CLIENTS-3", "sort"),
        ("page=2", "OAUTH-CLIENTS-3", "page"),
        ("limit=2&limit=3", "OAUTH-CLIENTS-3", "limit"),
        (
            "filter=clientName%20eq%20%22x%22",
            "OAUTH-CLIENTS-4",
            "position 0",
        ),
        (
            "filter=updatedAt%20pr",
            "OAUTH-CLIENTS-4",
            "unknown attribute `updatedAt`",
        ),
        ("filter=email%20eq", "OAUTH-CLIENTS-4", "position 8"),
        (
            "filter=createdAt%20gt%20%22yesterday%22",
            "OAUTH-CLIENTS-4",
            "createdAt",
        ),
        ("next=abc", "OAUTH-CLIENTS-5", ""),
    ];
    for (query, code, needle) in cases {
        let (status, body) = list_users(&app, &token, query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_error(&body, StatusCode::BAD_REQUEST);
        assert_eq!(body["errors"][0]["code"], code, "{query}: {body}");
        let detail = body["errors"][0]["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(needle), "{query}: {detail}");
    }
}

/// The `next` cursor of a page.
fn cursor_of(page: &Value) -> String {
    let href = link(page, "next").expect("a next link");
    url::Url::parse(href)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "next")
        .unwrap()
        .1
        .into_owned()
}

#[tokio::test]
async fn cursors_are_bound_to_the_query_the_tenant_and_the_users_list() {
    let app = spawn_app().await;
    let token = app.admin.token.clone();
    seed(&app, &token).await;
    let other = app.new_tenant("other").await;
    user(&app, &other.token, "someone@other.example").await;
    let (_, page) = list_users(&app, &token, "limit=2&sort=%2Bname").await;
    let cursor = cursor_of(&page);
    let c = enc(&cursor);
    let mut flipped = cursor.clone().into_bytes();
    flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
    let flipped = enc(&String::from_utf8(flipped).unwrap());
    for (name, query) in [
        ("tampered", format!("limit=2&sort=%2Bname&next={flipped}")),
        ("other limit", format!("limit=3&sort=%2Bname&next={c}")),
        ("other sort", format!("limit=2&sort=-name&next={c}")),
        (
            "other filter",
            format!("limit=2&sort=%2Bname&filter=name%20pr&next={c}"),
        ),
        ("as prev", format!("limit=2&sort=%2Bname&prev={c}")),
    ] {
        let (status, body) = list_users(&app, &token, &query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {body}");
        assert_eq!(
            body["errors"][0]["code"], "OAUTH-CLIENTS-5",
            "{name}: {body}"
        );
    }
    let (status, _) = list_users(
        &app,
        &other.token,
        &format!("limit=2&sort=%2Bname&next={c}"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "another tenant's cursor");

    // A users cursor on the clients list, and a clients cursor on the users
    // list, with the same limit, sort spelling and no filter.
    for i in 0..3 {
        app.create_client(
            &token,
            json!({"appType": "spa", "clientName": format!("c{i}")}),
        )
        .await;
    }
    let (_, users_page) = list_users(&app, &token, "limit=2").await;
    let users_cursor = enc(&cursor_of(&users_page));
    let (status, body) = app
        .list(&token, &format!("limit=2&next={users_cursor}"))
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a users cursor on clients: {body}"
    );
    let (_, clients_page) = app.list(&token, "limit=2").await;
    let clients_cursor = enc(&cursor_of(&clients_page));
    let (status, body) = list_users(&app, &token, &format!("limit=2&next={clients_cursor}")).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a clients cursor on users: {body}"
    );

    let (status, _) = list_users(&app, &token, &format!("limit=2&sort=%2Bname&next={c}")).await;
    assert_eq!(status, StatusCode::OK, "the genuine cursor works");
}

#[tokio::test]
async fn the_list_shows_only_the_callers_tenant_and_needs_users_read() {
    let app = spawn_app().await;
    let admin = &app.admin;
    let other = app.new_tenant("other").await;
    let mine = user(&app, &admin.token, "mine@example.com").await;
    let theirs = user(&app, &other.token, "theirs@example.com").await;
    user(&app, &other.token, "theirs2@example.com").await;

    let (status, page) = list_users(&app, &admin.token, "totalResults=true").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(ids(&items_of(&page)), [id_of(&mine)]);
    assert_eq!(page["totalResults"], 1);
    let (_, filtered) = list_users(
        &app,
        &admin.token,
        &format!("totalResults=true&filter={}", enc(r#"email sw "theirs""#)),
    )
    .await;
    assert!(items_of(&filtered).is_empty(), "{filtered}");
    assert_eq!(filtered["totalResults"], 0);
    let (_, page) = list_users(&app, &other.token, "totalResults=true").await;
    assert_eq!(page["totalResults"], 2);
    assert!(ids(&items_of(&page)).contains(&id_of(&theirs).to_owned()));

    let empty = app.new_tenant("empty").await;
    let (status, page) = list_users(&app, &empty.token, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["data"], json!([]));
    assert_eq!(link(&page, "self"), Some(app.url(USERS).as_str()));
    assert!(link(&page, "next").is_none() && link(&page, "prev").is_none());

    let clients_only = app
        .token_with_scopes(admin, &["oauth-clients:read", "oauth-clients:write"])
        .await;
    let (status, body) = list_users(&app, &clients_only, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["errors"][0]["code"], "OAUTH-CLIENTS-13");
    let read_only = app.token_with_scopes(admin, &["users:read"]).await;
    let (status, page) = list_users(&app, &read_only, "").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(ids(&items_of(&page)), [id_of(&mine)]);
    let res = app.http.get(app.url(USERS)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // The unfiltered count follows deletes, in the caller's tenant only.
    let (status, body) = delete_user(&app, &admin.token, id_of(&mine)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, page) = list_users(&app, &admin.token, "totalResults=true").await;
    assert_eq!(page["totalResults"], 0);
    let (_, page) = list_users(&app, &other.token, "totalResults=true").await;
    assert_eq!(page["totalResults"], 2);
}
