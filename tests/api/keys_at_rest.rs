//! Keys at rest (contract §6): the SQLite files are private (mode 0600; a
//! shared one is refused unless allowed, in `sqlite_files.rs`); with a
//! key-encryption key (KEK) the
//! private signing keys and the cursor key are found nowhere in the stored
//! bytes; a wrong KEK, or none for encrypted keys, refuses the start;
//! `keys rewrap` moves the keys to a new KEK and tokens issued before still
//! verify. Run against the real binary.

use crate::support::process::{BIN, Server, refused_start, tenant_create, token};
use crate::support::*;
use registrar::domain::key_wrap::{Kek, server_secret_aad, signing_key_aad, unwrap};
use registrar::domain::time::Timestamp;
use registrar::store::{PoolSettings, Store};
use reqwest::StatusCode;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A KEK in a file of `dir`, and the key itself.
fn kek_file(dir: &Path, name: &str) -> (PathBuf, Kek) {
    let text = Kek::generate_text().unwrap();
    let path = dir.join(name);
    std::fs::write(&path, format!("{text}\n")).unwrap();
    (path, Kek::parse(&text).unwrap())
}

fn kek_args(path: &Path) -> Vec<String> {
    vec![
        "--key-encryption-key-file".into(),
        path.display().to_string(),
    ]
}

fn start(db: &str, args: &[String]) -> Server {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Server::start(db, &args)
}

/// The stored private keys opened with `kek`: every signing key's PKCS#8
/// document and the cursor key.
async fn plain_keys(db: &str, kek: Option<&Kek>) -> Vec<Vec<u8>> {
    let store = Store::connect(db, &PoolSettings::default()).await.unwrap();
    let mut out = Vec::new();
    for k in store.signing_keys().await.unwrap() {
        out.push(unwrap(kek, &k.private_key, &signing_key_aad(&k.kid)).unwrap());
    }
    let name = "cursor-hmac-sha256";
    let stored = store
        .server_secret(name, vec![0; 32], Timestamp::now())
        .await
        .unwrap();
    out.push(unwrap(kek, &stored, &server_secret_aad(name)).unwrap());
    store.close().await;
    out
}

/// What must never be found at rest: each key, and for a PKCS#8 document
/// also the 32-byte private scalar inside it (after `02 01 01 04 20`).
fn needles(keys: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for k in keys {
        out.push(k.clone());
        if let Some(at) = k
            .windows(5)
            .position(|w| w == [0x02, 0x01, 0x01, 0x04, 0x20])
        {
            out.push(k[at + 5..at + 37].to_vec());
        }
    }
    out
}

/// Every stored byte that could hold a key: the SQLite files, or the
/// PostgreSQL columns.
async fn stored_bytes(db: &TestDb) -> Vec<Vec<u8>> {
    match db.sqlite_path() {
        Some(path) => ["", "-wal", "-shm"]
            .iter()
            .filter_map(|s| std::fs::read(format!("{}{s}", path.display())).ok())
            .collect(),
        None => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            let mut out: Vec<Vec<u8>> = sqlx::query_scalar("SELECT private_key FROM signing_keys")
                .fetch_all(&pool)
                .await
                .unwrap();
            out.extend(
                sqlx::query_scalar::<_, Vec<u8>>("SELECT value FROM server_secrets")
                    .fetch_all(&pool)
                    .await
                    .unwrap(),
            );
            pool.close().await;
            out
        }
    }
}

fn found_in(haystacks: &[Vec<u8>], needle: &[u8]) -> bool {
    haystacks
        .iter()
        .any(|h| h.windows(needle.len()).any(|w| w == needle))
}

