//! Contract §4 "List": limit, keyset cursors, links, totalResults, sort and
//! filter over HTTP.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;

async fn seed(app: &TestApp, names: &[&str]) -> Vec<String> {
    let mut ids = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let t = ["web", "spa", "native", "anonymous-embed"][i % 4];
        let (s, c) = app
            .create_client(&app.admin.token, json!({"appType": t, "clientName": n}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        ids.push(c["clientId"].as_str().unwrap().to_owned());
    }
    ids
}

fn ids_of(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["clientId"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn limit_defaults_to_20_and_is_bounded() {
    let app = spawn_app().await;
    seed(&app, &(0..24).map(|_| "c").collect::<Vec<_>>()).await;
    let (status, page) = app.list(&app.admin.token, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["data"].as_array().unwrap().len(), 20);
    assert!(
        page.get("totalResults").is_none(),
        "totalResults only on request"
    );
    assert!(
        page["links"].get("prev").is_none(),
        "first page has no prev"
    );
    assert!(page["links"]["next"]["href"].is_string());
    let (_, page) = app.list(&app.admin.token, "limit=100").await;
    assert_eq!(
        page["data"].as_array().unwrap().len(),
        24 + PROVISIONED_CLIENTS
    );
    assert!(
        page["links"].get("next").is_none(),
        "no next on the last page"
    );
    for bad in [
        "limit=0",
        "limit=101",
        "limit=-1",
        "limit=abc",
        "limit=",
        "totalResults=yes",
        "sort=name",
        "bogus=1",
        "limit=5&limit=6",
    ] {
        let (status, body) = app.list(&app.admin.token, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_error(&body, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn walking_next_then_prev_visits_every_client_once_in_order() {
    let app = spawn_app().await;
    seed(&app, &(0..33).map(|_| "c").collect::<Vec<_>>()).await;
    let (_, all) = app
        .list(&app.admin.token, "limit=100&sort=-createdAt")
        .await;
    let expected = ids_of(&all);
    assert_eq!(expected.len(), 33 + PROVISIONED_CLIENTS);

    let (_, mut page) = app
        .list(&app.admin.token, "limit=7&totalResults=true")
        .await;
    let mut seen = ids_of(&page);
    let mut pages = vec![page.clone()];
    while let Some(next) = page["links"]["next"]["href"].as_str() {
        assert!(next.starts_with(&app.base), "absolute link: {next}");
        assert!(
            next.contains("limit=7") && next.contains("totalResults=true"),
            "keeps the query: {next}"
        );
        page = app.get_url(&app.admin.token, next).await.1;
        assert_eq!(page["totalResults"], expected.len());
        assert!(
            page["links"]["prev"]["href"].is_string(),
            "pages after the first have prev"
        );
        seen.extend(ids_of(&page));
        pages.push(page.clone());
    }
    assert_eq!(
        seen, expected,
        "next visits every client exactly once, in order"
    );
    assert_eq!(pages.len(), 5);

    let mut back = ids_of(&page);
    while let Some(prev) = page["links"]["prev"]["href"].as_str() {
        page = app.get_url(&app.admin.token, prev).await.1;
        let mut ids = ids_of(&page);
        ids.extend(back);
        back = ids;
    }
    assert_eq!(back, expected, "prev walks back over the same clients");
    assert!(page["links"].get("prev").is_none());
}

#[tokio::test]
async fn walk_survives_concurrent_creates_and_deletes() {
    let app = spawn_app().await;
    let ids = seed(&app, &(0..30).map(|_| "c").collect::<Vec<_>>()).await;
    let (victims, survivors) = ids.split_at(10);
    let survivors: HashSet<String> = survivors
        .iter()
        .cloned()
        .chain([app.admin.client_id.clone()])
        .collect();
    let (_, mut page) = app.list(&app.admin.token, "limit=4").await;
    let mut seen = ids_of(&page);
    let mut step = 0;
    while let Some(next) = page["links"]["next"]["href"].as_str().map(str::to_owned) {
        // Between pages: delete one of the victims and create a newcomer.
        if let Some(v) = victims.get(step) {
            assert_eq!(
                app.delete_client(&app.admin.token, v).await.0,
                StatusCode::NO_CONTENT
            );
        }
        seed(&app, &["newcomer"]).await;
        step += 1;
        page = app.get_url(&app.admin.token, &next).await.1;
        seen.extend(ids_of(&page));
    }
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no client repeated");
    assert!(
        survivors.is_subset(&unique),
        "no client that existed throughout was skipped"
    );
}

#[tokio::test]
async fn cursors_are_tamper_evident_and_bound_to_the_query() {
    let app = spawn_app().await;
    seed(&app, &["a", "b", "c", "d"]).await;
    let other = app.new_tenant("other").await;
    seed(&app, &[]).await;
    let (_, page) = app.list(&app.admin.token, "limit=2&sort=clientName").await;
    let next = page["links"]["next"]["href"].as_str().unwrap();
    let cursor = url::Url::parse(next)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "next")
        .unwrap()
        .1
        .into_owned();
    let q = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let mut flipped = cursor.clone().into_bytes();
    flipped[5] = if flipped[5] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let cases = [
        (
            "tampered",
            format!("limit=2&sort=clientName&next={}", q(&flipped)),
        ),
        (
            "other limit",
            format!("limit=3&sort=clientName&next={}", q(&cursor)),
        ),
        (
            "other sort",
            format!("limit=2&sort=-clientName&next={}", q(&cursor)),
        ),
        (
            "other filter",
            format!(
                "limit=2&sort=clientName&filter={}&next={}",
                q("clientName pr"),
                q(&cursor)
            ),
        ),
        (
            "as prev",
            format!("limit=2&sort=clientName&prev={}", q(&cursor)),
        ),
        ("garbage", "limit=2&sort=clientName&next=abc".to_owned()),
        (
            "both",
            format!("limit=2&sort=clientName&next={0}&prev={0}", q(&cursor)),
        ),
    ];
    for (name, query) in cases {
        let (status, body) = app.list(&app.admin.token, &query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {body}");
        assert_error(&body, StatusCode::BAD_REQUEST);
    }
    let (status, _) = app
        .list(
            &other.token,
            &format!("limit=2&sort=clientName&next={}", q(&cursor)),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "another tenant's cursor");
    let (status, _) = app
        .list(
            &app.admin.token,
            &format!("limit=2&sort=clientName&next={}", q(&cursor)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "the genuine cursor works");
}

#[tokio::test]
async fn every_sort_orders_correctly_with_client_id_tie_break() {
    let app = spawn_app().await;
    seed(
        &app,
        &[
            "delta", "Alpha", "charlie", "bravo", "alpha", "Echo", "delta",
        ],
    )
    .await;
    let (_, all) = app.list(&app.admin.token, "limit=100").await;
    let rows: Vec<Value> = all["data"].as_array().unwrap().clone();
    let key = |c: &Value, f: &str| -> String {
        match f {
            "clientName" => c["clientName"].as_str().unwrap().to_lowercase(),
            other => c[other].as_str().unwrap().to_owned(),
        }
    };
    for field in [
        "clientId",
        "clientName",
        "appType",
        "createdAt",
        "updatedAt",
    ] {
        for (prefix, desc) in [("+", false), ("-", true), ("", false), (" ", false)] {
            let mut expected = rows.clone();
            expected.sort_by(|a, b| {
                let o = key(a, field)
                    .cmp(&key(b, field))
                    .then_with(|| a["clientId"].as_str().cmp(&b["clientId"].as_str()));
                if desc { o.reverse() } else { o }
            });
            let expected: Vec<String> = expected
                .iter()
                .map(|c| c["clientId"].as_str().unwrap().to_owned())
                .collect();
            let sort = url::form_urlencoded::byte_serialize(format!("{prefix}{field}").as_bytes())
                .collect::<String>();
            // Walk in pages of 3 so the cursor path is exercised for every sort.
            let (status, mut page) = app
                .list(&app.admin.token, &format!("limit=3&sort={sort}"))
                .await;
            assert_eq!(status, StatusCode::OK, "{prefix}{field}: {page}");
            let mut got = ids_of(&page);
            while let Some(next) = page["links"]["next"]["href"].as_str() {
                page = app.get_url(&app.admin.token, next).await.1;
                got.extend(ids_of(&page));
            }
            assert_eq!(got, expected, "sort {prefix:?}{field}");
        }
    }
    // A literal `+` in a query string is a space: `?sort=+clientName` means ascending.
    let (status, page) = app.list(&app.admin.token, "sort=+clientName&limit=1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        page["data"][0]["clientName"]
            .as_str()
            .unwrap()
            .to_lowercase(),
        "acme admin"
    );
}

#[tokio::test]
async fn filter_narrows_results_and_counts() {
    let app = spawn_app().await;
    seed(&app, &["Payments API", "payments-ui", "Reports", "Other"]).await;
    let q = |f: &str| {
        format!(
            "totalResults=true&filter={}",
            url::form_urlencoded::byte_serialize(f.as_bytes()).collect::<String>()
        )
    };
    // With the tenant's admin client (web) and console client (spa).
    let all = 4 + PROVISIONED_CLIENTS;
    let cases = [
        ("clientName sw \"payments\"", 2),
        ("clientName co \"PAY\" and appType eq \"web\"", 1),
        ("appType eq \"spa\" or appType eq \"native\"", 3),
        ("not (clientName co \"pay\")", all - 2),
        ("CLIENTNAME EQ \"reports\"", 1),
        ("clientId pr", all),
        ("createdAt gt \"2000-01-01T00:00:00Z\"", all),
    ];
    for (f, n) in cases {
        let (status, page) = app.list(&app.admin.token, &q(f)).await;
        assert_eq!(status, StatusCode::OK, "{f}: {page}");
        assert_eq!(page["totalResults"], n, "{f}");
        assert_eq!(page["data"].as_array().unwrap().len(), n, "{f}");
    }
    for (f, pos) in [
        ("clientName eq", "13"),
        ("color eq \"x\"", "0"),
        ("clientName eq \"x\" and", "21"),
        ("((clientName pr)", "16"),
    ] {
        let (status, body) = app.list(&app.admin.token, &q(f)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{f}");
        let detail = body["errors"][0]["detail"].as_str().unwrap();
        assert!(
            detail.starts_with("filter:") && detail.contains(&format!("position {pos}")),
            "{f}: {detail}"
        );
    }
    let long = format!("clientName eq \"{}\"", "a".repeat(1100));
    assert_eq!(
        app.list(&app.admin.token, &q(&long)).await.0,
        StatusCode::BAD_REQUEST
    );
    let deep = format!("{}clientName pr{}", "(".repeat(17), ")".repeat(17));
    assert_eq!(
        app.list(&app.admin.token, &q(&deep)).await.0,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn empty_tenant_list_has_only_self_link() {
    let app = spawn_app().await;
    let (_, page) = app
        .list(
            &app.admin.token,
            "filter=clientName%20eq%20%22none%22&totalResults=true",
        )
        .await;
    assert_eq!(page["data"], json!([]));
    assert_eq!(page["totalResults"], 0);
    let links = page["links"].as_object().unwrap();
    assert_eq!(links.len(), 1);
    assert!(
        links["self"]["href"]
            .as_str()
            .unwrap()
            .contains("filter=clientName+eq+%22none%22")
    );
}
