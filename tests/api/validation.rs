//! One failing case per create rule of contract §4, and bad input of every
//! kind: each gets a 400 (or 413/415) with the error body, and nothing is written.

use crate::support::keys::{ec_jwk, rsa_jwk};
use crate::support::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn with(base: Value, k: &str, v: Value) -> Value {
    let mut b = base;
    b[k] = v;
    b
}

fn web() -> Value {
    json!({"appType":"web","clientName":"ok"})
}

async fn client_count(app: &TestApp) -> usize {
    let (_, l) = app.list(&app.admin.token, "totalResults=true").await;
    usize::try_from(l["totalResults"].as_u64().unwrap()).unwrap()
}

#[tokio::test]
async fn every_create_rule_rejects_with_400_naming_the_field() {
    let app = spawn_app().await;
    let rsa = rsa_jwk("r1");
    let ec = ec_jwk("e1");
    let mut short_rsa = rsa.clone();
    short_rsa["n"] = json!(B64.encode([0xC3u8; 128]));
    let mut off_curve = ec.clone();
    off_curve["y"] = json!(B64.encode([5u8; 48]));
    let long = |n: usize| "a".repeat(n);
    let cases: Vec<(&str, Value, &str)> = vec![
        ("appType missing", json!({"clientName":"x"}), "appType"),
        (
            "appType unknown",
            json!({"appType":"desktop","clientName":"x"}),
            "appType",
        ),
        ("clientName missing", json!({"appType":"web"}), "clientName"),
        (
            "clientName blank",
            json!({"appType":"web","clientName":"   "}),
            "clientName",
        ),
        (
            "clientName too long",
            with(web(), "clientName", json!(long(513))),
            "clientName",
        ),
        (
            "description too long",
            with(web(), "description", json!(long(4097))),
            "description",
        ),
        (
            "logoUri too long",
            with(
                web(),
                "logoUri",
                json!(format!("https://a.com/{}", long(2040))),
            ),
            "logoUri",
        ),
        (
            "clientUri too long",
            with(
                web(),
                "clientUri",
                json!(format!("https://a.com/{}", long(2040))),
            ),
            "clientUri",
        ),
        (
            "logoUri not a URL",
            with(web(), "logoUri", json!("not a url")),
            "logoUri",
        ),
        (
            "redirect uri too long",
            with(
                web(),
                "redirectUris",
                json!([format!("https://a.com/{}", long(250))]),
            ),
            "redirectUris[0]",
        ),
        (
            "six redirect uris",
            with(
                web(),
                "redirectUris",
                json!(
                    (0..6)
                        .map(|i| format!("https://a.com/{i}"))
                        .collect::<Vec<_>>()
                ),
            ),
            "redirectUris",
        ),
        (
            "duplicate redirect uri",
            with(
                web(),
                "redirectUris",
                json!(["https://a.com/cb", "https://a.com/cb"]),
            ),
            "redirectUris[1]",
        ),
        (
            "relative redirect uri",
            with(web(), "redirectUris", json!(["/cb"])),
            "redirectUris[0]",
        ),
        (
            "redirect uri with fragment",
            with(web(), "redirectUris", json!(["https://a.com/cb#x"])),
            "redirectUris[0]",
        ),
        (
            "plain http redirect uri",
            with(web(), "redirectUris", json!(["http://a.com/cb"])),
            "redirectUris[0]",
        ),
        (
            "private scheme on web",
            with(web(), "redirectUris", json!(["com.example.app:/cb"])),
            "redirectUris[0]",
        ),
        (
            "six origins",
            with(
                web(),
                "allowedOrigins",
                json!(
                    (0..6)
                        .map(|i| format!("https://a{i}.com"))
                        .collect::<Vec<_>>()
                ),
            ),
            "allowedOrigins",
        ),
        (
            "duplicate origin",
            with(
                web(),
                "allowedOrigins",
                json!(["https://a.com", "https://a.com"]),
            ),
            "allowedOrigins[1]",
        ),
        (
            "origin with path",
            with(web(), "allowedOrigins", json!(["https://a.com/x"])),
            "allowedOrigins[0]",
        ),
        (
            "origin too long",
            with(
                web(),
                "allowedOrigins",
                json!([format!("https://{}.com", long(250))]),
            ),
            "allowedOrigins[0]",
        ),
        (
            "origins on native",
            json!({"appType":"native","clientName":"n","allowedOrigins":["https://a.com"]}),
            "allowedOrigins",
        ),
        (
            "scope with space",
            with(web(), "allowedScopes", json!(["a b"])),
            "allowedScopes[0]",
        ),
        (
            "scope with quote",
            with(web(), "allowedScopes", json!(["a\"b"])),
            "allowedScopes[0]",
        ),
        (
            "scope with backslash",
            with(web(), "allowedScopes", json!(["a\\b"])),
            "allowedScopes[0]",
        ),
        (
            "scope too long",
            with(web(), "allowedScopes", json!([long(257)])),
            "allowedScopes[0]",
        ),
        (
            "duplicate scope",
            with(web(), "allowedScopes", json!(["a", "a"])),
            "allowedScopes[1]",
        ),
        (
            "grant types on spa",
            json!({"appType":"spa","clientName":"s","allowedGrantTypes":["client_credentials"]}),
            "allowedGrantTypes",
        ),
        (
            "auth methods on native",
            json!({"appType":"native","clientName":"n","allowedAuthMethods":["client_secret"]}),
            "allowedAuthMethods",
        ),
        (
            "unknown grant type",
            with(web(), "allowedGrantTypes", json!(["password"])),
            "allowedGrantTypes[0]",
        ),
        (
            "duplicate grant type",
            with(
                web(),
                "allowedGrantTypes",
                json!(["client_credentials", "client_credentials"]),
            ),
            "allowedGrantTypes[1]",
        ),
        (
            "unknown auth method",
            with(web(), "allowedAuthMethods", json!(["none"])),
            "allowedAuthMethods[0]",
        ),
        (
            "empty auth methods",
            with(web(), "allowedAuthMethods", json!([])),
            "allowedAuthMethods",
        ),
        (
            "private_key_jwt without keys",
            with(web(), "allowedAuthMethods", json!(["private_key_jwt"])),
            "publicKeys",
        ),
        (
            "key use enc",
            with(
                web(),
                "publicKeys",
                json!([with(rsa.clone(), "use", json!("enc"))]),
            ),
            "publicKeys[0].use",
        ),
        (
            "key without kid",
            with(
                web(),
                "publicKeys",
                json!([{"kty":"RSA","use":"sig","alg":"RS256","n":rsa["n"],"e":"AQAB"}]),
            ),
            "publicKeys[0].kid",
        ),
        (
            "duplicate kid",
            with(
                web(),
                "publicKeys",
                json!([rsa.clone(), with(ec.clone(), "kid", json!("r1"))]),
            ),
            "publicKeys[1].kid",
        ),
        (
            "rsa with ES384",
            with(
                web(),
                "publicKeys",
                json!([with(rsa.clone(), "alg", json!("ES384"))]),
            ),
            "publicKeys[0].alg",
        ),
        (
            "rsa 1024 bits",
            with(web(), "publicKeys", json!([short_rsa])),
            "publicKeys[0].n",
        ),
        (
            "rsa n not base64url",
            with(
                web(),
                "publicKeys",
                json!([with(rsa.clone(), "n", json!("not*base64"))]),
            ),
            "publicKeys[0].n",
        ),
        (
            "rsa without e",
            with(
                web(),
                "publicKeys",
                json!([{"kty":"RSA","use":"sig","alg":"RS256","kid":"k","n":rsa["n"]}]),
            ),
            "publicKeys[0].e",
        ),
        (
            "ec wrong curve",
            with(
                web(),
                "publicKeys",
                json!([with(ec.clone(), "crv", json!("P-256"))]),
            ),
            "publicKeys[0].crv",
        ),
        (
            "ec with RS256",
            with(
                web(),
                "publicKeys",
                json!([with(ec.clone(), "alg", json!("RS256"))]),
            ),
            "publicKeys[0].alg",
        ),
        (
            "ec point off curve",
            with(web(), "publicKeys", json!([off_curve])),
            "publicKeys[0].x",
        ),
        (
            "unknown kty",
            with(
                web(),
                "publicKeys",
                json!([with(rsa.clone(), "kty", json!("OKP"))]),
            ),
            "publicKeys[0].kty",
        ),
        (
            "unknown alg",
            with(
                web(),
                "publicKeys",
                json!([with(rsa.clone(), "alg", json!("PS256"))]),
            ),
            "publicKeys[0].alg",
        ),
        (
            "consent required on create",
            with(
                web(),
                "connectionConfig",
                json!({"consentMethod":"required"}),
            ),
            "connectionConfig.consentMethod",
        ),
        (
            "consent unknown",
            with(web(), "connectionConfig", json!({"consentMethod":"maybe"})),
            "connectionConfig.consentMethod",
        ),
        (
            "connection status read-only",
            with(web(), "connectionConfig", json!({"status":"x"})),
            "connectionConfig.status",
        ),
        (
            "clientId read-only",
            with(web(), "clientId", json!("abc")),
            "clientId",
        ),
        (
            "createdAt read-only",
            with(web(), "createdAt", json!("2025-01-01T00:00:00Z")),
            "createdAt",
        ),
        (
            "clientSecrets read-only",
            with(web(), "clientSecrets", json!([])),
            "clientSecrets",
        ),
        (
            "clientSecret read-only",
            with(web(), "clientSecret", json!("x")),
            "clientSecret",
        ),
        (
            "unknown field",
            with(web(), "color", json!("blue")),
            "color",
        ),
        (
            "null field",
            with(web(), "description", Value::Null),
            "description",
        ),
        (
            "number for string",
            with(web(), "clientName", json!(5)),
            "clientName",
        ),
        (
            "string for array",
            with(web(), "redirectUris", json!("https://a.com/cb")),
            "redirectUris",
        ),
        (
            "number in array",
            with(web(), "allowedScopes", json!([1])),
            "allowedScopes[0]",
        ),
        (
            "object for key list",
            with(web(), "publicKeys", json!({})),
            "publicKeys",
        ),
    ];
    for (name, body, field) in cases {
        let (status, res) = app.create_client(&app.admin.token, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {res}");
        assert_error(&res, StatusCode::BAD_REQUEST);
        let detail = res["errors"][0]["detail"].as_str().unwrap_or("");
        assert!(
            detail.starts_with(&format!("{field}:")),
            "{name}: detail `{detail}` should name `{field}`"
        );
    }
    assert_eq!(
        client_count(&app).await,
        PROVISIONED_CLIENTS,
        "no rejected create wrote anything"
    );
}

#[tokio::test]
async fn valid_edge_values_are_accepted() {
    let app = spawn_app().await;
    let cases = vec![
        (
            "name of 512",
            with(web(), "clientName", json!("é".repeat(512))),
        ),
        (
            "five redirect uris",
            with(
                web(),
                "redirectUris",
                json!(
                    (0..5)
                        .map(|i| format!("https://a.com/{i}"))
                        .collect::<Vec<_>>()
                ),
            ),
        ),
        (
            "loopback http",
            with(
                web(),
                "redirectUris",
                json!([
                    "http://localhost/cb",
                    "http://127.0.0.1:8080/cb",
                    "http://[::1]/cb"
                ]),
            ),
        ),
        (
            "native private scheme",
            json!({"appType":"native","clientName":"n","redirectUris":["com.example.app:/callback"]}),
        ),
        (
            "both keys",
            json!({"appType":"web","clientName":"k","allowedAuthMethods":["client_secret","private_key_jwt"],"publicKeys":[rsa_jwk("a"), ec_jwk("b")]}),
        ),
        (
            "rs512 key",
            with(
                web(),
                "publicKeys",
                json!([with(rsa_jwk("c"), "alg", json!("RS512"))]),
            ),
        ),
        (
            "empty connectionConfig",
            with(web(), "connectionConfig", json!({})),
        ),
        (
            "user impersonation grant",
            with(
                web(),
                "allowedGrantTypes",
                json!(["urn:qlik:oauth:user-impersonation"]),
            ),
        ),
        (
            "origin with port",
            json!({"appType":"spa","clientName":"s","allowedOrigins":["https://a.com:8443"]}),
        ),
    ];
    for (name, body) in cases {
        let (status, res) = app.create_client(&app.admin.token, body).await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {res}");
    }
}

#[tokio::test]
async fn malformed_bodies_get_400_413_or_415_and_write_nothing() {
    let app = spawn_app().await;
    let t = &app.admin.token;
    let cases: Vec<(&str, &str, Vec<u8>, StatusCode)> = vec![
        (
            "truncated json",
            "application/json",
            b"{\"appType\":".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "array",
            "application/json",
            b"[{\"appType\":\"web\",\"clientName\":\"x\"}]".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "string",
            "application/json",
            b"\"web\"".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "null",
            "application/json",
            b"null".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "empty",
            "application/json",
            Vec::new(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "invalid utf-8",
            "application/json",
            vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}'],
            StatusCode::BAD_REQUEST,
        ),
        (
            "deep nesting",
            "application/json",
            format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "text/plain",
            "text/plain",
            b"{\"appType\":\"web\",\"clientName\":\"x\"}".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "form",
            "application/x-www-form-urlencoded",
            b"appType=web".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "json-patch on create",
            "application/json-patch+json",
            b"{}".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "huge",
            "application/json",
            format!(
                "{{\"appType\":\"web\",\"clientName\":\"{}\"}}",
                "a".repeat(200_000)
            )
            .into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ];
    for (name, ct, body, expected) in cases {
        let (status, res) = app.create_raw(t, ct, body).await;
        assert_eq!(status, expected, "{name}: {res}");
        assert_error(&res, expected);
    }
    let res = app
        .http
        .post(app.url("/api/core/oauth-clients"))
        .bearer_auth(t)
        .body("{}")
        .send()
        .await
        .unwrap();
    let (status, body) = read(res).await;
    assert_eq!(
        status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "missing content type: {body}"
    );
    assert_eq!(client_count(&app).await, PROVISIONED_CLIENTS);
}

#[tokio::test]
async fn content_type_with_charset_is_accepted() {
    let app = spawn_app().await;
    let (status, body) = app
        .create_raw(
            &app.admin.token,
            "application/json; charset=utf-8",
            r#"{"appType":"spa","clientName":"x"}"#,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}
