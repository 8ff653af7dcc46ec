//! Prepares the sign-in benchmark (`bench/signin.sh`): signs a user in to a
//! trusted `spa` client through the real pages once, then, over HTTP,
//!
//! - `codes N`: mints N authorization codes with that session (one
//!   `GET /oauth/authorize` each) and writes the exchange bodies, one a line;
//! - `refresh N`: mints and exchanges N codes and writes the N refresh tokens;
//! - `signins N`: starts N sign-ins in fresh browsers and writes, one a
//!   line, the form's path, the browser's cookie and the form body.
//!
//! Usage: `signin_bench BASE CLIENT_ID EMAIL PASSWORD OUT_DIR codes|refresh|signins N`

use reqwest::redirect::Policy;
use std::io::Write as _;

const REDIRECT: &str = "http://127.0.0.1:9/cb";
/// A fixed verifier: every code of the run shares its challenge.
const VERIFIER: &str = "bench-verifier-0123456789-0123456789-0123456789";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

fn authorize_url(base: &str, client_id: &str, scope: &str) -> String {
    let challenge = registrar::domain::pkce::challenge_of(VERIFIER);
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("scope", scope)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    format!("{base}/oauth/authorize?{q}")
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The `name=value` pairs a response sets, as a `Cookie` header adds them.
fn cookies(res: &reqwest::Response, jar: &mut Vec<String>) {
    for v in res.headers().get_all("set-cookie") {
        if let Some(pair) = v.to_str().ok().and_then(|s| s.split(';').next()) {
            jar.push(pair.to_owned());
        }
    }
}

fn input(body: &str, name: &str) -> String {
    let at = body.find(&format!("name=\"{name}\"")).expect("input");
    let tag = &body[at..];
    let v = tag.split("value=\"").nth(1).expect("value");
    v[..v.find('"').expect("quote")].to_owned()
}

/// Starts a sign-in in a fresh browser: (form path, cookie header, csrf).
async fn start_sign_in(
    http: &reqwest::Client,
    base: &str,
    client_id: &str,
) -> (String, String, String) {
    let mut jar = Vec::new();
    let res = http
        .get(authorize_url(base, client_id, "openid"))
        .send()
        .await
        .expect("authorize");
    cookies(&res, &mut jar);
    let page = location(&res);
    let res = http
        .get(&page)
        .header("cookie", jar.join("; "))
        .send()
        .await
        .expect("page");
    let body = res.text().await.expect("body");
    let path = page.strip_prefix(base).unwrap_or(&page).to_owned();
    (
        format!("{path}/signin"),
        jar.join("; "),
        input(&body, "csrf"),
    )
}

/// Signs in once; returns the session's cookie header.
async fn session(
    http: &reqwest::Client,
    base: &str,
    client_id: &str,
    email: &str,
    password: &str,
) -> String {
    let (path, cookie, csrf) = start_sign_in(http, base, client_id).await;
    let res = http
        .post(format!("{base}{path}"))
        .header("cookie", &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .expect("sign in");
    let mut jar = vec![cookie];
    cookies(&res, &mut jar);
    assert!(
        location(&res).starts_with(REDIRECT),
        "signed in and back: {}",
        location(&res)
    );
    jar.join("; ")
}

async fn mint_code(http: &reqwest::Client, url: &str, cookie: &str) -> String {
    let res = http
        .get(url)
        .header("cookie", cookie)
        .send()
        .await
        .expect("authorize");
    let loc = location(&res);
    let q = loc.split_once('?').expect("query").1;
    url::form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code")
}

fn exchange_body(client_id: &str, code: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("client_id", client_id)
        .append_pair("code", code)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("code_verifier", VERIFIER)
        .finish()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, client_id, email, password, out, what, n] = args.as_slice() else {
        eprintln!(
            "usage: signin_bench BASE CLIENT_ID EMAIL PASSWORD OUT_DIR codes|refresh|signins N"
        );
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("N");
    let http = client();
    let mut file = std::fs::File::create(format!("{out}/{what}.txt")).expect("output file");
    if what == "signins" {
        for _ in 0..n {
            let (path, cookie, csrf) = start_sign_in(&http, base, client_id).await;
            let body = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("csrf", &csrf)
                .append_pair("email", email)
                .append_pair("password", password)
                .finish();
            writeln!(file, "{path}\t{cookie}\t{body}").expect("write");
        }
        return;
    }
    let cookie = session(&http, base, client_id, email, password).await;
    let scope = if what == "refresh" {
        "openid offline_access"
    } else {
        "openid"
    };
    let url = authorize_url(base, client_id, scope);
    // A few at a time, so minting is quick but the server is not flooded.
    let mut done = 0;
    while done < n {
        let batch = (n - done).min(16);
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..batch {
            let (http, url, cookie) = (http.clone(), url.clone(), cookie.clone());
            set.spawn(async move { mint_code(&http, &url, &cookie).await });
        }
        for code in set.join_all().await {
            let line = if what == "refresh" {
                let res = http
                    .post(format!("{base}/oauth/token"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(exchange_body(client_id, &code))
                    .send()
                    .await
                    .expect("exchange");
                let v: serde_json::Value = res.json().await.expect("json");
                v["refresh_token"]
                    .as_str()
                    .expect("refresh token")
                    .to_owned()
            } else {
                exchange_body(client_id, &code)
            };
            writeln!(file, "{line}").expect("write");
        }
        done += batch;
    }
}
