//! The stored private keys (`signing_keys.private_key`, `server_secrets.value`)
//! as one set, checked or rewritten in one transaction (keys at rest,
//! `domain::key_wrap`); `impl_stored_keys!` runs the statements on one
//! backend (see `shared.rs`).

/// The stored keys, read inside a write transaction, with a suffix that
/// locks their rows where the backend needs one.
macro_rules! stored_keys_sql {
    ($suffix:literal) => {
        [
            concat!(
                "SELECT kid, private_key FROM signing_keys ORDER BY kid",
                $suffix
            ),
            concat!(
                "SELECT name, value FROM server_secrets ORDER BY name",
                $suffix
            ),
        ]
    };
}

/// SQLite's: its write transaction already holds the write lock.
pub(super) const STORED_KEYS: [&str; 2] = stored_keys_sql!("");

/// PostgreSQL's: `FOR UPDATE` keeps other instances from changing the keys
/// meanwhile.
pub(super) const STORED_KEYS_FOR_UPDATE: [&str; 2] = stored_keys_sql!(" FOR UPDATE");

pub(super) const UPDATE_SIGNING_KEY: &str =
    "UPDATE signing_keys SET private_key = $2 WHERE kid = $1";

pub(super) const UPDATE_SERVER_SECRET: &str =
    "UPDATE server_secrets SET value = $2 WHERE name = $1";

/// The stored-keys method of `$Store`.
macro_rules! impl_stored_keys {
    ($Store:ident) => {
        mod stored_keys {
            use super::LOCK_STORED_KEYS;
            use sqlx::Row as _;
            use $crate::domain::key_wrap::{KeyKind, StoredKey};
            use $crate::store::stored_keys::{UPDATE_SERVER_SECRET, UPDATE_SIGNING_KEY};
            use $crate::store::{Result, StoreError};

            impl super::$Store {
                pub(crate) async fn rewrite_stored_keys<F>(&self, mut change: F) -> Result<usize>
                where
                    F: FnMut(&StoredKey) -> Result<Option<Vec<u8>>, String> + Send,
                {
                    let mut tx = self.begin_write().await?;
                    let mut keys = Vec::new();
                    for (kind, sql) in [KeyKind::SigningKey, KeyKind::ServerSecret]
                        .into_iter()
                        .zip(LOCK_STORED_KEYS)
                    {
                        for row in sqlx::query(sql).fetch_all(&mut *tx).await? {
                            keys.push(StoredKey {
                                kind,
                                name: row.try_get(0)?,
                                value: row.try_get(1)?,
                            });
                        }
                    }
                    let mut changed = 0;
                    for key in &keys {
                        let Some(value) = change(key).map_err(StoreError::KeysRefused)? else {
                            continue;
                        };
                        let sql = match key.kind {
                            KeyKind::SigningKey => UPDATE_SIGNING_KEY,
                            KeyKind::ServerSecret => UPDATE_SERVER_SECRET,
                        };
                        sqlx::query(sql)
                            .bind(&key.name)
                            .bind(value)
                            .execute(&mut *tx)
                            .await?;
                        changed += 1;
                    }
                    tx.commit().await?;
                    if changed > 0 {
                        self.after_key_rewrite().await;
                    }
                    Ok(changed)
                }
            }
        }
    };
}

pub(super) use impl_stored_keys;
