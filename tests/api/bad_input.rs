//! Bad-input corpus: hundreds of malformed requests across every route
//! (bodies, query strings, headers, tokens, cursors, filters, patch
//! documents, odd path ids, very long values, invalid UTF-8). None may get a
//! 5xx; every error has the error body (RFC 6749's on `POST /oauth/token`);
//! and the server is healthy afterwards.

use crate::support::*;
use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// One malformed request.
struct Case {
    method: Method,
    path: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Option<(String, Vec<u8>)>,
    /// Send the admin's valid token (so the fault under test is elsewhere).
    auth: bool,
}

fn case(method: Method, path: impl Into<String>) -> Case {
    Case {
        method,
        path: path.into(),
        headers: Vec::new(),
        body: None,
        auth: true,
    }
}

impl Case {
    fn json(mut self, body: impl Into<Vec<u8>>) -> Case {
        self.body = Some(("application/json".into(), body.into()));
        self
    }
    fn body(mut self, ct: &str, body: impl Into<Vec<u8>>) -> Case {
        self.body = Some((ct.into(), body.into()));
        self
    }
    fn header(mut self, name: &str, value: impl Into<Vec<u8>>) -> Case {
        self.headers.push((name.into(), value.into()));
        self
    }
    fn no_auth(mut self) -> Case {
        self.auth = false;
        self
    }
}

const ID: &str = "0123456789abcdefghijklmnopqrstuv";
const LIST: &str = "/api/core/oauth-clients";

fn long(n: usize) -> String {
    "a".repeat(n)
}

fn token_cases(real: &str) -> Vec<Case> {
    let mut forged = real.to_owned();
    forged.pop();
    forged.push(if real.ends_with('A') { 'B' } else { 'A' });
    let parts: Vec<&str> = real.split('.').collect();
    let none_alg = format!("eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.{}.", parts[1]);
    let auths: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"Bearer".to_vec(),
        b"Bearer ".to_vec(),
        b"Bearer x.y.z".to_vec(),
        b"Bearer a.b".to_vec(),
        format!("Bearer {forged}").into_bytes(),
        format!("Bearer {none_alg}").into_bytes(),
        format!("Basic {real}").into_bytes(),
        format!("Token {real}").into_bytes(),
        format!("Bearer {}", long(9000)).into_bytes(),
        b"Bearer \xff\xfe\xfd".to_vec(),
        b"Bearer eyJ\xc3\x28.x.y".to_vec(),
        format!("Bearer {real}.extra").into_bytes(),
        format!("Bearer  {real}x").into_bytes(),
    ];
    let mut out = Vec::new();
    for a in auths {
        for (m, p) in [
            (Method::GET, LIST.to_owned()),
            (Method::POST, LIST.to_owned()),
            (Method::GET, format!("{LIST}/{ID}")),
            (Method::DELETE, format!("{LIST}/{ID}/client-secrets/abcde")),
        ] {
            out.push(case(m, p).no_auth().header("authorization", a.clone()));
        }
    }
    out.push(case(Method::GET, LIST).no_auth());
    out
}

