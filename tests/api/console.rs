//! The web console's serving (contract §11): its files are in the binary,
//! every console route answers `index.html`, a missing asset is a 404, and
//! every answer carries the security headers; `tenant create` registers the
//! console client and prints `consoleUrl`. The console in a browser is
//! `console_browser.rs`.

use crate::support::process::{BIN, Server, tenant_create_with, token};
use crate::support::*;
use registrar::console::{ASSETS, CONTENT_SECURITY_POLICY};
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LOCATION};
use serde_json::Value;
use std::io::Write as _;

/// The budget for everything the console downloads, gzip-compressed.
const GZIP_BUDGET: usize = 250 * 1024;

fn header(res: &reqwest::Response, name: impl reqwest::header::AsHeaderName) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn assert_security_headers(res: &reqwest::Response, what: &str) {
    assert_eq!(
        header(res, "content-security-policy"),
        CONTENT_SECURITY_POLICY,
        "{what}"
    );
    assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self';"));
    assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-inline"));
    assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
    assert_eq!(header(res, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(res, "referrer-policy"), "no-referrer", "{what}");
}

#[tokio::test]
async fn every_console_route_answers_index_html_with_security_headers() {
    let app = spawn_app().await;
    let index = String::from_utf8(ASSETS[0].bytes.to_vec()).unwrap();
    for path in [
        "/console/",
        "/console/clients",
        "/console/clients/abc?sort=-clientName&next=xyz",
        "/console/users/new",
        "/console/?code=c&state=s&iss=i",
    ] {
        let res = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_security_headers(&res, path);
        assert_eq!(header(&res, CONTENT_TYPE), "text/html; charset=utf-8");
        assert_eq!(header(&res, CACHE_CONTROL), "no-cache", "{path}");
        assert_eq!(res.text().await.unwrap(), index, "{path}");
    }
    // No inline script or style: the policy would block it.
    assert!(!index.contains("<script>") && !index.contains("style="));
}

#[tokio::test]
async fn assets_are_served_from_the_binary_and_a_missing_one_is_404() {
    let app = spawn_app().await;
    for asset in ASSETS.iter().skip(1) {
        let res = app
            .http
            .get(app.url(&format!("/console/{}", asset.path)))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{}", asset.path);
        assert_security_headers(&res, asset.path);
        assert_eq!(header(&res, CONTENT_TYPE), asset.content_type);
        let etag = header(&res, ETAG);
        assert!(etag.len() == 34 && etag.starts_with('"'), "{etag}");
        assert_eq!(res.bytes().await.unwrap(), asset.bytes);
        // The browser's copy is revalidated by its ETag.
        let again = app
            .http
            .get(app.url(&format!("/console/{}", asset.path)))
            .header(IF_NONE_MATCH, &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{}", asset.path);
    }
    let js = ASSETS.iter().find(|a| a.path == "assets/main.js").unwrap();
    assert_eq!(js.content_type, "text/javascript; charset=utf-8");
    let res = app
        .http
        .get(app.url("/console/assets/nope.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_security_headers(&res, "a missing asset");
    let res = app
        .http
        .post(app.url("/console/clients"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn console_without_a_slash_redirects_keeping_the_query() {
    let app = spawn_app().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = http
        .get(app.url("/console?client_id=abc"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(header(&res, LOCATION), "/console/?client_id=abc");
}

#[test]
fn every_file_of_the_console_folder_is_compiled_in_and_under_250_kb_gzipped() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("console");
    let mut on_disk = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(&root).unwrap();
                on_disk.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    on_disk.sort();
    let mut listed: Vec<String> = ASSETS.iter().map(|a| a.path.to_owned()).collect();
    listed.sort();
    assert_eq!(
        listed, on_disk,
        "src/console/assets.rs lists every file of console/"
    );
    let mut total = 0;
    let mut report = String::new();
    for asset in &ASSETS {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(asset.bytes).unwrap();
        let size = gz.finish().unwrap().len();
        total += size;
        report.push_str(&format!(
            "{:>7} {:>7} {}\n",
            asset.bytes.len(),
            size,
            asset.path
        ));
    }
    let _ = writeln!(
        std::io::stderr(),
        "console assets (bytes, gzip -9 bytes, path):\n{report}total gzip: {total} bytes"
    );
    assert!(total < GZIP_BUDGET, "{total} bytes gzipped:\n{report}");
}

#[tokio::test]
async fn tenant_create_registers_the_console_client_and_prints_its_url() {
    let db = TestDb::fresh().await;
    let t = tenant_create_with(
        &db.url,
        "acme",
        &["--public-url", "https://auth.example.com/"],
    );
    let console_url = t["consoleUrl"].as_str().unwrap();
    let id = console_url
        .strip_prefix("https://auth.example.com/console/?client_id=")
        .expect("consoleUrl is <public URL>/console/?client_id=<id>");
    assert_eq!(id.len(), 32);
    // The console client is an ordinary client of the tenant.
    let server = Server::start(&db.url, &[]);
    let http = reqwest::Client::new();
    let admin = token(
        &http,
        &server.base,
        t["clientId"].as_str().unwrap(),
        t["clientSecret"].as_str().unwrap(),
    )
    .await;
    let res = http
        .get(format!("{}/api/core/oauth-clients/{id}", server.base))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    let (status, console) = read(res).await;
    assert_eq!(status, StatusCode::OK, "{console}");
    assert_eq!(console["appType"], "spa");
    assert_eq!(console["clientName"], "Registrar console");
    assert_eq!(console["connectionConfig"]["consentMethod"], "trusted");
    assert_eq!(
        console["redirectUris"],
        serde_json::json!(["https://auth.example.com/console/"])
    );
    assert_eq!(
        console["allowedOrigins"],
        serde_json::json!(["https://auth.example.com"])
    );
    let scopes: Vec<&str> = console["allowedScopes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        scopes,
        [
            "oauth-clients:read",
            "oauth-clients:write",
            "users:read",
            "users:write",
            "audits:read"
        ]
    );
    assert!(
        console
            .get("clientSecrets")
            .is_none_or(|s| s == &serde_json::json!([]))
    );
}

#[tokio::test]
async fn tenant_create_refuses_a_public_url_the_console_cannot_use() {
    // A plain-http redirect URI is allowed only on loopback hosts.
    let db = TestDb::fresh().await;
    let out = std::process::Command::new(BIN)
        .args([
            "tenant",
            "create",
            "acme",
            "--database-url",
            &db.url,
            "--public-url",
            "http://auth.example.com",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "nothing on stdout");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("console client"), "{stderr}");
    assert!(stderr.contains("redirectUris[0]"), "{stderr}");
}

#[tokio::test]
async fn the_in_process_tenant_has_a_console_client_for_the_test_server() {
    let app = spawn_app().await;
    let (_, page) = app
        .list(
            &app.admin.token,
            "filter=clientName%20eq%20%22Registrar%20console%22",
        )
        .await;
    let console = &page["data"][0];
    assert_eq!(
        console["redirectUris"],
        serde_json::json!([format!("{}/console/", app.base)])
    );
    assert_eq!(
        app.admin.console_client_id,
        console["clientId"].as_str().unwrap()
    );
}
