//! Contract §4 "List", cursors: walks over every sort value in both
//! directions while other clients are created and deleted, `prev`/`next`
//! symmetry, and the pages a cursor leads to after everything beyond it was
//! deleted.

use crate::support::list::*;
use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Mutex;

const APP_TYPES: [&str; 4] = ["web", "spa", "native", "anonymous-embed"];

/// Names with duplicates, case variants and non-ASCII, so that ties on the
/// sort value are common and broken by `clientId`.
const NAMES: [&str; 12] = [
    "delta", "Alpha", "charlie", "bravo", "alpha", "Echo", "delta", "ALPHA", "zulu", "Été", "été",
    "_x%",
];

async fn create(app: &TestApp, token: &str, i: usize, name: &str) -> String {
    let body = json!({"appType": APP_TYPES[i % 4], "clientName": name});
    let (status, client) = app.create_client(token, body).await;
    assert_eq!(status, StatusCode::CREATED, "{client}");
    client["clientId"].as_str().unwrap_or_default().to_owned()
}

/// Clients created and deleted while a walk is under way.
struct Churn {
    victims: Mutex<Vec<String>>,
    newcomers: Mutex<Vec<String>>,
}

impl Churn {
    /// Deletes one victim (if any is left) and creates one newcomer.
    async fn step(&self, app: &TestApp, token: &str) {
        let victim = self.victims.lock().unwrap().pop();
        if let Some(id) = victim {
            let (status, body) = app.delete_client(token, &id).await;
            assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        }
        let n = self.newcomers.lock().unwrap().len();
        let id = create(app, token, n, NAMES[n % NAMES.len()]).await;
        self.newcomers.lock().unwrap().push(id);
    }
}

/// Follows `rel` links from `start`, running one churn step concurrently
/// with every page request; returns the pages in walking order.
async fn walk_with_churn(
    app: &TestApp,
    token: &str,
    start: Value,
    rel: &str,
    churn: &Churn,
) -> Vec<Value> {
    let mut pages = vec![start];
    while let Some(url) = pages.last().and_then(|p| link(p, rel)).map(str::to_owned) {
        let (page, ()) = tokio::join!(fetch(app, token, &url), churn.step(app, token));
        pages.push(page);
    }
    pages
}

/// What a walk under churn must show: each client once, in order, every
/// client that existed throughout, and nothing but this tenant's clients.
fn assert_walk(
    items: &[Value],
    sort: &str,
    survivors: &HashSet<String>,
    known: &HashSet<String>,
    what: &str,
) {
    let ids: Vec<String> = items.iter().map(|c| sort_value(c, "clientId")).collect();
    let unique: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        ids.len(),
        "{what} {sort}: a client was repeated"
    );
    let missing: Vec<&String> = survivors.difference(&unique).collect();
    assert!(missing.is_empty(), "{what} {sort}: skipped {missing:?}");
    assert!(
        unique.is_subset(known),
        "{what} {sort}: a client that never existed here"
    );
    assert_strictly_ordered(items, sort, &format!("{what} {sort}"));
}

/// Seeds a tenant for one walk: survivors (some renamed, so `updatedAt`
/// differs from `createdAt`) interleaved with victims to delete later.
async fn seed_walk(app: &TestApp, tenant: &Tenant) -> (HashSet<String>, Vec<String>) {
    let mut survivors: HashSet<String> = HashSet::from([tenant.client_id.clone()]);
    let mut victims = Vec::new();
    for i in 0..30 {
        let id = create(app, &tenant.token, i, NAMES[i % NAMES.len()]).await;
        if i % 3 == 1 {
            victims.push(id);
        } else {
            if i % 4 == 0 {
                let patch = json!([{"op": "replace", "path": "/clientName", "value": NAMES[(i * 7) % NAMES.len()]}]);
                let (status, body) = app.patch(&tenant.token, &id, patch).await;
                assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
            }
            survivors.insert(id);
        }
    }
    (survivors, victims)
}

