//! Every fault of `GET /oauth/authorize` (contract §8): before the redirect
//! URI is trusted an HTML error page, never a redirect; after it, a redirect
//! with `error`, `error_description`, `state` and `iss`.

use crate::support::signin::*;
use crate::support::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn faults_before_the_redirect_uri_is_trusted_are_html_pages_never_redirects() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    let spa_id = spa(&app, admin, false, &[]).await;
    let (embed, _) = sign_in_client(
        &app,
        admin,
        json!({"appType": "anonymous-embed", "clientName": "embed"}),
    )
    .await;
    let (web_no_redirect, _) = sign_in_client(
        &app,
        admin,
        json!({"appType": "web", "clientName": "svc", "allowedGrantTypes": ["client_credentials"]}),
    )
    .await;
    let (two, _) = sign_in_client(
        &app,
        admin,
        json!({"appType": "spa", "clientName": "two", "redirectUris": [REDIRECT, "https://app.example/other"]}),
    )
    .await;
    let (_, challenge) = pkce();
    let unknown = "a".repeat(32);
    let cases: Vec<(&str, String)> = vec![
        (
            "no client_id",
            "/oauth/authorize?response_type=code".to_owned(),
        ),
        (
            "unknown client",
            authorize_url(&unknown, &code_params(&challenge, "openid", "s")),
        ),
        (
            "malformed client id",
            authorize_url("../x", &[("response_type", "code")]),
        ),
        (
            "anonymous-embed never signs in",
            authorize_url(&embed, &[("response_type", "code")]),
        ),
        (
            "web without redirect URIs",
            authorize_url(&web_no_redirect, &[("response_type", "code")]),
        ),
        (
            "unregistered redirect URI",
            authorize_url(
                &spa_id,
                &[
                    ("response_type", "code"),
                    ("redirect_uri", "https://evil.example/cb"),
                ],
            ),
        ),
        (
            "redirect URI differing by a trailing slash",
            authorize_url(
                &spa_id,
                &[
                    ("response_type", "code"),
                    ("redirect_uri", "https://app.example/cb/"),
                ],
            ),
        ),
        (
            "omitted with two registered",
            authorize_url(&two, &[("response_type", "code"), ("state", "s")]),
        ),
        (
            "repeated client_id",
            format!(
                "{}&client_id={spa_id}",
                authorize_url(&spa_id, &[("response_type", "code")])
            ),
        ),
    ];
    for (what, url) in cases {
        let page = Browser::new(&app.base).get(&url).await;
        assert!(page.status.is_client_error(), "{what}: {}", page.status);
        assert!(
            page.content_type().starts_with("text/html"),
            "{what}: {}",
            page.content_type()
        );
        assert!(page.location().is_empty(), "{what}: never a redirect");
        assert!(page.body.contains("<h1>"), "{what}: a page");
        assert_eq!(page.headers["x-frame-options"], "DENY", "{what}");
    }
}

