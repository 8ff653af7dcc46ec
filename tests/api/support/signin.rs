//! Support for the sign-in tests: a cookie-keeping, non-redirecting HTTP
//! "browser" that drives the real pages by their fixed interface (inputs
//! `email`, `password`, `csrf`; `decision=allow|deny`), PKCE values, and
//! helpers that register users and sign-in clients through the API.

use super::app::TestApp;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use serde_json::{Value, json};
use std::collections::HashMap;

pub const PASSWORD: &str = "correct horse battery staple";
pub const REDIRECT: &str = "https://app.example/cb";

/// One answer as a browser sees it.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> String {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }
    pub fn content_type(&self) -> String {
        self.headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }
    /// The `value` of the input named `name`.
    pub fn input(&self, name: &str) -> Option<String> {
        let at = self.body.find(&format!("name=\"{name}\""))?;
        let start = self.body[..at].rfind('<')?;
        let end = at + self.body[at..].find('>')?;
        let tag = &self.body[start..end];
        let v = tag.split("value=\"").nth(1)?;
        Some(v[..v.find('"')?].to_owned())
    }
    /// The query parameters of the redirect.
    pub fn redirect_params(&self) -> HashMap<String, String> {
        query_of(&self.location())
    }
}

pub fn query_of(url: &str) -> HashMap<String, String> {
    let q = url.split_once('?').map_or("", |(_, q)| q);
    url::form_urlencoded::parse(q.as_bytes())
        .into_owned()
        .collect()
}

/// A browser: keeps cookies, follows nothing by itself.
pub struct Browser {
    pub http: reqwest::Client,
    pub cookies: HashMap<String, String>,
    pub base: String,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookies: HashMap::new(),
            base: base.to_owned(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, headers: &HeaderMap) {
        for v in headers.get_all(SET_COOKIE) {
            let text = v.to_str().unwrap_or_default();
            let pair = text.split(';').next().unwrap_or_default();
            if let Some((k, v)) = pair.split_once('=') {
                if v.is_empty() || text.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_owned(), v.to_owned());
                }
            }
        }
    }

    fn absolute(&self, url: &str) -> String {
        if url.starts_with("http") {
            url.to_owned()
        } else {
            format!("{}{url}", self.base)
        }
    }

    async fn finish(&mut self, res: reqwest::Response) -> Page {
        let status = res.status();
        let headers = res.headers().clone();
        self.keep_cookies(&headers);
        let body = res.text().await.unwrap_or_default();
        Page {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&mut self, url: &str) -> Page {
        let res = self
            .http
            .get(self.absolute(url))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("GET");
        self.finish(res).await
    }

    pub async fn post_form(&mut self, url: &str, fields: &[(&str, &str)]) -> Page {
        let res = self
            .http
            .post(self.absolute(url))
            .header("cookie", self.cookie_header())
            .form(fields)
            .send()
            .await
            .expect("POST");
        self.finish(res).await
    }

    /// Submits the form of `page` (its `action`) with `fields` and its CSRF token.
    pub async fn submit(&mut self, page: &Page, fields: &[(&str, &str)]) -> Page {
        let action = form_action(&page.body).expect("the page has a form");
        let csrf = page.input("csrf").expect("the form has a csrf input");
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(&action, &all).await
    }

    /// Follows a redirect to one of the server's pages.
    pub async fn follow(&mut self, page: &Page) -> Page {
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "expected a redirect: {}",
            page.body
        );
        let to = page.location();
        self.get(&to).await
    }

    /// From the authorize answer to the client's redirect: signs in with
    /// `email`/`password` when asked, and answers consent with `decision`.
    pub async fn sign_in_through(
        &mut self,
        start: Page,
        email: &str,
        password: &str,
        decision: &str,
    ) -> Page {
        let mut page = start;
        for _ in 0..4 {
            if page.status != StatusCode::SEE_OTHER || !page.location().starts_with(&self.base) {
                return page;
            }
            let shown = self.follow(&page).await;
            assert_eq!(shown.status, StatusCode::OK, "page: {}", shown.body);
            page = if shown.input("password").is_some() || shown.body.contains("name=\"password\"")
            {
                self.submit(&shown, &[("email", email), ("password", password)])
                    .await
            } else {
                self.submit(&shown, &[("decision", decision)]).await
            };
        }
        page
    }
}