#[tokio::test]
async fn every_sort_walks_both_ways_under_concurrent_creates_and_deletes() {
    let app = spawn_app().await;
    app.without_console_client(&app.admin).await;
    for (n, sort) in SORTS.into_iter().enumerate() {
        // A tenant per sort keeps each walk's client set small and separate.
        let tenant = app.new_tenant(&format!("walk {n}")).await;
        app.without_console_client(&tenant).await;
        let token = tenant.token.as_str();
        let (survivors, mut victims) = seed_walk(&app, &tenant).await;
        let mut known: HashSet<String> = survivors.iter().chain(&victims).cloned().collect();
        // Half the victims go while walking forward, half while walking back.
        let back_victims = victims.split_off(victims.len() / 2);
        let churn = Churn {
            victims: Mutex::new(victims),
            newcomers: Mutex::new(Vec::new()),
        };

        let query = format!("sort={}&limit=4", enc(sort));
        let (status, first) = app.list(token, &query).await;
        assert_eq!(status, StatusCode::OK, "{sort}: {first}");
        assert!(
            link(&first, "prev").is_none(),
            "{sort}: the first page has no prev"
        );
        let forward = walk_with_churn(&app, token, first, "next", &churn).await;
        known.extend(churn.newcomers.lock().unwrap().iter().cloned());
        let items: Vec<Value> = forward.iter().flat_map(items_of).collect();
        assert_walk(&items, sort, &survivors, &known, "next walk");

        // Back from the last page, while other clients come and go.
        *churn.victims.lock().unwrap() = back_victims;
        let last = forward.last().cloned().unwrap_or_default();
        assert!(
            link(&last, "next").is_none(),
            "{sort}: the last page has no next"
        );
        let backward = walk_with_churn(&app, token, last, "prev", &churn).await;
        known.extend(churn.newcomers.lock().unwrap().iter().cloned());
        let items = items_in_display_order(&backward);
        assert_walk(&items, sort, &survivors, &known, "prev walk");
        let first_reached = backward.last().cloned().unwrap_or_default();
        assert!(
            link(&first_reached, "prev").is_none(),
            "{sort}: prev stops at the first page"
        );

        assert_quiet_walks_agree(&app, token, sort).await;
    }
}

/// Without concurrent writes, `next` from the first page and `prev` from
/// the last visit exactly the same clients, those of one big sorted page;
/// and `prev` then `next` from any page returns to that page.
async fn assert_quiet_walks_agree(app: &TestApp, token: &str, sort: &str) {
    let (_, all) = app
        .list(token, &format!("sort={}&limit=100", enc(sort)))
        .await;
    let all = items_of(&all);
    assert_strictly_ordered(&all, sort, sort);
    let all_ids: Vec<String> = all.iter().map(|c| sort_value(c, "clientId")).collect();

    let (_, first) = app
        .list(token, &format!("sort={}&limit=4", enc(sort)))
        .await;
    let forward = walk_next(app, token, first).await;
    let forward_ids: Vec<String> = forward.iter().flat_map(ids_of).collect();
    assert_eq!(forward_ids, all_ids, "{sort}: next walk");

    let last = forward.last().cloned().unwrap_or_default();
    let backward = walk_prev(app, token, last).await;
    let backward_ids: Vec<String> = backward.iter().rev().flat_map(ids_of).collect();
    assert_eq!(
        backward_ids, all_ids,
        "{sort}: prev walk visits the same clients"
    );
    assert_eq!(
        backward.len(),
        forward.len(),
        "{sort}: as many pages back as forward"
    );

    for (k, page) in forward.iter().enumerate().skip(1) {
        let prev = fetch(app, token, link(page, "prev").unwrap_or_default()).await;
        assert_eq!(
            ids_of(&prev),
            ids_of(&forward[k - 1]),
            "{sort}: prev of page {k}"
        );
        let again = fetch(app, token, link(&prev, "next").unwrap_or_default()).await;
        assert_eq!(
            ids_of(&again),
            ids_of(page),
            "{sort}: next of prev of page {k}"
        );
    }
}

