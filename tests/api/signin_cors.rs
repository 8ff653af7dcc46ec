//! CORS (contract §8) and discovery: allowed origins echoed, other origins
//! get nothing, preflights answered; the two discovery documents agree and
//! list exactly what is supported.

use crate::support::signin::*;
use crate::support::*;
use reqwest::{Method, StatusCode};
use serde_json::Value;

const ALLOWED: &str = "https://app.example";
const OTHER: &str = "https://evil.example";

fn acao(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn token_userinfo_and_api_answers_allow_only_the_clients_origins() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    create_user(&app, admin, "co@example.com", true).await;
    let client = spa(&app, admin, true, &["oauth-clients:read"]).await;
    let tokens = tokens_for(&app, &client, "co@example.com", "openid oauth-clients:read").await;
    let access = tokens["access_token"].as_str().unwrap();
    for origin in [ALLOWED, OTHER] {
        let expect = (origin == ALLOWED).then(|| origin.to_owned());
        let info = app
            .http
            .get(app.url("/oauth/userinfo"))
            .bearer_auth(access)
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(acao(&info), expect, "userinfo from {origin}");
        assert!(info.headers().get_all("vary").iter().any(|v| v == "Origin"));
        let api = app
            .http
            .get(app.url("/api/core/oauth-clients"))
            .bearer_auth(access)
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(api.status(), StatusCode::OK);
        assert_eq!(acao(&api), expect, "management API from {origin}");
        // An error answer about the client: a code that is no code.
        let bad = app
            .http
            .post(app.url("/oauth/token"))
            .header("origin", origin)
            .form(&[
                ("grant_type", "authorization_code"),
                ("client_id", client.as_str()),
                ("code", "nope"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            acao(&bad),
            expect,
            "token endpoint error answer from {origin}"
        );
        let refresh_res = app
            .http
            .post(app.url("/oauth/revoke"))
            .header("origin", origin)
            .form(&[("client_id", client.as_str()), ("token", "nothing")])
            .send()
            .await
            .unwrap();
        assert_eq!(refresh_res.status(), StatusCode::OK);
        assert_eq!(acao(&refresh_res), expect, "revocation from {origin}");
    }
    // A web client's failed HTTP Basic authentication is about the client
    // it names: an error answer that carries its allowed origin.
    let (web, _) = sign_in_client(
        &app,
        admin,
        serde_json::json!({"appType": "web", "clientName": "w", "redirectUris": [REDIRECT],
                           "allowedOrigins": [ALLOWED]}),
    )
    .await;
    for origin in [ALLOWED, OTHER] {
        let refused = app
            .http
            .post(app.url("/oauth/token"))
            .header("origin", origin)
            .basic_auth(&web, Some("not-the-secret"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        let expect = (origin == ALLOWED).then(|| origin.to_owned());
        assert_eq!(acao(&refused), expect, "invalid_client from {origin}");
    }
    // The admin client (web, no allowedOrigins) gets no CORS answer.
    let api = app
        .http
        .get(app.url("/api/core/oauth-clients"))
        .bearer_auth(admin)
        .header("origin", ALLOWED)
        .send()
        .await
        .unwrap();
    assert_eq!(acao(&api), None);
    assert!(
        acao(&api).as_deref() != Some("*"),
        "never * for a credentialed answer"
    );
}

#[tokio::test]
async fn preflights_are_answered_before_authentication_and_discovery_allows_any_origin() {
    let app = spawn_app().await;
    for path in [
        "/oauth/token",
        "/oauth/userinfo",
        "/oauth/revoke",
        "/api/core/oauth-clients",
    ] {
        let res = app
            .http
            .request(Method::OPTIONS, app.url(path))
            .header("origin", ALLOWED)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "{path}");
        assert_eq!(acao(&res).as_deref(), Some(ALLOWED), "{path}");
        let methods = res.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(methods.contains("POST"), "{path}: {methods}");
        let headers = res.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .to_lowercase();
        assert!(
            headers.contains("authorization") && headers.contains("content-type"),
            "{path}: {headers}"
        );
        assert!(
            res.headers().get_all("vary").iter().any(|v| v == "Origin"),
            "{path}"
        );
    }
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
        "/oauth/jwks",
    ] {
        let res = app
            .http
            .get(app.url(path))
            .header("origin", OTHER)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(acao(&res).as_deref(), Some("*"), "{path}");
    }
}

#[tokio::test]
async fn the_discovery_documents_agree_and_list_what_is_supported() {
    let app = spawn_app().await;
    let oidc: Value = app
        .http
        .get(app.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let oauth: Value = app
        .http
        .get(app.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(oidc, oauth, "the two documents agree");
    let base = &app.base;
    assert_eq!(oidc["issuer"], *base);
    assert_eq!(
        oidc["authorization_endpoint"],
        format!("{base}/oauth/authorize")
    );
    assert_eq!(oidc["token_endpoint"], format!("{base}/oauth/token"));
    assert_eq!(oidc["userinfo_endpoint"], format!("{base}/oauth/userinfo"));
    assert_eq!(oidc["end_session_endpoint"], format!("{base}/oauth/logout"));
    assert_eq!(oidc["jwks_uri"], format!("{base}/oauth/jwks"));
    assert_eq!(
        oidc["response_types_supported"],
        serde_json::json!(["code"])
    );
    assert_eq!(
        oidc["response_modes_supported"],
        serde_json::json!(["query"])
    );
    assert_eq!(
        oidc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        oidc["id_token_signing_alg_values_supported"],
        serde_json::json!(["ES256"])
    );
    assert_eq!(
        oidc["subject_types_supported"],
        serde_json::json!(["public"])
    );
    assert_eq!(oidc["authorization_response_iss_parameter_supported"], true);
    let grants: Vec<&str> = oidc["grant_types_supported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for g in [
        "authorization_code",
        "refresh_token",
        "client_credentials",
        "urn:qlik:oauth:user-impersonation",
    ] {
        assert!(grants.contains(&g), "{g}");
    }
    let auth: Vec<&str> = oidc["token_endpoint_auth_methods_supported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(auth.contains(&"none") && auth.contains(&"client_secret_basic"));
    for s in ["openid", "profile", "email", "offline_access"] {
        assert!(
            oidc["scopes_supported"]
                .as_array()
                .unwrap()
                .iter()
                .any(|v| v == s),
            "{s}"
        );
    }
}