/// The `action` of the first form.
pub fn form_action(body: &str) -> Option<String> {
    let at = body.find("<form")?;
    let v = body[at..].split("action=\"").nth(1)?;
    Some(
        v[..v.find('"')?]
            .replace("&#x2f;", "/")
            .replace("&#47;", "/"),
    )
}

/// A PKCE pair: a verifier and its S256 challenge.
pub fn pkce() -> (String, String) {
    let verifier = registrar::domain::ids::random_alnum(64);
    let challenge = registrar::domain::pkce::challenge_of(&verifier);
    (verifier, challenge)
}

/// The claims of a JWT (not verified: the tests that need it verify elsewhere).
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON")
}

/// An authorize URL for `client_id` with the given extra parameters.
pub fn authorize_url(client_id: &str, params: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("client_id", client_id);
    for (k, v) in params {
        s.append_pair(k, v);
    }
    format!("/oauth/authorize?{}", s.finish())
}

/// The usual parameters of a code request with PKCE.
pub fn code_params<'a>(
    challenge: &'a str,
    scope: &'a str,
    state: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("scope", scope),
        ("state", state),
        ("nonce", "n-0S6_WzA2Mj"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ]
}

/// Creates a user through the users API; returns its id.
pub async fn create_user(app: &TestApp, token: &str, email: &str, admin: bool) -> String {
    let roles: Vec<&str> = if admin { vec!["TenantAdmin"] } else { vec![] };
    let res = app
        .http
        .post(app.url("/api/core/users"))
        .bearer_auth(token)
        .json(&json!({"email": email, "name": format!("Name of {email}"), "password": PASSWORD, "roles": roles}))
        .send()
        .await
        .expect("create user");
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, StatusCode::CREATED, "create user: {body}");
    body["id"].as_str().expect("user id").to_owned()
}

/// Registers a client that signs people in; returns its id and the body.
pub async fn sign_in_client(app: &TestApp, token: &str, body: Value) -> (String, Value) {
    let (status, created) = app.create_client(token, body).await;
    assert_eq!(status, StatusCode::CREATED, "create client: {created}");
    (
        created["clientId"].as_str().expect("clientId").to_owned(),
        created,
    )
}

/// A `spa` client with one redirect URI, an allowed origin and `consent`.
pub async fn spa(app: &TestApp, token: &str, trusted: bool, scopes: &[&str]) -> String {
    let mut body = json!({
        "appType": "spa",
        "clientName": "Photo <Album>",
        "logoUri": "https://app.example/logo.png",
        "clientUri": "https://app.example/",
        "redirectUris": [REDIRECT],
        "allowedOrigins": ["https://app.example"],
        "allowedScopes": scopes,
    });
    if trusted {
        body["connectionConfig"] = json!({"consentMethod": "trusted"});
    }
    sign_in_client(app, token, body).await.0
}

/// Exchanges a code at the token endpoint as a public client.
pub async fn exchange(
    app: &TestApp,
    client_id: &str,
    code: &str,
    verifier: &str,
) -> (StatusCode, Value) {
    token_form(
        app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", client_id),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ],
    )
    .await
}

pub async fn refresh(app: &TestApp, client_id: &str, token: &str) -> (StatusCode, Value) {
    token_form(
        app,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", client_id),
            ("refresh_token", token),
        ],
    )
    .await
}

pub async fn token_form(app: &TestApp, fields: &[(&str, &str)]) -> (StatusCode, Value) {
    let res = app
        .http
        .post(app.url("/oauth/token"))
        .form(fields)
        .send()
        .await
        .expect("token request");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A code for `client` (trusted, so no consent page) and its verifier:
/// authorize, then sign `email` in.
pub async fn code_for(app: &TestApp, client: &str, email: &str, scope: &str) -> (String, String) {
    let mut b = Browser::new(&app.base);
    let (verifier, challenge) = pkce();
    let start = b
        .get(&authorize_url(client, &code_params(&challenge, scope, "s")))
        .await;
    let back = b.sign_in_through(start, email, PASSWORD, "allow").await;
    let code = back.redirect_params().get("code").cloned().expect("a code");
    (code, verifier)
}

/// The whole flow for `client_id`: authorize, sign in, consent, exchange.
pub async fn tokens_for(app: &TestApp, client_id: &str, email: &str, scope: &str) -> Value {
    let (code, verifier) = code_for(app, client_id, email, scope).await;
    let (status, body) = exchange(app, client_id, &code, &verifier).await;
    assert_eq!(status, StatusCode::OK, "exchange: {body}");
    body
}
