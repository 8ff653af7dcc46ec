//! The OpenAPI description is kept true: its paths and methods are exactly
//! the router's, every documented operation is served, and it is published
//! with a browsable page that needs no token and no internet.

use crate::support::*;
use registrar::state::{AppState, Settings};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// `(path template, METHOD)` of every operation in docs/openapi.json.
fn documented() -> BTreeSet<(String, String)> {
    let spec: Value = serde_json::from_str(registrar::ops::openapi::SPEC).unwrap();
    let mut out = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for m in METHODS {
            if item.get(m).is_some() {
                out.insert((path.clone(), m.to_ascii_uppercase()));
            }
        }
    }
    out
}

/// `(path template, METHOD)` of every route of the real router, read from
/// its `Debug` form (axum offers no other way to list routes). HEAD is left
/// out: axum serves it wherever GET is served. Catch-all segments `{*x}` are
/// written `{x}`, as OpenAPI does.
fn routed(router: &axum::Router) -> BTreeSet<(String, String)> {
    let dbg = format!("{router:?}");
    let main = dbg
        .split("fallback_router")
        .next()
        .expect("the router's Debug form has its path router first");
    let mut paths: HashMap<u32, String> = HashMap::new();
    let mut allows: HashMap<u32, String> = HashMap::new();
    let mut rest = main;
    while let Some(i) = rest.find("RouteId(") {
        rest = &rest[i + "RouteId(".len()..];
        let close = rest.find(')').unwrap();
        let id: u32 = rest[..close].parse().unwrap();
        let after = rest[close + 1..].trim_start_matches(": ");
        if let Some(p) = after.strip_prefix('"') {
            paths.insert(id, p.split('"').next().unwrap().to_owned());
        } else if after.starts_with("MethodRouter(") {
            let a = after.find("allow_header: Bytes(b\"").expect("allow header");
            let list = &after[a + "allow_header: Bytes(b\"".len()..];
            allows.insert(id, list.split('"').next().unwrap().to_owned());
        }
    }
    assert!(paths.len() >= 10, "the router's Debug form changed: {main}");
    let mut out = BTreeSet::new();
    for (id, path) in paths {
        let path = path.replace("{*", "{");
        for m in allows[&id].split(',').filter(|m| *m != "HEAD") {
            out.insert((path.clone(), m.to_owned()));
        }
    }
    out
}

#[tokio::test]
async fn every_route_is_documented_and_every_documented_operation_is_routed() {
    let app = spawn_app().await;
    let state = AppState::new(
        app.store.clone(),
        Settings {
            public_url: app.base.clone(),
            token_ttl: 60,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let routed = routed(&registrar::app::router(state));
    let documented = documented();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from docs/openapi.json: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented but not routed: {unrouted:?}"
    );
}

#[tokio::test]
async fn every_documented_operation_answers_over_http() {
    let app = spawn_app().await;
    let client = app.web_client(&app.admin.token, "doc").await;
    let id = client["clientId"].as_str().unwrap();
    for (path, method) in documented() {
        let url = app.url(
            &path
                .replace("{id}", id)
                .replace("{hint}", "abcde")
                .replace("{file}", "index.html"),
        );
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let res = app
            .http
            .request(method.clone(), &url)
            .bearer_auth(&app.admin.token)
            .header("qlik-confirm-delete", "not-this-one")
            .send()
            .await
            .unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        assert_ne!(
            status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}: {text}"
        );
        assert!(
            !text.contains("\"HTTP-404\""),
            "{method} {path} is not routed: {text}"
        );
        assert!(
            !status.is_server_error(),
            "{method} {path}: {status} {text}"
        );
    }
}

#[tokio::test]
async fn the_description_and_its_browsable_page_need_no_token_and_no_internet() {
    let app = spawn_app().await;
    let (status, spec) = read(app.http.get(app.url("/openapi.json")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(
        spec["servers"][0]["url"],
        app.base.as_str(),
        "servers names the public URL"
    );

    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = no_redirects.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(res.headers()["location"], "/docs/");

    let res = app.http.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = res.text().await.unwrap();
    // Every script and style the page loads is served by this server.
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            let target = part.split('"').next().unwrap();
            assert!(
                !target.contains("://") && !target.starts_with("//"),
                "external asset {target}"
            );
            let url = app.url(&format!("/docs/{}", target.trim_start_matches("./")));
            let res = app.http.get(&url).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{url}");
        }
    }
    let init = app
        .http
        .get(app.url("/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap();
    assert!(init.text().await.unwrap().contains("/openapi.json"));
}
