//! `registrar keys rotate` and `registrar keys list`: the access-token
//! signing keys kept in the store (see `domain::signing_keys` for the rules).

use crate::cli::db_args::{DbArgs, NEW_KEK_ENV, read_kek};
use crate::domain::audit::Origin;
use crate::domain::key_wrap::Kek;
use crate::domain::signing_keys::{KeyStatus, StoredSigningKey, key_statuses};
use crate::domain::time::Timestamp;
use crate::signing::{at_rest, generate_key, seal};
use crate::store::Store;
use serde::Serialize;

/// One key as `keys list` shows it; never the private key.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyInfo {
    pub kid: String,
    pub algorithm: String,
    pub status: &'static str,
    pub created_at: Timestamp,
    pub activates_at: Timestamp,
    /// For a retired key: when it leaves the JWKS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_until: Option<Timestamp>,
    /// Longest access-token lifetime (seconds) any server used with it.
    pub max_token_ttl: i64,
}

fn describe(keys: &[StoredSigningKey], now: Timestamp) -> Vec<KeyInfo> {
    keys.iter()
        .zip(key_statuses(keys, now))
        .map(|(k, status)| KeyInfo {
            kid: k.kid.clone(),
            algorithm: k.algorithm.clone(),
            status: status.as_str(),
            created_at: k.created_at,
            activates_at: k.activates_at,
            published_until: match status {
                KeyStatus::Retired { published_until } => Some(published_until),
                _ => None,
            },
            max_token_ttl: k.max_token_ttl,
        })
        .collect()
}

/// What `keys rotate` prints.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rotated {
    pub kid: String,
    pub activates_at: Timestamp,
    /// Keys removed from the store because every token they signed expired.
    pub removed: Vec<String>,
}

/// Adds a key signing from `activate_in` seconds on (at once if the store has
/// no key yet) and deletes the keys no longer published. The key is stored
/// in plain (see [`rotate_with`]).
pub async fn rotate_in(store: &Store, activate_in: i64) -> anyhow::Result<Rotated> {
    rotate_with(store, activate_in, None).await
}

/// [`rotate_in`], with the new private key encrypted under `kek`.
pub async fn rotate_with(
    store: &Store,
    activate_in: i64,
    kek: Option<&Kek>,
) -> anyhow::Result<Rotated> {
    let now = Timestamp::now();
    let existing = store.signing_keys().await?;
    let activates_at = if existing.is_empty() {
        now
    } else {
        now.plus_seconds(activate_in)
    };
    let key = seal(generate_key(now, activates_at)?, kek)?;
    store
        .insert_rotated_signing_key(&key, &Origin::command())
        .await?;
    let mut removed = Vec::new();
    for (k, status) in existing.iter().zip(key_statuses(&existing, now)) {
        if status == KeyStatus::Expired {
            store.delete_signing_key(&k.kid).await?;
            removed.push(k.kid.clone());
        }
    }
    Ok(Rotated {
        kid: key.kid,
        activates_at,
        removed,
    })
}

pub async fn rotate(activate_in: i64, db: &DbArgs) -> anyhow::Result<()> {
    let kek = db.kek()?;
    let store = Store::connect(&db.database_url, &db.pool()).await?;
    let rotated = match at_rest::prepare(&store, kek.as_ref()).await {
        Ok(()) => rotate_with(&store, activate_in, kek.as_ref()).await,
        Err(e) => Err(e),
    };
    store.close().await;
    println!("{}", serde_json::to_string(&rotated?)?);
    Ok(())
}

pub async fn list(db: &DbArgs) -> anyhow::Result<()> {
    let store = Store::connect(&db.database_url, &db.pool()).await?;
    let keys = store.signing_keys().await;
    store.close().await;
    let infos = describe(&keys?, Timestamp::now());
    println!("{}", serde_json::to_string_pretty(&infos)?);
    Ok(())
}

/// `keys generate-kek`: a new random key-encryption key on stdout.
pub fn generate_kek() -> anyhow::Result<()> {
    println!("{}", Kek::generate_text()?);
    Ok(())
}

/// What `keys rewrap` prints.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rewrapped {
    /// Keys rewritten (signing keys and server secrets).
    pub keys: usize,
    /// The fingerprint of the key-encryption key they are now stored under.
    pub fingerprint: String,
}

/// `keys rewrap`: every stored private key re-encrypted under a new KEK.
pub async fn rewrap(new_file: Option<&std::path::Path>, db: &DbArgs) -> anyhow::Result<()> {
    let current = db.kek()?;
    let Some(new) = read_kek(new_file, NEW_KEK_ENV)? else {
        anyhow::bail!(
            "give the new key-encryption key with --new-key-encryption-key-file or {NEW_KEK_ENV}"
        );
    };
    let store = Store::connect(&db.database_url, &db.pool()).await?;
    let done = at_rest::rewrap(&store, current.as_ref(), &new).await;
    store.close().await;
    let out = Rewrapped {
        keys: done?,
        fingerprint: new.fingerprint_hex(),
    };
    println!("{}", serde_json::to_string(&out)?);
    Ok(())
}
