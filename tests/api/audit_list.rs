//! `GET /api/core/audits` (contract §10): the tenant's events newest first
//! with the list conventions of §4 (keyset pages, `limit`, `totalResults`,
//! `links`), a filter over `type`, `subject`, `actor.sub`, `time` and
//! `traceid`, scope `audits:read`, and never another tenant's event.

use crate::support::audit::events_of;
use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const AUDITS: &str = "/api/core/audits";

async fn audits(app: &TestApp, token: &str, query: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.extend_pairs(query);
    let res = app
        .http
        .get(app.url(&format!("{AUDITS}?{}", q.finish())))
        .bearer_auth(token)
        .send()
        .await
        .expect("send");
    read(res).await
}

fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Follows `next` links from `first` to the end; every page's events.
async fn walk(app: &TestApp, token: &str, first: Value) -> Vec<String> {
    let mut all = ids(&first);
    let mut page = first;
    while let Some(next) = page["links"]["next"]["href"].as_str() {
        let (s, p) = app.get_url(token, next).await;
        assert_eq!(s, StatusCode::OK, "{p}");
        all.extend(ids(&p));
        page = p;
    }
    all
}

/// A tenant with a few changes: two clients (one patched, one deleted) and
/// a secret; returns the first client's id.
async fn some_changes(app: &TestApp, t: &Tenant) -> String {
    let a = app.web_client(&t.token, "Alpha").await;
    let id = a["clientId"].as_str().unwrap().to_owned();
    let ops = json!([{"op":"replace","path":"/clientName","value":"Alpha 2"}]);
    assert_eq!(
        app.patch(&t.token, &id, ops).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.add_secret(&t.token, &id).await.0, StatusCode::CREATED);
    let b = app.web_client(&t.token, "Beta").await;
    let b = b["clientId"].as_str().unwrap();
    assert_eq!(
        app.delete_client(&t.token, b).await.0,
        StatusCode::NO_CONTENT
    );
    id
}

#[tokio::test]
async fn the_list_is_the_log_newest_first_in_keyset_pages() {
    let app = spawn_app().await;
    let t = app.admin.clone();
    some_changes(&app, &t).await;
    let stored = events_of(&app, &t.tenant_id).await;
    assert_eq!(
        stored.len(),
        5 + PROVISIONED_CLIENTS,
        "tenant create, 2 created, updated, secret, deleted"
    );
    let mut newest_first = stored.clone();
    newest_first.reverse();

    let (s, all) = audits(&app, &t.token, &[("totalResults", "true")]).await;
    assert_eq!(s, StatusCode::OK, "{all}");
    assert_eq!(all["data"], json!(newest_first), "the events as recorded");
    assert_eq!(all["totalResults"], 5 + PROVISIONED_CLIENTS);
    assert!(
        all["links"]["self"]["href"]
            .as_str()
            .unwrap()
            .ends_with("/api/core/audits?totalResults=true")
    );
    assert!(all["links"].get("next").is_none());

    let (s, first) = audits(&app, &t.token, &[("limit", "4"), ("sort", "-time")]).await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert_eq!(first["data"].as_array().unwrap().len(), 4);
    assert!(first.get("totalResults").is_none());
    let walked = walk(&app, &t.token, first.clone()).await;
    let expected: Vec<String> = newest_first
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(walked, expected);
    // Back from the second page.
    let (_, second) = app
        .get_url(&t.token, first["links"]["next"]["href"].as_str().unwrap())
        .await;
    let (_, back) = app
        .get_url(&t.token, second["links"]["prev"]["href"].as_str().unwrap())
        .await;
    assert_eq!(ids(&back), ids(&first));
}