/// Creates `n1`…`n6`; the tenant's admin ("acme admin") sorts before them by name.
async fn seed_named(app: &TestApp) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 1..=6 {
        ids.push(create(app, &app.admin.token, i, &format!("n{i}")).await);
    }
    ids
}

fn cursor_page_shape(page: &Value, ids: &[&str], prev: bool, next: bool, what: &str) {
    let expected: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(ids_of(page), expected, "{what}: {page}");
    assert_eq!(
        link(page, "prev").is_some(),
        prev,
        "{what}: prev link in {page}"
    );
    assert_eq!(
        link(page, "next").is_some(),
        next,
        "{what}: next link in {page}"
    );
    assert!(link(page, "self").is_some(), "{what}: self link");
}

#[tokio::test]
async fn next_cursor_past_everything_deleted_gives_an_empty_page_with_a_way_back() {
    let app = spawn_app().await;
    app.without_console_client(&app.admin).await;
    let token = app.admin.token.clone();
    let ids = seed_named(&app).await;
    let admin = app.admin.client_id.as_str();
    let (_, first) = app
        .list(&token, "sort=clientName&limit=2&totalResults=true")
        .await;
    cursor_page_shape(&first, &[admin, &ids[0]], false, true, "first page");
    for id in &ids[1..] {
        assert_eq!(
            app.delete_client(&token, id).await.0,
            StatusCode::NO_CONTENT
        );
    }

    let empty = fetch(&app, &token, link(&first, "next").unwrap_or_default()).await;
    cursor_page_shape(&empty, &[], true, false, "page after the deleted tail");
    assert_eq!(empty["totalResults"], 2, "the count reflects the deletions");
    let back = fetch(&app, &token, link(&empty, "prev").unwrap_or_default()).await;
    cursor_page_shape(
        &back,
        &[admin, &ids[0]],
        false,
        false,
        "prev of the empty page",
    );

    // Now the row the cursor points at is gone too: the way back still works.
    assert_eq!(
        app.delete_client(&token, &ids[0]).await.0,
        StatusCode::NO_CONTENT
    );
    let empty = fetch(&app, &token, link(&first, "next").unwrap_or_default()).await;
    cursor_page_shape(&empty, &[], true, false, "page after a deleted cursor row");
    let back = fetch(&app, &token, link(&empty, "prev").unwrap_or_default()).await;
    cursor_page_shape(
        &back,
        &[admin],
        false,
        false,
        "prev past a deleted cursor row",
    );
}

#[tokio::test]
async fn prev_cursor_before_everything_deleted_gives_an_empty_page_with_a_way_forward() {
    let app = spawn_app().await;
    app.without_console_client(&app.admin).await;
    let token = app.admin.token.clone();
    let ids = seed_named(&app).await;
    // Descending by name: [n6 n5] [n4 n3] [n2 n1] [acme admin].
    let (_, first) = app.list(&token, "sort=-clientName&limit=2").await;
    let second = fetch(&app, &token, link(&first, "next").unwrap_or_default()).await;
    cursor_page_shape(&second, &[&ids[3], &ids[2]], true, true, "second page");
    for id in [&ids[5], &ids[4]] {
        assert_eq!(
            app.delete_client(&token, id).await.0,
            StatusCode::NO_CONTENT
        );
    }

    let empty = fetch(&app, &token, link(&second, "prev").unwrap_or_default()).await;
    cursor_page_shape(&empty, &[], false, true, "page before the deleted head");
    let again = fetch(&app, &token, link(&empty, "next").unwrap_or_default()).await;
    cursor_page_shape(
        &again,
        &[&ids[3], &ids[2]],
        false,
        true,
        "next of the empty page",
    );
    let rest = walk_next(&app, &token, again).await;
    let walked: Vec<String> = rest.iter().flat_map(ids_of).collect();
    let admin = app.admin.client_id.clone();
    assert_eq!(
        walked,
        vec![
            ids[3].clone(),
            ids[2].clone(),
            ids[1].clone(),
            ids[0].clone(),
            admin
        ],
        "the walk resumes from the empty page"
    );
}

