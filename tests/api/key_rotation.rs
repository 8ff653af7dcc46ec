//! Contract §5 / issue 5: signing-key rotation. `keys rotate` and `keys list`
//! against the real binary; a running server picking up a rotated key by
//! itself; old keys published (and trusted) exactly as long as their tokens
//! can live.

use crate::support::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use registrar::cli::keys::rotate_in;
use registrar::domain::time::Timestamp;
use registrar::signing::AccessClaims;
use registrar::signing::{KeyRing, VerifyError, generate_key};
use registrar::store::{PoolSettings, Store};
use reqwest::StatusCode;
use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_registrar");

fn keys_cmd(db: &str, args: &[&str]) -> Value {
    let out = Command::new(BIN)
        .arg("keys")
        .args(args)
        .args(["--database-url", db])
        .output()
        .expect("run registrar keys");
    assert!(
        out.status.success(),
        "keys {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

fn statuses(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["kid"].as_str().unwrap().to_owned(),
                k["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn kid_of(token: &str) -> String {
    let header: Value =
        serde_json::from_slice(&B64.decode(token.split('.').next().unwrap()).unwrap()).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

async fn jwks_kids(app: &TestApp) -> Vec<String> {
    let (_, jwks) = read(app.http.get(app.url("/oauth/jwks")).send().await.unwrap()).await;
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn keys_rotate_and_list_show_each_key_and_its_status() {
    let db = TestDb::fresh().await;
    assert_eq!(
        keys_cmd(&db.url, &["list"]),
        serde_json::json!([]),
        "no key before any"
    );
    // On an empty store the first key signs at once.
    let first = keys_cmd(&db.url, &["rotate"]);
    let a = first["kid"].as_str().unwrap().to_owned();
    // By default a rotated key is published first and signs a little later.
    let second = keys_cmd(&db.url, &["rotate"]);
    let b = second["kid"].as_str().unwrap().to_owned();
    assert_eq!(
        statuses(&keys_cmd(&db.url, &["list"])),
        vec![(a.clone(), "signing".into()), (b.clone(), "pending".into())]
    );
    let third = keys_cmd(&db.url, &["rotate", "--activate-in", "0"]);
    let c = third["kid"].as_str().unwrap().to_owned();
    assert_eq!(
        third["removed"],
        serde_json::json!([]),
        "nothing has expired yet"
    );
    let list = keys_cmd(&db.url, &["list"]);
    assert_eq!(
        statuses(&list),
        vec![
            (a, "retired".into()),
            (c, "signing".into()),
            (b, "pending".into())
        ]
    );
    assert!(
        list[0]["publishedUntil"].is_string(),
        "a retired key says until when: {list}"
    );
    let text = list.to_string();
    assert!(
        !text.contains("private") && !text.contains("\"d\""),
        "no private key material: {text}"
    );
    let help = Command::new(BIN).args(["keys", "--help"]).output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("rotate") && help.contains("list"), "{help}");
}

#[tokio::test]
async fn a_running_server_signs_with_a_rotated_key_and_its_old_tokens_stay_valid() {
    let app = spawn_app().await;
    let old_token = app.admin.token.clone();
    let old_kid = kid_of(&old_token);
    let rotated = rotate_in(&app.store, 0).await.unwrap();
    assert_ne!(rotated.kid, old_kid);
    // The server re-reads its keys every REFRESH_INTERVAL (5 s): wait for it,
    // with a deadline, instead of restarting it.
    let deadline = Instant::now() + Duration::from_secs(60);
    let new_token = loop {
        let t = app
            .token(&app.admin.client_id, &app.admin.client_secret, None)
            .await;
        if kid_of(&t) == rotated.kid {
            break t;
        }
        assert_eq!(kid_of(&t), old_kid, "signed by a known key");
        assert!(
            Instant::now() < deadline,
            "the server never switched to the rotated key"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let kids = jwks_kids(&app).await;
    assert!(
        kids.contains(&old_kid) && kids.contains(&rotated.kid),
        "both keys published: {kids:?}"
    );
    for (name, token) in [("old", &old_token), ("new", &new_token)] {
        let (status, body) = app.list(token, "").await;
        assert_eq!(status, StatusCode::OK, "{name} token: {body}");
    }
}

#[tokio::test]
async fn a_pending_key_is_published_before_it_signs() {
    let app = spawn_app().await;
    let kid = kid_of(&app.admin.token);
    let pending = rotate_in(&app.store, 3600).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !jwks_kids(&app).await.contains(&pending.kid) {
        assert!(
            Instant::now() < deadline,
            "the pending key was never published"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let t = app
        .token(&app.admin.client_id, &app.admin.client_secret, None)
        .await;
    assert_eq!(kid_of(&t), kid, "the pending key does not sign yet");
}

fn claims(now: i64) -> AccessClaims {
    AccessClaims {
        iss: "https://issuer.example".into(),
        sub: "s".into(),
        aud: "https://issuer.example".into(),
        exp: now + 600,
        iat: now,
        jti: "j".into(),
        client_id: "s".into(),
        scope: String::new(),
        tenant_id: "t".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_retired_key_is_published_and_trusted_only_while_its_tokens_can_live() {
    let db = TestDb::fresh().await;
    let store = Store::connect(&db.url, &PoolSettings::default())
        .await
        .unwrap();
    let now = Timestamp::now();
    let hours_ago = |h: i64| now.plus_seconds(-h * 3600);
    // Signed 6 h tokens; retired 30 h ago: all its tokens have expired.
    let mut gone = generate_key(hours_ago(48), hours_ago(48)).unwrap();
    gone.max_token_ttl = 6 * 3600;
    // Signed 6 h tokens; retired 1 h ago: some may still be valid.
    let mut retired = generate_key(hours_ago(30), hours_ago(30)).unwrap();
    retired.max_token_ttl = 6 * 3600;
    let current = generate_key(hours_ago(1), hours_ago(1)).unwrap();
    for k in [&gone, &retired, &current] {
        store.insert_signing_key(k).await.unwrap();
    }
    let ring = KeyRing::load_or_create(store.clone(), 3600).await.unwrap();
    let jwks = ring.jwks();
    let published: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(published, vec![retired.kid.as_str(), current.kid.as_str()]);
    // New tokens carry the current key.
    let token = ring.sign("at+jwt", &claims(now.unix_seconds())).unwrap();
    assert_eq!(kid_of(&token), current.kid);
    // A token of the retired key still verifies; one of the expired key does not.
    let sign_with = |k: &registrar::domain::signing_keys::StoredSigningKey| {
        let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        h.typ = Some("at+jwt".into());
        h.kid = Some(k.kid.clone());
        jsonwebtoken::encode(
            &h,
            &claims(now.unix_seconds()),
            &jsonwebtoken::EncodingKey::from_ec_der(&k.private_key),
        )
        .unwrap()
    };
    let ok: Result<AccessClaims, _> = ring
        .verify(
            &sign_with(&retired),
            "at+jwt",
            "https://issuer.example",
            "https://issuer.example",
        )
        .await;
    assert!(ok.is_ok(), "{:?}", ok.err());
    let refused: Result<AccessClaims, _> = ring
        .verify(
            &sign_with(&gone),
            "at+jwt",
            "https://issuer.example",
            "https://issuer.example",
        )
        .await;
    assert!(
        matches!(refused, Err(VerifyError::UnknownKey)),
        "{:?}",
        refused.err()
    );
    // The server recorded its token lifetime on the key it signs with.
    let stored = store.signing_keys().await.unwrap();
    assert_eq!(
        stored
            .iter()
            .find(|k| k.kid == current.kid)
            .unwrap()
            .max_token_ttl,
        3600
    );
    // Rotation deletes the expired key from the store, and only it.
    let rotated = rotate_in(&store, 0).await.unwrap();
    assert_eq!(rotated.removed, vec![gone.kid.clone()]);
    let left: Vec<String> = store
        .signing_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(left, vec![retired.kid, current.kid, rotated.kid]);
}

/// The memo of verified tokens (`oauth::verified`) must never outlive the
/// trust in the key that signed them: once a key is gone from the key set, a
/// token it signed is refused even though it was verified (and memoised)
/// before.
#[tokio::test]
async fn a_memoised_token_is_refused_once_its_key_is_no_longer_trusted() {
    let db = TestDb::fresh().await;
    let store = Store::connect(&db.url, &PoolSettings::default())
        .await
        .unwrap();
    let ring = KeyRing::load_or_create(store.clone(), 3600).await.unwrap();
    let now = Timestamp::now().unix_seconds();
    let token = ring.sign("at+jwt", &claims(now)).unwrap();
    let old_kid = kid_of(&token);
    let issuer = "https://issuer.example";
    for _ in 0..2 {
        let ok = ring.verify_access_token(&token, issuer, issuer).await;
        assert!(ok.is_ok(), "first and memoised uses verify: {:?}", ok.err());
    }
    // Another issuer or audience is not served from the memo.
    assert!(
        ring.verify_access_token(&token, "https://other.example", issuer)
            .await
            .is_err()
    );

    // Replace the key: a new one in, the old one deleted from the store.
    let fresh = generate_key(Timestamp::now(), Timestamp::now()).unwrap();
    store.insert_signing_key(&fresh).await.unwrap();
    let deleted = RawDb::connect(&db.url)
        .await
        .execute("DELETE FROM signing_keys WHERE kid = $1", &[&old_kid])
        .await;
    assert_eq!(deleted, 1);
    ring.reload().await.unwrap();

    let refused = ring.verify_access_token(&token, issuer, issuer).await;
    assert!(
        matches!(refused, Err(VerifyError::UnknownKey)),
        "a memoised token of an untrusted key must be refused: {:?}",
        refused.map(|c| c.jti)
    );
}
