//! Security properties of the sign-in pages (contract §8, RFC 9700): CSRF
//! tokens, interactions bound to their browser, equal answers for wrong
//! email and wrong password, the failure lock, the pages' headers, cookie
//! attributes, session lifetimes, stored values hashed.

use crate::support::signin::*;
use crate::support::*;
use registrar::domain::session::SessionLifetimes;
use registrar::state::Settings;
use reqwest::StatusCode;

async fn sign_in_form(_app: &TestApp, b: &mut Browser, client: &str) -> Page {
    let (_, challenge) = pkce();
    let start = b
        .get(&authorize_url(
            client,
            &code_params(&challenge, "openid", "s"),
        ))
        .await;
    b.follow(&start).await
}

#[tokio::test]
async fn a_missing_or_wrong_csrf_token_is_refused() {
    let app = spawn_app().await;
    create_user(&app, &app.admin.token, "cs@example.com", false).await;
    let client = spa(&app, &app.admin.token, false, &[]).await;
    let mut b = Browser::new(&app.base);
    let form = sign_in_form(&app, &mut b, &client).await;
    let action = form_action(&form.body).unwrap();
    let none = b
        .post_form(
            &action,
            &[("email", "cs@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(none.status, StatusCode::FORBIDDEN, "no CSRF token");
    let wrong = b
        .post_form(
            &action,
            &[
                ("csrf", &"x".repeat(32)),
                ("email", "cs@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN, "a wrong CSRF token");
    assert!(wrong.location().is_empty());
    // The consent form checks it too.
    let ok = b
        .submit(
            &form,
            &[("email", "cs@example.com"), ("password", PASSWORD)],
        )
        .await;
    let consent = b.follow(&ok).await;
    let action = form_action(&consent.body).unwrap();
    let forged = b.post_form(&action, &[("decision", "allow")]).await;
    assert_eq!(
        forged.status,
        StatusCode::FORBIDDEN,
        "consent without the CSRF token"
    );
    let real = b.submit(&consent, &[("decision", "allow")]).await;
    assert!(real.redirect_params().contains_key("code"));
}

#[tokio::test]
async fn an_interaction_belongs_to_the_browser_that_started_it() {
    let app = spawn_app().await;
    create_user(&app, &app.admin.token, "bb@example.com", false).await;
    let client = spa(&app, &app.admin.token, false, &[]).await;
    let mut attacker = Browser::new(&app.base);
    let form = sign_in_form(&app, &mut attacker, &client).await;
    let page_url = attacker.cookies.len();
    assert!(page_url >= 1, "a binding cookie was set");
    // The victim's browser, without the attacker's cookie, gets the form
    // posted to it (login CSRF): refused.
    let mut victim = Browser::new(&app.base);
    let action = form_action(&form.body).unwrap();
    let csrf = form.input("csrf").unwrap();
    let res = victim
        .post_form(
            &action,
            &[
                ("csrf", &csrf),
                ("email", "bb@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let shown = victim.get(action.trim_end_matches("/signin")).await;
    assert_eq!(
        shown.status,
        StatusCode::FORBIDDEN,
        "nor can another browser see the page"
    );
}

#[tokio::test]
async fn a_wrong_email_and_a_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    create_user(&app, &app.admin.token, "eq@example.com", false).await;
    let client = spa(&app, &app.admin.token, false, &[]).await;
    let mut answers = Vec::new();
    for (email, password) in [
        ("nobody@example.com", PASSWORD),
        ("eq@example.com", "wrong password!!"),
    ] {
        let mut b = Browser::new(&app.base);
        let form = sign_in_form(&app, &mut b, &client).await;
        let page = b
            .submit(&form, &[("email", email), ("password", password)])
            .await;
        // The parts that differ by request (the CSRF token, the action, the
        // echoed email) are taken out before comparing.
        let body = page
            .body
            .replace(&form.input("csrf").unwrap(), "CSRF")
            .replace(&form_action(&form.body).unwrap(), "ACTION")
            .replace(email, "EMAIL");
        answers.push((page.status, body));
    }
    assert_eq!(answers[0].0, StatusCode::OK);
    assert!(answers[0].1.contains("The email or password is incorrect."));
    assert_eq!(answers[0], answers[1]);
}

#[tokio::test]
async fn twenty_failures_lock_the_account_with_a_429_page_right_password_included() {
    let app = spawn_app().await;
    create_user(&app, &app.admin.token, "lk@example.com", false).await;
    let client = spa(&app, &app.admin.token, true, &[]).await;
    let mut b = Browser::new(&app.base);
    let form = sign_in_form(&app, &mut b, &client).await;
    let mut last = None;
    for i in 1..=20 {
        let page = b
            .submit(
                &form,
                &[
                    ("email", "LK@example.com"),
                    ("password", "not the password"),
                ],
            )
            .await;
        if i < 20 {
            assert_eq!(page.status, StatusCode::OK, "failure {i}");
        }
        last = Some(page);
    }
    let last = last.unwrap();
    assert_eq!(
        last.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the 20th failure locks"
    );
    assert!(last.content_type().starts_with("text/html"));
    assert!(last.headers.contains_key("retry-after"));
    let right = b
        .submit(
            &form,
            &[("email", "lk@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        right.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the right password is refused too while locked"
    );
}

#[tokio::test]
async fn pages_carry_the_security_headers() {
    let app = spawn_app().await;
    let client = spa(&app, &app.admin.token, false, &[]).await;
    let mut b = Browser::new(&app.base);
    let form = sign_in_form(&app, &mut b, &client).await;
    let h = &form.headers;
    let csp = h["content-security-policy"].to_str().unwrap();
    for part in [
        "default-src 'none'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self' https://app.example",
    ] {
        assert!(csp.contains(part), "CSP has {part}: {csp}");
    }
    assert!(
        !csp.contains("script-src") && !csp.contains("unsafe-inline"),
        "no script at all: {csp}"
    );
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["cache-control"], "no-store");
    assert!(!form.body.contains("<script"), "no JavaScript");
    // The only asset of the server's own is its stylesheet; the one thing
    // from elsewhere is the client's registered logo (`img-src https:`).
    assert!(
        form.body
            .contains("<link rel=\"stylesheet\" href=\"/oauth/assets/registrar.css\">")
    );
    assert_eq!(
        form.body.matches("src=\"").count(),
        1,
        "one image, the client's logo"
    );
    assert!(form.body.contains("src=\"https://app.example/logo.png\""));
    let css = b.get("/oauth/assets/registrar.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.content_type().starts_with("text/css"));
}

#[tokio::test]
async fn cookies_are_httponly_lax_and_secure_host_prefixed_with_an_https_public_url() {
    // The public URL is https (as behind a TLS-terminating proxy); the test
    // talks plain HTTP to the listener, as the proxy would.
    let app = TestApp::spawn_with(Settings {
        public_url: "https://auth.example".into(),
        token_ttl: 600,
        ..Default::default()
    })
    .await;
    create_user(&app, &app.admin.token, "ck@example.com", false).await;
    let client = spa(&app, &app.admin.token, true, &[]).await;
    let mut b = Browser::new(&app.base);
    let (_, challenge) = pkce();
    let start = b
        .get(&authorize_url(
            &client,
            &code_params(&challenge, "openid", "s"),
        ))
        .await;
    let binding = start.headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        binding.starts_with("__Host-registrar_browser="),
        "{binding}"
    );
    for attr in ["Path=/", "HttpOnly", "SameSite=Lax", "Secure"] {
        assert!(binding.contains(attr), "{attr} in {binding}");
    }
    let page_path = start.location().replace("https://auth.example", "");
    let form = b.get(&page_path).await;
    let action = form_action(&form.body).unwrap();
    let csrf = form.input("csrf").unwrap();
    let back = b
        .post_form(
            &action,
            &[
                ("csrf", &csrf),
                ("email", "ck@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    let session = back
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.contains("registrar_session"))
        .expect("a session cookie");
    assert!(
        session.starts_with("__Host-registrar_session="),
        "{session}"
    );
    for attr in ["Path=/", "HttpOnly", "SameSite=Lax", "Secure"] {
        assert!(session.contains(attr), "{attr} in {session}");
    }
}

#[tokio::test]
async fn sessions_end_after_the_idle_time_and_after_the_maximum() {
    let idle = TestApp::spawn_with(Settings {
        public_url: String::new(),
        token_ttl: 600,
        sessions: SessionLifetimes {
            idle_secs: 1,
            max_secs: 60,
        },
        ..Default::default()
    })
    .await;
    let max = TestApp::spawn_with(Settings {
        public_url: String::new(),
        token_ttl: 600,
        sessions: SessionLifetimes {
            idle_secs: 60,
            max_secs: 2,
        },
        ..Default::default()
    })
    .await;
    for (app, what, wait_ms, keep_alive) in
        [(&idle, "idle", 1_500, false), (&max, "max", 2_200, true)]
    {
        create_user(app, &app.admin.token, "se@example.com", false).await;
        let client = spa(app, &app.admin.token, true, &[]).await;
        let mut b = Browser::new(&app.base);
        let (_, challenge) = pkce();
        let start = b
            .get(&authorize_url(
                &client,
                &code_params(&challenge, "openid", "1"),
            ))
            .await;
        b.sign_in_through(start, "se@example.com", PASSWORD, "allow")
            .await;
        let mut silent = code_params(&challenge, "openid", "2");
        silent.push(("prompt", "none"));
        let now = b.get(&authorize_url(&client, &silent)).await;
        assert!(
            now.redirect_params().contains_key("code"),
            "{what}: live at first"
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_millis(wait_ms);
        while std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            if keep_alive {
                // Use keeps an idle session alive, but never past the maximum.
                b.get(&authorize_url(&client, &silent)).await;
            }
        }
        let later = b.get(&authorize_url(&client, &silent)).await;
        assert_eq!(
            later.redirect_params().get("error").map(String::as_str),
            Some("login_required"),
            "{what}: ended"
        );
    }
}

#[tokio::test]
async fn codes_sessions_and_refresh_tokens_are_stored_only_as_hashes() {
    let app = spawn_app().await;
    create_user(&app, &app.admin.token, "hs@example.com", false).await;
    let client = spa(&app, &app.admin.token, true, &[]).await;
    let mut b = Browser::new(&app.base);
    let (verifier, challenge) = pkce();
    let start = b
        .get(&authorize_url(
            &client,
            &code_params(&challenge, "openid offline_access", "s"),
        ))
        .await;
    let back = b
        .sign_in_through(start, "hs@example.com", PASSWORD, "allow")
        .await;
    let code = back.redirect_params()["code"].clone();
    let (_, tokens) = exchange(&app, &client, &code, &verifier).await;
    let session = b
        .cookies
        .get("registrar_session")
        .cloned()
        .expect("session cookie");
    let refresh_token = tokens["refresh_token"].as_str().unwrap().to_owned();
    let stored = stored_hashes(&app.db.url).await;
    let hash = registrar::domain::secret::hash_secret;
    for (what, plain, table) in [
        ("code", &code, "authorization_codes"),
        ("session", &session, "signin_sessions"),
        ("refresh token", &refresh_token, "refresh_tokens"),
    ] {
        let in_table = &stored[table];
        assert!(
            in_table.contains(&hash(plain)),
            "the {what} is stored as its SHA-256"
        );
        assert!(
            !in_table
                .iter()
                .any(|v| v.windows(32).any(|w| w == &plain.as_bytes()[32..])),
            "the {what} is not stored in plain"
        );
    }
}

/// The hash column of each sign-in table, read straight from the database.
async fn stored_hashes(url: &str) -> std::collections::HashMap<&'static str, Vec<Vec<u8>>> {
    use sqlx::Row as _;
    let tables = [
        ("authorization_codes", "code_hash"),
        ("signin_sessions", "session_hash"),
        ("refresh_tokens", "token_hash"),
    ];
    let mut out = std::collections::HashMap::new();
    for (table, column) in tables {
        let sql = format!("SELECT {column} FROM {table}");
        let rows: Vec<Vec<u8>> = if is_postgres() {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(&pool)
                .await
                .unwrap();
            rows.iter().map(|r| r.get::<Vec<u8>, _>(0)).collect()
        } else {
            let pool = sqlx::SqlitePool::connect(url).await.unwrap();
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(&pool)
                .await
                .unwrap();
            rows.iter().map(|r| r.get::<Vec<u8>, _>(0)).collect()
        };
        out.insert(table, rows);
    }
    out
}