#[cfg(unix)]
fn mode(path: &str) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn the_keys_are_found_nowhere_at_rest_with_a_kek_and_the_files_are_private() {
    let db = TestDb::fresh().await;
    // Without a KEK the keys are stored in plain: the probe finds them.
    let mut server = start(&db.url, &[]);
    let plain = needles(&plain_keys(&db.url, None).await);
    assert!(
        plain.len() >= 3,
        "a signing key, its scalar and the cursor key"
    );
    let at_rest = stored_bytes(&db).await;
    assert!(
        plain.iter().all(|n| found_in(&at_rest, n)),
        "the probe finds plain keys"
    );
    server.terminate();

    // With one, the same keys are encrypted on the next start.
    let dir = tempfile::tempdir().unwrap();
    let (file, kek) = kek_file(dir.path(), "kek");
    let mut server = start(&db.url, &kek_args(&file));
    let opened = needles(&plain_keys(&db.url, Some(&kek)).await);
    assert_eq!(opened, plain, "the same keys, now encrypted");
    let at_rest = stored_bytes(&db).await;
    for (i, n) in plain.iter().enumerate() {
        assert!(!found_in(&at_rest, n), "key material {i} found at rest");
    }
    #[cfg(unix)]
    if let Some(path) = db.sqlite_path() {
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{}{suffix}", path.display());
            assert_eq!(mode(&file), 0o600, "{file}");
        }
    }
    server.terminate();
}

#[tokio::test]
async fn a_wrong_kek_or_none_for_encrypted_keys_refuses_the_start() {
    let db = TestDb::fresh().await;
    let dir = tempfile::tempdir().unwrap();
    let (right, kek) = kek_file(dir.path(), "right");
    let (wrong, _) = kek_file(dir.path(), "wrong");
    let mut server = start(&db.url, &kek_args(&right));
    server.terminate();

    let out = refused_start(&db.url, &kek_args(&wrong));
    assert_eq!(out.status.code(), Some(1), "a wrong KEK");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("another key-encryption key"), "{stderr}");
    assert!(stderr.contains(&kek.fingerprint_hex()), "{stderr}");
    assert!(!stderr.contains("listening on"), "{stderr}");

    let out = refused_start(&db.url, &[]);
    assert_eq!(out.status.code(), Some(1), "no KEK");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no key-encryption key was given"),
        "{stderr}"
    );
}

#[tokio::test]
async fn rewrap_moves_the_keys_and_tokens_issued_before_still_verify() {
    let db = TestDb::fresh().await;
    let dir = tempfile::tempdir().unwrap();
    let (first, _) = kek_file(dir.path(), "first");
    let (second, second_kek) = kek_file(dir.path(), "second");
    let http = reqwest::Client::new();

    // One issuer across restarts (by default it is the bound address).
    let issuer = vec!["--public-url".to_owned(), "http://registrar.test".into()];
    let with = |more: Vec<String>| [issuer.clone(), more].concat();
    // From none to one, then from one to another.
    let mut server = start(&db.url, &issuer);
    let admin = tenant_create(&db.url, "acme");
    let (id, secret) = (
        admin["clientId"].as_str().unwrap(),
        admin["clientSecret"].as_str().unwrap(),
    );
    let issued = token(&http, &server.base, id, secret).await;
    server.terminate();
    for (current, new) in [(None, &first), (Some(&first), &second)] {
        let mut args = vec!["keys".to_owned(), "rewrap".into(), "--database-url".into()];
        args.push(db.url.clone());
        args.extend(current.map(|c| kek_args(c)).unwrap_or_default());
        args.push("--new-key-encryption-key-file".into());
        args.push(new.display().to_string());
        let out = Command::new(BIN).args(&args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(printed["keys"].as_u64().unwrap() >= 2, "{printed}");
    }
    let out = refused_start(&db.url, &kek_args(&first));
    assert_eq!(
        out.status.code(),
        Some(1),
        "the first KEK no longer opens them"
    );

    let mut server = start(&db.url, &with(kek_args(&second)));
    let res = http
        .get(format!("{}/api/core/oauth-clients", server.base))
        .bearer_auth(&issued)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "a token issued before");
    let fresh = token(&http, &server.base, id, secret).await;
    let res = http
        .get(format!("{}/api/core/oauth-clients", server.base))
        .bearer_auth(&fresh)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    server.terminate();
    let at_rest = stored_bytes(&db).await;
    for n in needles(&plain_keys(&db.url, Some(&second_kek)).await) {
        assert!(!found_in(&at_rest, &n), "key material found at rest");
    }
}
