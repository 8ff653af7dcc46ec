//! Contract §5: `private_key_jwt` client authentication (RFC 7523) at the
//! token endpoint: every key type, the interoperability allowances, every
//! refusal (all the same `invalid_client`), replay across instances, and which
//! methods a client may use.

use crate::support::keys::{ASSERTION_TYPE, ClientKey, claims, key_client, post_assertion};
use crate::support::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

const GRANT: (&str, &str) = ("grant_type", "client_credentials");

fn id_of(c: &Value) -> String {
    c["clientId"].as_str().unwrap().to_owned()
}

fn assert_invalid_client(status: StatusCode, body: &Value, why: &str) {
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{why}: {body}");
    assert_eq!(body["error"], "invalid_client", "{why}: {body}");
    // Nothing tells the caller which check failed.
    assert_eq!(
        body["error_description"], "client authentication failed",
        "{why}: {body}"
    );
}

#[tokio::test]
async fn rs256_rs512_and_es384_assertions_get_tokens_that_work_on_the_management_api() {
    let app = spawn_app().await;
    let token_url = app.url("/oauth/token");
    for key in [
        ClientKey::rsa("rs256", Algorithm::RS256),
        ClientKey::rsa("rs512", Algorithm::RS512),
        ClientKey::ec("es384"),
    ] {
        let c = key_client(&app, &["private_key_jwt"], &[&key]).await;
        assert!(
            c.get("clientSecret").is_none(),
            "a key-only client gets no secret"
        );
        let id = id_of(&c);
        let (status, body) = post_assertion(
            &app,
            &token_url,
            Some(&id),
            &key.assertion(&id, &token_url),
            &[GRANT],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{:?}: {body}", key.alg);
        assert_eq!(body["scope"], "oauth-clients:read");
        let token = body["access_token"].as_str().unwrap();
        let (status, list) = app.list(token, "").await;
        assert_eq!(status, StatusCode::OK, "{:?}: {list}", key.alg);
        let (status, _) = app.get_client(token, &id).await;
        assert_eq!(status, StatusCode::OK, "{:?}", key.alg);
    }
}

#[tokio::test]
async fn client_id_kid_and_typ_may_be_left_out_and_aud_may_be_the_issuer() {
    let app = spawn_app().await;
    let token_url = app.url("/oauth/token");
    let rs = ClientKey::rsa("rs", Algorithm::RS256);
    let other_rs = ClientKey::rsa("other-rs", Algorithm::RS256);
    let ec = ClientKey::ec("ec");
    // Two RS256 keys: without a kid each is tried.
    let c = key_client(&app, &["private_key_jwt"], &[&other_rs, &rs, &ec]).await;
    let id = id_of(&c);
    let bare = |k: &ClientKey| Header::new(k.alg);
    let cases = [
        (
            "no client_id in the body",
            None,
            rs.assertion(&id, &token_url),
        ),
        (
            "no kid, no typ",
            Some(id.as_str()),
            rs.sign_with(&bare(&rs), &claims(&id, &token_url)),
        ),
        (
            "no kid, ES384",
            None,
            ec.sign_with(&bare(&ec), &claims(&id, &token_url)),
        ),
        ("aud is the issuer", None, rs.assertion(&id, &app.base)),
        (
            "aud is the issuer as a normalised URL (a bare origin ends in /)",
            None,
            rs.assertion(&id, &format!("{}/", app.base)),
        ),
        (
            "aud is an array naming the token endpoint",
            None,
            rs.sign_with(&rs.header(), &{
                let mut c = claims(&id, &token_url);
                c["aud"] = json!(["https://other.example", token_url]);
                c
            }),
        ),
    ];
    for (why, client_id, assertion) in cases {
        let (status, body) =
            post_assertion(&app, &token_url, client_id, &assertion, &[GRANT]).await;
        assert_eq!(status, StatusCode::OK, "{why}: {body}");
    }
}

/// An unsigned (`alg: none`) token with the given claims.
fn unsigned(claims: &Value) -> String {
    format!(
        "{}.{}.",
        B64.encode(br#"{"alg":"none","typ":"JWT"}"#),
        B64.encode(claims.to_string())
    )
}

#[tokio::test]
async fn every_broken_assertion_is_refused_with_the_same_invalid_client() {
    let app = spawn_app().await;
    let token_url = app.url("/oauth/token");
    let key = ClientKey::rsa("k1", Algorithm::RS256);
    let ec = ClientKey::ec("e1");
    let c = key_client(&app, &["private_key_jwt"], &[&key, &ec]).await;
    let id = id_of(&c);
    let other = key_client(&app, &["private_key_jwt"], &[&key]).await;
    let other_id = id_of(&other);
    let secret_only = key_client(&app, &["client_secret"], &[&key]).await;
    let secret_only_id = id_of(&secret_only);
    let now = registrar::domain::time::Timestamp::now().unix_seconds();
    let with = |k: &str, v: Value| {
        let mut c = claims(&id, &token_url);
        c[k] = v;
        c
    };
    let without = |k: &str| {
        let mut c = claims(&id, &token_url);
        c.as_object_mut().unwrap().remove(k);
        c
    };
    let sign = |c: &Value| key.sign_with(&key.header(), c);
    let impostor = ClientKey::rsa("k1", Algorithm::RS256);
    let mut unknown_kid = key.header();
    unknown_kid.kid = Some("k9".into());
    let mut rs512 = key.header();
    rs512.alg = Algorithm::RS512;
    let mut at_jwt = key.header();
    at_jwt.typ = Some("at+jwt".into());
    let mut hs256 = Header::new(Algorithm::HS256);
    hs256.kid = Some("k1".into());
    let n = key.jwk["n"].as_str().unwrap().as_bytes().to_vec();
    let hmac_confusion = jsonwebtoken::encode(
        &hs256,
        &claims(&id, &token_url),
        &EncodingKey::from_secret(&n),
    )
    .unwrap();
    let valid = sign(&claims(&id, &token_url));
    let (h, s) = {
        let parts: Vec<&str> = valid.split('.').collect();
        (parts[0].to_owned(), parts[2].to_owned())
    };
    let forged_payload = format!(
        "{h}.{}.{s}",
        B64.encode(with("exp", json!(now + 200)).to_string())
    );
    let cases: Vec<(&str, Option<&str>, String)> = vec![
        (
            "signed by another key under a registered kid",
            Some(&id),
            impostor.assertion(&id, &token_url),
        ),
        (
            "unknown kid",
            Some(&id),
            key.sign_with(&unknown_kid, &claims(&id, &token_url)),
        ),
        (
            "RS512 with an RS256 key",
            Some(&id),
            key.sign_with(&rs512, &claims(&id, &token_url)),
        ),
        ("ES384 key's kid on an RSA signature", Some(&id), {
            let mut h = key.header();
            h.kid = Some("e1".into());
            key.sign_with(&h, &claims(&id, &token_url))
        }),
        (
            "HS256 keyed with the public modulus",
            Some(&id),
            hmac_confusion,
        ),
        ("alg none", Some(&id), unsigned(&claims(&id, &token_url))),
        ("payload altered after signing", Some(&id), forged_payload),
        (
            "typ at+jwt",
            Some(&id),
            key.sign_with(&at_jwt, &claims(&id, &token_url)),
        ),
        (
            "aud another server",
            Some(&id),
            sign(&with("aud", json!("https://other.example/oauth/token"))),
        ),
        (
            "aud another endpoint of this server",
            Some(&id),
            sign(&with("aud", json!(app.url("/api/core/oauth-clients")))),
        ),
        ("no aud", Some(&id), sign(&without("aud"))),
        ("expired", Some(&id), sign(&with("exp", json!(now - 120)))),
        (
            "exp far ahead",
            Some(&id),
            sign(&with("exp", json!(now + 3600))),
        ),
        ("no exp", Some(&id), sign(&without("exp"))),
        (
            "nbf in the future",
            Some(&id),
            sign(&with("nbf", json!(now + 120))),
        ),
        (
            "iat in the future",
            Some(&id),
            sign(&with("iat", json!(now + 120))),
        ),
        ("no jti", Some(&id), sign(&without("jti"))),
        ("empty jti", Some(&id), sign(&with("jti", json!("")))),
        ("jti not a string", Some(&id), sign(&with("jti", json!(42)))),
        (
            "sub differs from iss",
            Some(&id),
            sign(&with("sub", json!(other_id))),
        ),
        ("no sub", Some(&id), sign(&without("sub"))),
        (
            "iss and sub another client holding the same key",
            Some(&id),
            key.assertion(&other_id, &token_url),
        ),
        (
            "body client_id differs from iss and sub",
            Some(&other_id),
            key.assertion(&id, &token_url),
        ),
        (
            "client allows only client_secret",
            None,
            key.assertion(&secret_only_id, &token_url),
        ),
        (
            "unknown client",
            None,
            key.assertion(&"x".repeat(32), &token_url),
        ),
        ("not a JWT", Some(&id), "not-a-jwt".into()),
        ("two parts", Some(&id), format!("{h}.{s}")),
    ];
    for (why, client_id, assertion) in cases {
        let (status, body) =
            post_assertion(&app, &token_url, client_id, &assertion, &[GRANT]).await;
        assert_invalid_client(status, &body, why);
    }
    // A wrong or missing assertion type is refused the same way.
    let good = key.assertion(&id, &token_url);
    for (why, form) in [
        (
            "wrong client_assertion_type",
            vec![
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
                ),
                ("client_assertion", good.as_str()),
                GRANT,
            ],
        ),
        (
            "no client_assertion_type",
            vec![("client_assertion", good.as_str()), GRANT],
        ),
        (
            "no client_assertion",
            vec![("client_assertion_type", ASSERTION_TYPE), GRANT],
        ),
    ] {
        let (status, body) =
            read(app.http.post(&token_url).form(&form).send().await.unwrap()).await;
        assert_invalid_client(status, &body, why);
    }
    // The unused valid assertion still works: the refusals above were the checks.
    let (status, body) = post_assertion(&app, &token_url, Some(&id), &good, &[GRANT]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn an_assertion_with_a_secret_or_basic_credentials_is_invalid_request() {
    let app = spawn_app().await;
    let token_url = app.url("/oauth/token");
    let key = ClientKey::rsa("k", Algorithm::RS256);
    let c = key_client(&app, &["client_secret", "private_key_jwt"], &[&key]).await;
    let id = id_of(&c);
    let secret = c["clientSecret"].as_str().unwrap();
    let assertion = key.assertion(&id, &token_url);
    let (status, body) = post_assertion(
        &app,
        &token_url,
        Some(&id),
        &assertion,
        &[GRANT, ("client_secret", secret)],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request")),
        "{body}"
    );
    let form = [
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", &assertion),
        GRANT,
    ];
    let res = app
        .http
        .post(&token_url)
        .basic_auth(&id, Some(secret))
        .form(&form)
        .send()
        .await
        .unwrap();
    let (status, body) = read(res).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request")),
        "{body}"
    );
}

#[tokio::test]
async fn a_replayed_jti_is_refused_here_and_on_another_instance() {
    let app = spawn_app().await;
    let token_url = app.url("/oauth/token");
    let key = ClientKey::ec("e");
    let c = key_client(&app, &["private_key_jwt"], &[&key]).await;
    let id = id_of(&c);
    let (other_base, other) = second_instance(&app).await;
    let other_token_url = format!("{other_base}/oauth/token");

    let assertion = key.assertion(&id, &token_url);
    let (status, body) = post_assertion(&app, &token_url, None, &assertion, &[GRANT]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = post_assertion(&app, &token_url, None, &assertion, &[GRANT]).await;
    assert_invalid_client(status, &body, "same assertion again");
    let (status, body) = post_assertion(&app, &other_token_url, None, &assertion, &[GRANT]).await;
    assert_invalid_client(status, &body, "same assertion on another instance");

    // A new assertion reusing the jti is a replay too, even with another exp.
    let mut again = claims(&id, &token_url);
    again["jti"] = registrar_jti(&assertion);
    again["exp"] = json!(again["exp"].as_i64().unwrap() + 30);
    let (status, body) = post_assertion(
        &app,
        &other_token_url,
        None,
        &key.sign_with(&key.header(), &again),
        &[GRANT],
    )
    .await;
    assert_invalid_client(status, &body, "jti reused in a new assertion");

    // A fresh assertion is accepted by the other instance, and then by neither.
    let fresh = key.assertion(&id, &token_url);
    let (status, body) = post_assertion(&app, &other_token_url, None, &fresh, &[GRANT]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = post_assertion(&app, &token_url, None, &fresh, &[GRANT]).await;
    assert_invalid_client(status, &body, "replayed on the first instance");
    other.abort();
}

fn registrar_jti(assertion: &str) -> Value {
    let payload = assertion.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&B64.decode(payload).unwrap()).unwrap();
    claims["jti"].clone()
}

#[tokio::test]
async fn concurrent_uses_of_one_assertion_get_exactly_one_token() {
    let app = spawn_app().await;
    let token_url = app.url("/oauth/token");
    let key = ClientKey::rsa("k", Algorithm::RS256);
    let c = key_client(&app, &["private_key_jwt"], &[&key]).await;
    let id = id_of(&c);
    let (other_base, other) = second_instance(&app).await;
    let assertion = key.assertion(&id, &token_url);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let url = if i % 2 == 0 {
            token_url.clone()
        } else {
            format!("{other_base}/oauth/token")
        };
        let (http, assertion) = (app.http.clone(), assertion.clone());
        tasks.push(tokio::spawn(async move {
            let form = [
                ("client_assertion_type", ASSERTION_TYPE),
                ("client_assertion", &assertion),
                GRANT,
            ];
            http.post(url).form(&form).send().await.unwrap().status()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(ok, 1, "exactly one use succeeds: {statuses:?}");
    other.abort();
}

#[tokio::test]
async fn a_client_uses_exactly_the_methods_it_allows() {
    let app = spawn_app().await;
    let token_url = app.url("/oauth/token");
    let key = ClientKey::rsa("k", Algorithm::RS512);
    let both = key_client(&app, &["client_secret", "private_key_jwt"], &[&key]).await;
    let id = id_of(&both);
    let secret = both["clientSecret"].as_str().unwrap().to_owned();
    // Allowing both, either works.
    let (status, body) = app.token_request(&id, &secret, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = post_assertion(
        &app,
        &token_url,
        None,
        &key.assertion(&id, &token_url),
        &[GRANT],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Only private_key_jwt: the secret stops working, assertions go on.
    let (status, _) = app
        .patch(
            &app.admin.token,
            &id,
            json!([{"op":"replace","path":"/allowedAuthMethods","value":["private_key_jwt"]}]),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = app.token_request(&id, &secret, None).await;
    assert_invalid_client(status, &body, "secret of a key-only client");
    let (status, body) = post_assertion(
        &app,
        &token_url,
        None,
        &key.assertion(&id, &token_url),
        &[GRANT],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Only client_secret (keys still registered): assertions stop working.
    let (status, patched) = app
        .patch(
            &app.admin.token,
            &id,
            json!([{"op":"replace","path":"/allowedAuthMethods","value":["client_secret"]}]),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{patched}");
    let new_secret = patched["clientSecret"].as_str().unwrap();
    let (status, body) = post_assertion(
        &app,
        &token_url,
        None,
        &key.assertion(&id, &token_url),
        &[GRANT],
    )
    .await;
    assert_invalid_client(status, &body, "assertion of a secret-only client");
    let (status, body) = app.token_request(&id, new_secret, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn removing_a_key_stops_its_assertions_at_once() {
    let app = spawn_app().await;
    let token_url = app.url("/oauth/token");
    let old = ClientKey::rsa("old", Algorithm::RS256);
    let new = ClientKey::ec("new");
    let c = key_client(&app, &["private_key_jwt"], &[&old, &new]).await;
    let id = id_of(&c);
    let (status, _) = app
        .patch(
            &app.admin.token,
            &id,
            json!([{"op":"replace","path":"/publicKeys","value":[new.jwk.clone()]}]),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = post_assertion(
        &app,
        &token_url,
        None,
        &old.assertion(&id, &token_url),
        &[GRANT],
    )
    .await;
    assert_invalid_client(status, &body, "removed key");
    let (status, body) = post_assertion(
        &app,
        &token_url,
        None,
        &new.assertion(&id, &token_url),
        &[GRANT],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn an_expired_jti_may_be_taken_again_but_not_before() {
    use registrar::domain::ids::{ClientId, TenantId};
    use registrar::domain::time::Timestamp;
    let app = spawn_app().await;
    let tenant = TenantId::from_trusted(app.admin.tenant_id.clone());
    let client = ClientId::from_trusted(app.admin.client_id.clone());
    let t = |s: i64| Timestamp::from_micros(s * 1_000_000);
    assert!(
        app.store
            .use_assertion_jti(&tenant, &client, "j1", t(100), t(50))
            .await
            .unwrap()
    );
    assert!(
        !app.store
            .use_assertion_jti(&tenant, &client, "j1", t(100), t(99))
            .await
            .unwrap(),
        "replay before expiry"
    );
    assert!(
        app.store
            .use_assertion_jti(&tenant, &client, "j1", t(300), t(101))
            .await
            .unwrap(),
        "free after expiry"
    );
    assert!(
        !app.store
            .use_assertion_jti(&tenant, &client, "j1", t(300), t(200))
            .await
            .unwrap()
    );
    // Another client's jti space is its own.
    let other = ClientId::from_trusted("b".repeat(32));
    assert!(
        app.store
            .use_assertion_jti(&tenant, &other, "j1", t(300), t(200))
            .await
            .unwrap()
    );
}