#[tokio::test]
async fn filters_select_by_type_subject_actor_time_and_trace() {
    let app = spawn_app().await;
    let t = app.admin.clone();
    let id = some_changes(&app, &t).await;
    let stored = events_of(&app, &t.tenant_id).await;
    let count = |f: &'static str| {
        let (app, token) = (&app, t.token.clone());
        async move {
            let (s, page) = audits(app, &token, &[("filter", f), ("totalResults", "true")]).await;
            assert_eq!(s, StatusCode::OK, "{f}: {page}");
            page
        }
    };
    let page = count(r#"type eq "com.registrar.oauth-client.created""#).await;
    assert_eq!(page["totalResults"], 2 + PROVISIONED_CLIENTS);
    assert!(
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["type"] == "com.registrar.oauth-client.created")
    );

    let f = format!(r#"subject eq "{}""#, id.to_uppercase());
    let (_, page) = audits(&app, &t.token, &[("filter", &f), ("totalResults", "true")]).await;
    assert_eq!(
        page["totalResults"], 3,
        "created, updated, secret created; any case: {page}"
    );
    assert!(
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["subject"] == id.as_str())
    );

    let (_, page) = audits(&app, &t.token, &[("filter", r#"actor.sub eq "SYSTEM""#)]).await;
    assert_eq!(
        ids(&page),
        [
            stored[1]["id"].as_str().unwrap(),
            stored[0]["id"].as_str().unwrap()
        ],
        "tenant create's events (admin and console clients), newest first"
    );
    let page = count("traceid pr").await;
    assert_eq!(page["totalResults"], 5, "every event but the command's");
    let trace = stored[3]["traceid"].as_str().unwrap();
    let f = format!(r#"traceid eq "{trace}""#);
    let (_, page) = audits(&app, &t.token, &[("filter", &f)]).await;
    assert_eq!(ids(&page), [stored[3]["id"].as_str().unwrap()]);

    let since = stored[4]["time"].as_str().unwrap();
    let f = format!(r#"time ge "{since}" and not (type sw "com.registrar.oauth-client.secret")"#);
    let (_, page) = audits(&app, &t.token, &[("filter", &f)]).await;
    let mut expected: Vec<&str> = stored[4..]
        .iter()
        .filter(|e| !e["type"].as_str().unwrap().contains("secret"))
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    expected.reverse();
    assert_eq!(ids(&page), expected);
}

#[tokio::test]
async fn bad_parameters_are_400_with_the_list_codes() {
    let app = spawn_app().await;
    let token = &app.admin.token;
    let cases: [(&[(&str, &str)], &str); 6] = [
        (&[("filter", "clientName eq \"x\"")], "OAUTH-CLIENTS-4"),
        (&[("filter", "type eq")], "OAUTH-CLIENTS-4"),
        (&[("filter", "time gt \"yesterday\"")], "OAUTH-CLIENTS-4"),
        (&[("sort", "+time")], "OAUTH-CLIENTS-3"),
        (&[("sort", "type")], "OAUTH-CLIENTS-3"),
        (&[("next", "not-a-cursor")], "OAUTH-CLIENTS-5"),
    ];
    for (query, code) in cases {
        let (s, body) = audits(&app, token, query).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{query:?}: {body}");
        assert_error(&body, StatusCode::BAD_REQUEST);
        assert_eq!(body["errors"][0]["code"], code, "{query:?}: {body}");
    }
    // A cursor of the clients' list is not one of this list.
    for i in 0..3 {
        app.web_client(token, &format!("c{i}")).await;
    }
    let (_, clients) = app.list(token, "limit=1").await;
    let next = clients["links"]["next"]["href"].as_str().unwrap();
    let cursor = url::Url::parse(next)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "next")
        .unwrap()
        .1
        .into_owned();
    let (s, body) = audits(&app, token, &[("limit", "1"), ("next", &cursor)]).await;
    assert_eq!(
        (s, body["errors"][0]["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("OAUTH-CLIENTS-5"))
    );
}

#[tokio::test]
async fn the_list_needs_audits_read_and_that_scope_reaches_nothing_else() {
    let app = spawn_app().await;
    let t = app.admin.clone();
    let without = app
        .token_with_scopes(&t, &["oauth-clients:write", "users:write"])
        .await;
    let (s, body) = audits(&app, &without, &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["errors"][0]["code"], "OAUTH-CLIENTS-13");
    let only = app.token_with_scopes(&t, &["audits:read"]).await;
    assert_eq!(audits(&app, &only, &[]).await.0, StatusCode::OK);
    assert_eq!(app.list(&only, "").await.0, StatusCode::FORBIDDEN);
    let res = app
        .http
        .post(app.url(AUDITS))
        .bearer_auth(&only)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::METHOD_NOT_ALLOWED,
        "the log is read-only"
    );
    let (s, _) = audits(&app, "not-a-token", &[]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_tenant_lists_only_its_own_events() {
    let app = spawn_app().await;
    let a = app.admin.clone();
    let b = app.new_tenant("other").await;
    let a_client = some_changes(&app, &a).await;
    some_changes(&app, &b).await;
    let (_, a_page) = audits(&app, &a.token, &[("limit", "2"), ("totalResults", "true")]).await;
    let (_, b_page) = audits(&app, &b.token, &[("totalResults", "true")]).await;
    assert_eq!(a_page["totalResults"], 5 + PROVISIONED_CLIENTS);
    assert_eq!(b_page["totalResults"], 5 + PROVISIONED_CLIENTS);
    let a_all = walk(&app, &a.token, a_page.clone()).await;
    assert!(
        b_page["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["tenantid"] == b.tenant_id.as_str())
    );
    assert!(ids(&b_page).iter().all(|id| !a_all.contains(id)));
    // Filtering by another tenant's resource finds nothing.
    let f = format!(r#"subject eq "{a_client}""#);
    let (_, page) = audits(&app, &b.token, &[("filter", &f), ("totalResults", "true")]).await;
    assert_eq!(
        (page["totalResults"].clone(), page["data"].clone()),
        (json!(0), json!([]))
    );
    // A cursor of one tenant's list is refused in another's.
    let next = a_page["links"]["next"]["href"].as_str().unwrap();
    let (s, body) = app.get_url(&b.token, next).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["errors"][0]["code"], "OAUTH-CLIENTS-5");
    // Server-wide events (key rotations) are in no tenant's list.
    registrar::cli::keys::rotate_in(&app.store, 0)
        .await
        .unwrap();
    let (_, page) = audits(
        &app,
        &a.token,
        &[("filter", r#"type eq "com.registrar.signing-key.rotated""#)],
    )
    .await;
    assert_eq!(page["data"], json!([]));
}