fn create_cases() -> Vec<Case> {
    let bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"   ".to_vec(),
        b"{".to_vec(),
        b"null".to_vec(),
        b"42".to_vec(),
        b"\"web\"".to_vec(),
        b"[]".to_vec(),
        b"[{}]".to_vec(),
        b"{}".to_vec(),
        b"\xef\xbb\xbf{\"appType\":\"web\",\"clientName\":\"bom\"}".to_vec(),
        b"{\"appType\":\"web\",\"clientName\":\"\xff\xfe\"}".to_vec(),
        b"{\"appType\":\"web\",\"clientName\":\"a\"}garbage".to_vec(),
        b"{\"appType\":\"web\",\"appType\":\"spa\",\"clientName\":\"dup\"}".to_vec(),
        "[".repeat(100_000).into_bytes(),
        format!("{}1{}", "{\"a\":".repeat(5000), "}".repeat(5000)).into_bytes(),
        format!(
            "{{\"appType\":\"web\",\"clientName\":\"{}\"}}",
            long(70 * 1024)
        )
        .into_bytes(),
    ];
    let mut out: Vec<Case> = bodies
        .into_iter()
        .map(|b| case(Method::POST, LIST).json(b))
        .collect();
    let values: Vec<Value> = vec![
        json!({"clientName":"x"}),
        json!({"appType":"desktop","clientName":"x"}),
        json!({"appType":5,"clientName":"x"}),
        json!({"appType":"web","clientName":""}),
        json!({"appType":"web","clientName":"   "}),
        json!({"appType":"web","clientName":long(513)}),
        json!({"appType":"web","clientName":long(100_000 / 2)}),
        json!({"appType":"web","clientName":null}),
        json!({"appType":"web","clientName":["x"]}),
        json!({"appType":"web","clientName":{"a":1}}),
        json!({"appType":"web","clientName":"x\u{0}y"}),
        json!({"appType":"web","clientName":"x","description":long(4097)}),
        json!({"appType":"web","clientName":"x","clientId":"mine"}),
        json!({"appType":"web","clientName":"x","createdAt":"2020-01-01T00:00:00Z"}),
        json!({"appType":"web","clientName":"x","clientSecrets":[]}),
        json!({"appType":"web","clientName":"x","unknown":true}),
        json!({"appType":"web","clientName":"x","redirectUris":"https://a.example"}),
        json!({"appType":"web","clientName":"x","redirectUris":[1,2]}),
        json!({"appType":"web","clientName":"x","redirectUris":["not a uri"]}),
        json!({"appType":"web","clientName":"x","redirectUris":["http://evil.example/cb"]}),
        json!({"appType":"web","clientName":"x","redirectUris":["https://a.example/#frag"]}),
        json!({"appType":"web","clientName":"x","redirectUris":[format!("https://a.example/{}", long(300))]}),
        json!({"appType":"web","clientName":"x","redirectUris":["https://a.example/1","https://a.example/1"]}),
        json!({"appType":"web","clientName":"x","redirectUris":(0..6).map(|i| format!("https://a.example/{i}")).collect::<Vec<_>>()}),
        json!({"appType":"web","clientName":"x","redirectUris":["https://u:p@a.example/"]}),
        json!({"appType":"web","clientName":"x","redirectUris":["javascript:alert(1)"]}),
        json!({"appType":"web","clientName":"x","redirectUris":["https://[::1"]}),
        json!({"appType":"spa","clientName":"x","allowedOrigins":["https://a.example/path"]}),
        json!({"appType":"native","clientName":"x","allowedOrigins":["https://a.example"]}),
        json!({"appType":"spa","clientName":"x","allowedGrantTypes":["client_credentials"]}),
        json!({"appType":"web","clientName":"x","allowedGrantTypes":["password"]}),
        json!({"appType":"web","clientName":"x","allowedAuthMethods":[]}),
        json!({"appType":"web","clientName":"x","allowedAuthMethods":["none"]}),
        json!({"appType":"web","clientName":"x","allowedAuthMethods":["private_key_jwt"]}),
        json!({"appType":"web","clientName":"x","allowedScopes":["a b"]}),
        json!({"appType":"web","clientName":"x","allowedScopes":["a\"b"]}),
        json!({"appType":"web","clientName":"x","allowedScopes":[""]}),
        json!({"appType":"web","clientName":"x","allowedScopes":[long(300)]}),
        json!({"appType":"web","clientName":"x","logoUri":"ftp://a.example/x.png"}),
        json!({"appType":"web","clientName":"x","logoUri":long(3000)}),
        json!({"appType":"web","clientName":"x","clientUri":12}),
        json!({"appType":"web","clientName":"x","connectionConfig":{"consentMethod":"required"}}),
        json!({"appType":"web","clientName":"x","connectionConfig":"trusted"}),
        json!({"appType":"web","clientName":"x","connectionConfig":{"other":1}}),
        json!({"appType":"web","clientName":"x","allowedAuthMethods":["private_key_jwt"],"publicKeys":[]}),
        json!({"appType":"web","clientName":"x","allowedAuthMethods":["private_key_jwt"],"publicKeys":[{"kty":"RSA","kid":"k","use":"sig","alg":"RS256","n":"AQAB","e":"AQAB"}]}),
        json!({"appType":"web","clientName":"x","allowedAuthMethods":["private_key_jwt"],"publicKeys":[{"kty":"EC","kid":"k","use":"sig","alg":"ES384","crv":"P-384","x":"!!!","y":"???"}]}),
        json!({"appType":"web","clientName":"x","allowedAuthMethods":["private_key_jwt"],"publicKeys":[{"kty":"EC","kid":"k","use":"enc","alg":"ES384","crv":"P-384","x":"AA","y":"AA"}]}),
        json!({"appType":"web","clientName":"x","allowedAuthMethods":["private_key_jwt"],"publicKeys":["key"]}),
        json!({"appType":"web","clientName":"x","allowedAuthMethods":["private_key_jwt"],"publicKeys":[{"kty":"oct","kid":"k","use":"sig","alg":"HS256","k":"AA"}]}),
        json!({"appType":"web","clientName":1e300}),
    ];
    out.extend(
        values
            .into_iter()
            .map(|v| case(Method::POST, LIST).json(v.to_string())),
    );
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json-patch+json",
        "multipart/form-data; boundary=x",
        "application/jsonx",
        "",
        "\u{1}",
    ] {
        out.push(case(Method::POST, LIST).body(ct, r#"{"appType":"web","clientName":"x"}"#));
    }
    out.push(case(Method::POST, LIST).body("application/json; charset=\u{ff}", "{}"));
    out
}

fn patch_cases(id: &str) -> Vec<Case> {
    let docs: Vec<Value> = vec![
        json!({}),
        json!([]),
        json!(null),
        json!("replace"),
        json!([null]),
        json!([[]]),
        json!([{"op":"replace"}]),
        json!([{"path":"/clientName","value":"x"}]),
        json!([{"op":"move","from":"/clientName","path":"/description"}]),
        json!([{"op":"copy","from":"/clientName","path":"/description"}]),
        json!([{"op":"test","path":"/clientName","value":"x"}]),
        json!([{"op":"REPLACE","path":"/clientName","value":"x"}]),
        json!([{"op":1,"path":"/clientName","value":"x"}]),
        json!([{"op":"replace","path":"/appType","value":"spa"}]),
        json!([{"op":"replace","path":"/clientId","value":"x"}]),
        json!([{"op":"replace","path":"","value":{}}]),
        json!([{"op":"replace","path":"/","value":"x"}]),
        json!([{"op":"replace","path":"clientName","value":"x"}]),
        json!([{"op":"replace","path":"/clientName/0","value":"x"}]),
        json!([{"op":"add","path":"/redirectUris/-","value":"https://a.example"}]),
        json!([{"op":"add","path":"/redirectUris/0","value":"https://a.example"}]),
        json!([{"op":"replace","path":"/connectionConfig","value":{"consentMethod":"trusted"}}]),
        json!([{"op":"replace","path":"/connectionConfig/consentMethod","value":"maybe"}]),
        json!([{"op":"replace","path":"/~1clientName","value":"x"}]),
        json!([{"op":"replace","path":"/client~0Name","value":"x"}]),
        json!([{"op":"replace","path":"/clientName","value":5}]),
        json!([{"op":"replace","path":"/clientName","value":null}]),
        json!([{"op":"replace","path":"/clientName","value":["x"]}]),
        json!([{"op":"replace","path":"/clientName","value":""}]),
        json!([{"op":"replace","path":"/clientName","value":long(600)}]),
        json!([{"op":"replace","path":"/clientName"}]),
        json!([{"op":"remove","path":"/clientName"}]),
        json!([{"op":"remove","path":"/description"}]),
        json!([{"op":"replace","path":"/description","value":"never set"}]),
        json!([{"op":"add","path":"/allowedScopes","value":"not a list"}]),
        json!([{"op":"add","path":"/allowedScopes","value":[1]}]),
        json!([{"op":"add","path":"/publicKeys","value":["x"]}]),
        json!([{"op":"add","path":"/publicKeys","value":[{"kty":"RSA"}]}]),
        json!([{"op":"add","path":"/allowedAuthMethods","value":["private_key_jwt"]}]),
        json!([{"op":"add","path":"/allowedGrantTypes","value":["implicit"]}]),
        json!([{"op":"add","path":"/redirectUris","value":["http://not-loopback.example/"]}]),
        json!([{"op":"add","path":"/allowedOrigins","value":["https://a.example"]}]),
        json!([{"op":"add","path":"/logoUri","value":"not a uri"}]),
        json!(
            (0..2000)
                .map(|_| json!({"op":"add","path":"/description","value":"d"}))
                .collect::<Vec<_>>()
        ),
        json!([{"op":"replace","path":"/clientName","value":"ok"},{"op":"bogus"}]),
        json!([{"op":"replace","path":"/clientName","value":"ok","extra":{"deep":[1,2,{"x":null}]}}, {"op":"remove","path":"/logoUri"}]),
    ];
    let mut out: Vec<Case> = docs
        .into_iter()
        .map(|d| case(Method::PATCH, format!("{LIST}/{id}")).json(d.to_string()))
        .collect();
    for raw in [
        &b"["[..],
        b"[{\"op\":\"add\",\"path\":\"/clientName\",\"value\":\"\xff\"}]",
        b"not json",
    ] {
        out.push(case(Method::PATCH, format!("{LIST}/{id}")).json(raw.to_vec()));
    }
    for ct in ["text/plain", "application/merge-patch+json", ""] {
        out.push(
            case(Method::PATCH, format!("{LIST}/{id}"))
                .body(ct, r#"[{"op":"replace","path":"/clientName","value":"x"}]"#),
        );
    }
    out
}

fn query_cases() -> Vec<Case> {
    let queries: Vec<String> = vec![
        "limit=0",
        "limit=-1",
        "limit=101",
        "limit=1e3",
        "limit=abc",
        "limit=",
        "limit=1.5",
        "limit=99999999999999999999",
        "limit=10&limit=20",
        "unknown=1",
        "Limit=10",
        "filter",
        "filter=",
        "filter=clientName",
        "filter=clientName%20eq",
        "filter=clientName%20eq%20%22x",
        "filter=(((((",
        "filter=)",
        "filter=clientName%20eq%20%22x%22%20and",
        "filter=nope%20eq%20%22x%22",
        "filter=clientSecret%20pr",
        "filter=clientName%20zz%20%22x%22",
        "filter=not%20clientName%20pr",
        "filter=createdAt%20gt%20%22yesterday%22",
        "filter=createdAt%20gt%2012",
        "filter=clientName%20eq%20true",
        "filter=clientName%20eq%20null",
        "filter=%FF%FE",
        "filter=clientName%20eq%20%22%00%22",
        "filter=clientName%20co%20%22%25%22",
        "filter=clientName%20co%20%22_%22",
        "filter=clientName%20eq%20%22'%20OR%201=1%20--%22",
        "filter=appType%20eq%20%22web%22%20or",
        "filter=%22x%22",
        "filter=clientName[value%20eq%20%22x%22]",
        "sort=name",
        "sort=%2BclientSecret",
        "sort=--createdAt",
        "sort=",
        "sort=+",
        "sort=-",
        "sort=%FF",
        "sort=createdAt,clientName",
        "totalResults=maybe",
        "totalResults=1",
        "totalResults=",
        "next=abc",
        "next=",
        "prev=abc",
        "next=a&prev=b",
        "next=%FF%FE%FD",
        "next=eyJhbGciOiJub25lIn0",
        "next=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "&&&",
        "=",
        "==x",
        "%",
        "%G0=1",
        "filter=%",
        "a%00b=1",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain([
        format!("filter=clientName%20eq%20%22{}%22", long(1100)),
        format!("filter={}clientName%20pr{}", "(".repeat(20), ")".repeat(20)),
        format!(
            "filter={}",
            ["not%20(clientName%20pr)"; 40].join("%20and%20")
        ),
        format!("next={}", long(4000)),
        format!("sort={}", long(2000)),
    ])
    .collect();
    queries
        .into_iter()
        .map(|q| case(Method::GET, format!("{LIST}?{q}")))
        .collect()
}

fn path_cases() -> Vec<Case> {
    let ids: Vec<String> = vec![
        "%00",
        "..",
        "%2e%2e",
        "%2F",
        "%FF%FE",
        "%C3%28",
        "%E2%82",
        "%20",
        "a%20b",
        "%27%20OR%201=1%20--",
        "UPPERCASE0123456789ABCDEFGHIJKLMN",
        "0123456789abcdefghijklmnopqrstu",
        "0123456789abcdefghijklmnopqrstuvw",
        "%F0%9F%98%80",
        "null",
        "-1",
        "*",
        "%25",
        "a;b",
        "a,b",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain([long(5000)])
    .collect();
    let mut out = Vec::new();
    for id in &ids {
        out.push(case(Method::GET, format!("{LIST}/{id}")));
        out.push(
            case(Method::PATCH, format!("{LIST}/{id}"))
                .json(r#"[{"op":"replace","path":"/clientName","value":"x"}]"#),
        );
        out.push(
            case(Method::DELETE, format!("{LIST}/{id}"))
                .header("qlik-confirm-delete", id.as_bytes().to_vec()),
        );
        out.push(case(Method::POST, format!("{LIST}/{id}/client-secrets")));
        out.push(case(
            Method::DELETE,
            format!("{LIST}/{id}/client-secrets/{id}"),
        ));
    }
    for p in [
        "/api",
        "/api/",
        "/api/core",
        "/api/core/oauth-clients/",
        "//api/core/oauth-clients",
        "/api/core/oauth-clients/x/client-secrets/",
        "/api/core/oauth-clients/x/y/z",
        "/%FF",
        "/oauth",
        "/oauth/",
        "/oauth/tokens",
        "/.well-known/",
        "/docs/%FF",
        "/docs/../../etc/passwd",
        "/docs/nope.js",
    ] {
        out.push(case(Method::GET, p));
    }
    for m in ["PUT", "TRACE", "OPTIONS", "CONNECTX", "GETT"] {
        let m = Method::from_bytes(m.as_bytes()).unwrap();
        for p in [LIST, "/oauth/token", "/health", "/metrics", "/openapi.json"] {
            out.push(case(m.clone(), p));
        }
    }
    out
}

fn header_cases(id: &str) -> Vec<Case> {
    let mut out = Vec::new();
    for v in [&b""[..], b"wrong", b"\xff\xfe", &long(9000).into_bytes()] {
        out.push(
            case(Method::DELETE, format!("{LIST}/{id}")).header("qlik-confirm-delete", v.to_vec()),
        );
    }
    out.push(case(Method::DELETE, format!("{LIST}/{id}")));
    for hint in ["%00", "ABCDE", "%FF", "a%20b", "abc%00de", &long(100)] {
        out.push(case(
            Method::DELETE,
            format!("{LIST}/{id}/client-secrets/{hint}"),
        ));
    }
    out.push(case(Method::GET, LIST).header("accept", b"\xff".to_vec()));
    out.push(case(Method::GET, LIST).header("x-request-id", b"injected\xff".to_vec()));
    out.push(case(Method::GET, LIST).header("content-length", b"0".to_vec()));
    out.push(case(Method::GET, LIST).header("x-big", long(20 * 1024).into_bytes()));
    out.push(
        case(Method::POST, LIST)
            .header("content-type", b"application/json\xff".to_vec())
            .body("application/json", "{}"),
    );
    out
}

fn oauth_cases(admin: &Tenant) -> Vec<Case> {
    let form = "application/x-www-form-urlencoded";
    let basic = |raw: &[u8]| {
        use base64::Engine;
        let mut v = b"Basic ".to_vec();
        v.extend(
            base64::engine::general_purpose::STANDARD
                .encode(raw)
                .into_bytes(),
        );
        v
    };
    let ok_basic = basic(format!("{}:{}", admin.client_id, admin.client_secret).as_bytes());
    let t = |body: &str| {
        case(Method::POST, "/oauth/token")
            .no_auth()
            .body(form, body.as_bytes().to_vec())
    };
    let mut out = vec![
        t(""),
        t("grant_type="),
        t("grant_type=password"),
        t("grant_type=client_credentials"),
        t("grant_type=client_credentials&grant_type=client_credentials"),
        t("grant_type=client_credentials&client_id=x"),
        t("grant_type=client_credentials&client_id=x&client_secret=y"),
        t(&format!(
            "grant_type=client_credentials&client_id={}&client_secret=%FF",
            admin.client_id
        )),
        t("grant_type=%ZZ&client_id=%"),
        t("%FF%FE=%FF"),
        t(&format!(
            "grant_type=client_credentials&client_id={}",
            long(5000)
        )),
        t(&format!(
            "grant_type=client_credentials&x={}",
            long(20 * 1024)
        )),
        t(
            "grant_type=client_credentials&client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer&client_assertion=a.b.c",
        ),
        t("grant_type=client_credentials&client_assertion=e30.e30.x"),
        t(&format!(
            "grant_type=client_credentials&scope={}",
            "%22%5C%00"
        ))
        .header("authorization", ok_basic.clone()),
        t(&format!(
            "grant_type=client_credentials&scope={}",
            long(3000)
        ))
        .header("authorization", ok_basic.clone()),
        t("grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer")
            .header("authorization", ok_basic.clone()),
        t(&format!(
            "grant_type=client_credentials&client_id={}&client_secret=x",
            admin.client_id
        ))
        .header("authorization", ok_basic.clone()),
        t(&format!(
            "grant_type=client_credentials&client_id=other{}",
            admin.client_id
        ))
        .header("authorization", ok_basic.clone()),
        case(Method::POST, "/oauth/token")
            .no_auth()
            .body("application/json", b"{\"grant_type\":5}".to_vec()),
        case(Method::POST, "/oauth/token")
            .no_auth()
            .body("application/json", b"[\"grant_type\"]".to_vec()),
        case(Method::POST, "/oauth/token").no_auth().body(
            "application/json",
            b"{\"grant_type\":\"client_credentials\",\"client_id\":null}".to_vec(),
        ),
        case(Method::POST, "/oauth/token")
            .no_auth()
            .body("application/json", b"{bad".to_vec()),
        case(Method::POST, "/oauth/token")
            .no_auth()
            .body("application/json", "[".repeat(10_000).into_bytes()),
        case(Method::POST, "/oauth/token")
            .no_auth()
            .body("text/plain", b"grant_type=client_credentials".to_vec()),
        case(Method::POST, "/oauth/token").no_auth(),
    ];
    for auth in [
        b"Basic".to_vec(),
        b"Basic !!!".to_vec(),
        basic(b"no-colon"),
        basic(b":"),
        basic(b"\xff\xfe:\xfd"),
        basic(format!("{}:", admin.client_id).as_bytes()),
        basic(format!("{}:%ZZ", admin.client_id).as_bytes()),
        basic(format!("{}:{}", long(5000), long(5000)).as_bytes()),
        b"Bearer x".to_vec(),
        b"Digest username=x".to_vec(),
        b"\xff\xfe".to_vec(),
    ] {
        out.push(t("grant_type=client_credentials").header("authorization", auth));
    }
    out
}

fn is_rfc6749_body(body: &Value) -> bool {
    body["error"].as_str().is_some_and(|e| !e.is_empty())
}

async fn send(app: &TestApp, c: &Case) -> (reqwest::StatusCode, Vec<u8>) {
    let url = format!("{}{}", app.base, c.path);
    let mut req = app.http.request(c.method.clone(), &url);
    if c.auth {
        req = req.bearer_auth(&app.admin.token);
    }
    if let Some((ct, body)) = &c.body {
        if let Ok(v) = HeaderValue::from_bytes(ct.as_bytes()) {
            req = req.header("content-type", v);
        }
        req = req.body(body.clone());
    }
    for (n, v) in &c.headers {
        req = req.header(
            HeaderName::from_bytes(n.as_bytes()).unwrap(),
            HeaderValue::from_bytes(v).unwrap(),
        );
    }
    match req.send().await {
        Ok(res) => {
            let status = res.status();
            (
                status,
                res.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
            )
        }
        Err(e) => panic!("{} {}: transport error {e}", c.method, truncate(&c.path)),
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(120).collect()
}

#[tokio::test]
async fn hundreds_of_malformed_requests_get_4xx_with_error_bodies() {
    let app = spawn_app().await;
    let client = app.web_client(&app.admin.token, "target").await;
    let id = client["clientId"].as_str().unwrap().to_owned();
    let mut cases = token_cases(&app.admin.token);
    cases.extend(create_cases());
    cases.extend(patch_cases(&id));
    cases.extend(query_cases());
    cases.extend(path_cases());
    cases.extend(header_cases(&id));
    cases.extend(oauth_cases(&app.admin));
    assert!(cases.len() >= 300, "only {} cases", cases.len());

    let mut errors = 0;
    for c in &cases {
        let (status, bytes) = send(&app, c).await;
        let what = format!("{} {} -> {status}", c.method, truncate(&c.path));
        assert!(
            !status.is_server_error(),
            "{what}: {}",
            String::from_utf8_lossy(&bytes)
        );
        if status.is_success() || status.is_redirection() {
            continue;
        }
        errors += 1;
        let body: Value = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            panic!(
                "{what}: not a JSON body: {}",
                String::from_utf8_lossy(&bytes)
            )
        });
        if c.path == "/oauth/token" && c.method == Method::POST {
            assert!(
                is_rfc6749_body(&body),
                "{what}: not an RFC 6749 body: {body}"
            );
        } else {
            assert_error(&body, status);
        }
    }
    assert!(
        errors * 10 >= cases.len() * 9,
        "most cases are errors: {errors} of {}",
        cases.len()
    );

    // Healthy afterwards: health, and the target client unchanged and usable.
    let (status, _) = read(app.http.get(app.url("/health")).send().await.unwrap()).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    let (status, after) = app.get_client(&app.admin.token, &id).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert_eq!(after["clientName"], "target", "no malformed patch applied");
    app.token(&id, client["clientSecret"].as_str().unwrap(), None)
        .await;
}

/// Requests the HTTP parser itself rejects (raw bytes on the socket): the
/// answer is a 4xx or a closed connection, never a 5xx, and the server
/// keeps serving. These never reach the application, so they carry no body.
#[tokio::test]
async fn garbage_on_the_socket_never_gets_a_5xx() {
    let app = spawn_app().await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let raw: Vec<Vec<u8>> = vec![
        b"GET /api/core/oauth-clients/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        b"GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n".to_vec(),
        b"GET /health HTTP/1.1\r\nHost: x\r\nX-\xff: y\r\n\r\n".to_vec(),
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03".to_vec(),
        b"GET\r\n\r\n".to_vec(),
        b"G\x00T / HTTP/1.1\r\n\r\n".to_vec(),
        b"POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n".to_vec(),
        b"POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcde".to_vec(),
        b"POST /oauth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_vec(),
        b"GET / HTTP/9.9\r\nHost: x\r\n\r\n".to_vec(),
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec(),
    ];
    let results = tokio::task::spawn_blocking(move || {
        raw.into_iter()
            .map(|bytes| {
                let mut s = std::net::TcpStream::connect(&addr).unwrap();
                s.set_read_timeout(Some(Duration::from_millis(200)))
                    .unwrap();
                let _ = s.write_all(&bytes);
                let _ = s.shutdown(std::net::Shutdown::Write);
                let mut out = Vec::new();
                let mut buf = [0u8; 4096];
                let deadline = Instant::now() + Duration::from_secs(20);
                while Instant::now() < deadline {
                    match s.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => out.extend_from_slice(&buf[..n]),
                        Err(e)
                            if e.kind() == std::io::ErrorKind::WouldBlock
                                || e.kind() == std::io::ErrorKind::TimedOut => {}
                        Err(_) => break,
                    }
                }
                (bytes, out)
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    for (sent, got) in results {
        let head = String::from_utf8_lossy(&got);
        assert!(
            !head.starts_with("HTTP/1.1 5"),
            "{:?} got {head}",
            String::from_utf8_lossy(&sent)
        );
    }
    let (status, _) = read(app.http.get(app.url("/health")).send().await.unwrap()).await;
    assert_eq!(status, reqwest::StatusCode::OK);
}
