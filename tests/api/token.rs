//! Contract §5: the token endpoint for client_credentials, metadata and JWKS.

use crate::support::*;
use base64::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A token-request case: name, form, Basic credentials, expected status and error.
type Case = (
    &'static str,
    Vec<(&'static str, String)>,
    Option<(String, String)>,
    StatusCode,
    &'static str,
);

fn jwt_part(token: &str, i: usize) -> Value {
    let part = token.split('.').nth(i).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn basic_auth_issues_an_rfc9068_token_with_no_store() {
    let app = spawn_app().await;
    let c = app.web_client(&app.admin.token, "svc").await;
    let (id, secret) = (
        c["clientId"].as_str().unwrap(),
        c["clientSecret"].as_str().unwrap(),
    );
    let sent = time::OffsetDateTime::now_utc().unix_timestamp();
    let res = app
        .http
        .post(app.url("/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    let (status, body) = read(res).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 21600);
    assert_expires_at(&body, sent);
    assert_eq!(body["scope"], "read:x");
    let token = body["access_token"].as_str().unwrap();
    let header = jwt_part(token, 0);
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["alg"], "ES256");
    let claims = jwt_part(token, 1);
    for k in [
        "iss",
        "sub",
        "aud",
        "exp",
        "iat",
        "jti",
        "client_id",
        "scope",
        "tenant_id",
    ] {
        assert!(!claims[k].is_null(), "claim {k} missing: {claims}");
    }
    assert_eq!(claims["iss"], app.base);
    assert_eq!(claims["sub"], id);
    assert_eq!(claims["client_id"], id);
    assert_eq!(claims["tenant_id"], app.admin.tenant_id);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        21600
    );

    // The JWKS named by the metadata verifies the signature.
    let (_, meta) = read(
        app.http
            .get(app.url("/.well-known/oauth-authorization-server"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (_, jwks) = read(
        app.http
            .get(meta["jwks_uri"].as_str().unwrap())
            .send()
            .await
            .unwrap(),
    )
    .await;
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("kid in JWKS");
    let key = jsonwebtoken::DecodingKey::from_ec_components(
        jwk["x"].as_str().unwrap(),
        jwk["y"].as_str().unwrap(),
    )
    .unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    v.set_audience(&[&app.base]);
    jsonwebtoken::decode::<Value>(token, &key, &v)
        .expect("signature verifies with the published key");
}

#[tokio::test]
async fn post_and_json_bodies_and_form_encoded_basic_credentials_work() {
    let app = spawn_app().await;
    let c = app.web_client(&app.admin.token, "svc").await;
    let (id, secret) = (
        c["clientId"].as_str().unwrap(),
        c["clientSecret"].as_str().unwrap(),
    );
    let form = app
        .http
        .post(app.url("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let json_body = app
        .http
        .post(app.url("/oauth/token"))
        .json(&json!({"grant_type":"client_credentials","client_id":id,"client_secret":secret,"scope":"read:x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body.status(), StatusCode::OK);
    // RFC 6749 §2.3.1: the id is form-urlencoded before base64; %61 is "a".
    let encoded_id: String = id
        .chars()
        .map(|ch| {
            if ch == 'a' {
                "%61".to_owned()
            } else {
                ch.to_string()
            }
        })
        .collect();
    let raw = base64::engine::general_purpose::STANDARD.encode(format!("{encoded_id}:{secret}"));
    let res = app
        .http
        .post(app.url("/oauth/token"))
        .header("authorization", format!("Basic {raw}"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn token_errors_follow_rfc6749() {
    let app = spawn_app().await;
    let c = app.web_client(&app.admin.token, "svc").await;
    let (id, secret) = (
        c["clientId"].as_str().unwrap().to_owned(),
        c["clientSecret"].as_str().unwrap().to_owned(),
    );
    let (_, no_grant) = app
        .create_client(
            &app.admin.token,
            json!({"appType":"web","clientName":"no grant"}),
        )
        .await;
    let (_, spa) = app
        .create_client(
            &app.admin.token,
            json!({"appType":"spa","clientName":"spa"}),
        )
        .await;

    let post = |form: Vec<(&'static str, String)>, basic: Option<(String, String)>| {
        let mut req = app.http.post(app.url("/oauth/token")).form(&form);
        if let Some((u, p)) = basic {
            req = req.basic_auth(u, Some(p));
        }
        req.send()
    };
    let gt = || ("grant_type", "client_credentials".to_owned());

    let res = post(vec![gt()], Some((id.clone(), "wrong".into())))
        .await
        .unwrap();
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    let (s, b) = read(res).await;
    assert_eq!(
        (s, b["error"].as_str().unwrap()),
        (StatusCode::UNAUTHORIZED, "invalid_client")
    );

    let cases: Vec<Case> = vec![
        (
            "no credentials",
            vec![gt()],
            None,
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            "unknown client",
            vec![
                gt(),
                ("client_id", "x".repeat(32)),
                ("client_secret", secret.clone()),
            ],
            None,
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            "no grant_type",
            vec![],
            Some((id.clone(), secret.clone())),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "password grant",
            vec![("grant_type", "password".into())],
            Some((id.clone(), secret.clone())),
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
        (
            "scope not allowed",
            vec![gt(), ("scope", "admin".into())],
            Some((id.clone(), secret.clone())),
            StatusCode::BAD_REQUEST,
            "invalid_scope",
        ),
        (
            "two methods",
            vec![gt(), ("client_secret", secret.clone())],
            Some((id.clone(), secret.clone())),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "repeated parameter",
            vec![gt(), gt()],
            Some((id.clone(), secret.clone())),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "grant not allowed",
            vec![gt()],
            Some((
                no_grant["clientId"].as_str().unwrap().into(),
                no_grant["clientSecret"].as_str().unwrap().into(),
            )),
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
        ),
        (
            "public client",
            vec![
                gt(),
                ("client_id", spa["clientId"].as_str().unwrap().into()),
                ("client_secret", "x".into()),
            ],
            None,
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
    ];
    for (name, form, basic, status, error) in cases {
        let res = post(form, basic).await.unwrap();
        assert_eq!(
            res.headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap()),
            Some("no-store"),
            "{name}"
        );
        let (s, b) = read(res).await;
        assert_eq!(s, status, "{name}: {b}");
        assert_eq!(b["error"], error, "{name}: {b}");
    }
    let res = app
        .http
        .post(app.url("/oauth/token"))
        .header("content-type", "text/plain")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    let (s, b) = read(res).await;
    assert_eq!(
        (s, b["error"].as_str().unwrap()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );
}

#[tokio::test]
async fn metadata_has_every_required_rfc8414_field() {
    let app = spawn_app().await;
    let (status, meta) = read(
        app.http
            .get(app.url("/.well-known/oauth-authorization-server"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(meta["issuer"], app.base);
    assert_eq!(meta["token_endpoint"], app.url("/oauth/token"));
    assert_eq!(meta["response_types_supported"], json!(["code"]));
    assert!(
        meta["grant_types_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("client_credentials"))
    );
    let methods = meta["token_endpoint_auth_methods_supported"]
        .as_array()
        .unwrap();
    assert!(
        methods.contains(&json!("client_secret_basic"))
            && methods.contains(&json!("client_secret_post"))
    );
    let (_, jwks) = read(
        app.http
            .get(meta["jwks_uri"].as_str().unwrap())
            .send()
            .await
            .unwrap(),
    )
    .await;
    let k = &jwks["keys"][0];
    assert_eq!(
        (k["kty"].as_str(), k["crv"].as_str(), k["alg"].as_str()),
        (Some("EC"), Some("P-256"), Some("ES256"))
    );
    assert!(k.get("d").is_none(), "no private part in the JWKS");
}

#[tokio::test]
async fn public_url_sets_issuer_and_links() {
    let app = TestApp::spawn_with(registrar::state::Settings {
        public_url: "https://registrar.example.com".into(),
        token_ttl: 60,
        ..Default::default()
    })
    .await;
    let (_, meta) = read(
        app.http
            .get(app.url("/.well-known/oauth-authorization-server"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(meta["issuer"], "https://registrar.example.com");
    assert_eq!(
        meta["token_endpoint"],
        "https://registrar.example.com/oauth/token"
    );
    let (_, list) = app.list(&app.admin.token, "").await;
    assert_eq!(
        list["links"]["self"]["href"],
        "https://registrar.example.com/api/core/oauth-clients"
    );
    let sent = time::OffsetDateTime::now_utc().unix_timestamp();
    let (_, tok) = app
        .token_request(&app.admin.client_id, &app.admin.client_secret, None)
        .await;
    assert_eq!(tok["expires_in"], 60);
    assert_expires_at(&tok, sent);
}