#[tokio::test]
async fn faults_after_the_redirect_uri_is_trusted_redirect_with_error_state_and_iss() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    let client = spa(&app, admin, false, &["photos:read"]).await;
    let (_, challenge) = pkce();
    let base = |extra: &[(&'static str, &'static str)]| {
        let mut p: Vec<(&str, &str)> = vec![("redirect_uri", REDIRECT), ("state", "st8")];
        p.extend_from_slice(extra);
        p
    };
    let ch = challenge.as_str();
    // (what, query parameters, expected error)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "response_type missing",
            base(&[("code_challenge", "x")]),
            "invalid_request",
        ),
        (
            "response_type token",
            base(&[("response_type", "token")]),
            "unsupported_response_type",
        ),
        (
            "PKCE missing for a spa",
            base(&[("response_type", "code")]),
            "invalid_request",
        ),
        (
            "PKCE plain",
            {
                let mut p = base(&[
                    ("response_type", "code"),
                    ("code_challenge_method", "plain"),
                ]);
                p.push(("code_challenge", ch));
                p
            },
            "invalid_request",
        ),
        (
            "scope not allowed",
            {
                let mut p = base(&[
                    ("response_type", "code"),
                    ("code_challenge_method", "S256"),
                    ("scope", "openid photos:write"),
                ]);
                p.push(("code_challenge", ch));
                p
            },
            "invalid_scope",
        ),
        (
            "prompt=none without a session",
            {
                let mut p = base(&[
                    ("response_type", "code"),
                    ("code_challenge_method", "S256"),
                    ("prompt", "none"),
                ]);
                p.push(("code_challenge", ch));
                p
            },
            "login_required",
        ),
        (
            "unknown prompt",
            {
                let mut p = base(&[
                    ("response_type", "code"),
                    ("code_challenge_method", "S256"),
                    ("prompt", "bogus"),
                ]);
                p.push(("code_challenge", ch));
                p
            },
            "invalid_request",
        ),
    ];
    for (what, params, error) in cases {
        let page = Browser::new(&app.base)
            .get(&authorize_url(&client, &params))
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{what}: {}", page.body);
        assert!(
            page.location().starts_with(&format!("{REDIRECT}?")),
            "{what}: {}",
            page.location()
        );
        let p = page.redirect_params();
        assert_eq!(p.get("error").map(String::as_str), Some(error), "{what}");
        assert!(
            p.get("error_description").is_some_and(|d| !d.is_empty()),
            "{what}"
        );
        assert_eq!(
            p.get("state").map(String::as_str),
            Some("st8"),
            "{what}: state"
        );
        assert_eq!(p.get("iss"), Some(&app.base), "{what}: iss (RFC 9207)");
        assert!(!p.contains_key("code"), "{what}");
    }
}

#[tokio::test]
async fn prompt_none_without_consent_is_consent_required() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    create_user(&app, admin, "pn@example.com", false).await;
    let trusted = spa(&app, admin, true, &[]).await;
    let asks = spa(&app, admin, false, &[]).await;
    let mut b = Browser::new(&app.base);
    let (_, challenge) = pkce();
    let start = b
        .get(&authorize_url(
            &trusted,
            &code_params(&challenge, "openid", "1"),
        ))
        .await;
    b.sign_in_through(start, "pn@example.com", PASSWORD, "allow")
        .await;
    let mut params = code_params(&challenge, "openid", "2");
    params.push(("prompt", "none"));
    let page = b.get(&authorize_url(&asks, &params)).await;
    let p = page.redirect_params();
    assert_eq!(p["error"], "consent_required");
    assert_eq!(p["state"], "2");
    assert_eq!(p["iss"], app.base);
}

#[tokio::test]
async fn native_loopback_redirect_matches_any_port_and_web_needs_no_pkce() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    let (native, _) = sign_in_client(
        &app,
        admin,
        json!({"appType": "native", "clientName": "cli", "redirectUris": ["http://127.0.0.1:1/callback"]}),
    )
    .await;
    let (_, challenge) = pkce();
    let params = vec![
        ("response_type", "code"),
        ("redirect_uri", "http://127.0.0.1:49152/callback"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("prompt", "none"),
    ];
    let page = Browser::new(&app.base)
        .get(&authorize_url(&native, &params))
        .await;
    assert!(
        page.location()
            .starts_with("http://127.0.0.1:49152/callback?"),
        "the request's port is kept: {}",
        page.location()
    );
    let (web, _) = sign_in_client(
        &app,
        admin,
        json!({"appType": "web", "clientName": "site", "redirectUris": [REDIRECT], "allowedGrantTypes": ["client_credentials"]}),
    )
    .await;
    let page = Browser::new(&app.base)
        .get(&authorize_url(
            &web,
            &[
                ("response_type", "code"),
                ("prompt", "none"),
                ("state", "w"),
            ],
        ))
        .await;
    assert_eq!(
        page.redirect_params()["error"],
        "login_required",
        "PKCE is optional for web: {}",
        page.location()
    );
}