#[tokio::test]
async fn cursor_keeps_working_when_its_own_client_is_deleted() {
    let app = spawn_app().await;
    app.without_console_client(&app.admin).await;
    let token = app.admin.token.clone();
    let ids = seed_named(&app).await;
    let admin = app.admin.client_id.as_str();
    let (_, first) = app.list(&token, "sort=clientName&limit=3").await;
    cursor_page_shape(
        &first,
        &[admin, &ids[0], &ids[1]],
        false,
        true,
        "first page",
    );
    // The next cursor points at n2, the last row of the page; delete it.
    assert_eq!(
        app.delete_client(&token, &ids[1]).await.0,
        StatusCode::NO_CONTENT
    );
    let second = fetch(&app, &token, link(&first, "next").unwrap_or_default()).await;
    cursor_page_shape(
        &second,
        &[&ids[2], &ids[3], &ids[4]],
        true,
        true,
        "second page",
    );
    let back = fetch(&app, &token, link(&second, "prev").unwrap_or_default()).await;
    cursor_page_shape(&back, &[admin, &ids[0]], false, true, "back to the start");
}

#[tokio::test]
async fn cursors_hold_the_longest_names() {
    let app = spawn_app().await;
    app.without_console_client(&app.admin).await;
    let token = app.admin.token.clone();
    // 512 characters, each as long as a name key and its JSON escape get.
    let names = ["😀".repeat(512), "\u{1}".repeat(511) + "a", "İ".repeat(512)];
    for (i, name) in names.iter().enumerate() {
        create(&app, &token, i, name).await;
    }
    for sort in ["clientName", "-clientName"] {
        let (status, first) = app.list(&token, &format!("sort={sort}&limit=1")).await;
        assert_eq!(status, StatusCode::OK, "{first}");
        let forward = walk_next(&app, &token, first).await;
        assert_eq!(forward.len(), 4, "{sort}: every client, one per page");
        let backward = walk_prev(&app, &token, forward.last().cloned().unwrap_or_default()).await;
        assert_eq!(backward.len(), 4, "{sort}: and back");
    }
}

/// Filters of every density on a tenant larger than the walk budget of a
/// page of 2, so that every way of building a page is taken: walking the sort
/// index, the planner's choice after a failed probe, and the trigram index.
#[tokio::test]
async fn filtered_walks_agree_with_the_evaluator_at_every_density() {
    let app = spawn_app().await;
    app.without_console_client(&app.admin).await;
    let token = app.admin.token.clone();
    for i in 0..60 {
        let name = if i % 20 == 7 {
            format!("Rare Bird {i}")
        } else {
            format!("svc-{i}")
        };
        create(&app, &token, i, &name).await;
    }
    let listed = list_all(&app, &token).await;
    let filters = [
        r#"appType ne "web""#,
        r#"clientName co "rare bird""#,
        r#"clientName sw "rare""#,
        r#"clientName co "svc" and appType eq "spa""#,
        r#"clientName ew "7""#,
        r#"clientName co "nothing like it""#,
    ];
    for filter_text in filters {
        let filter = registrar::filter::parse(filter_text).unwrap_or_else(|e| panic!("{e}"));
        for sort in ["+clientName", "-createdAt", "+appType", "-updatedAt"] {
            let expected = expected_ids(&listed, &filter, sort);
            let query = format!(
                "limit=2&totalResults=true&sort={}&filter={}",
                enc(sort),
                enc(filter_text)
            );
            let (status, first) = app.list(&token, &query).await;
            assert_eq!(status, StatusCode::OK, "{first}");
            assert_eq!(
                first["totalResults"],
                json!(expected.len()),
                "{filter_text} total"
            );
            let forward = walk_next(&app, &token, first).await;
            let ids: Vec<String> = forward.iter().flat_map(ids_of).collect();
            assert_eq!(ids, expected, "{filter_text} {sort}: next walk");
            let backward =
                walk_prev(&app, &token, forward.last().cloned().unwrap_or_default()).await;
            let ids: Vec<String> = backward.iter().rev().flat_map(ids_of).collect();
            assert_eq!(ids, expected, "{filter_text} {sort}: prev walk");
        }
    }
}
