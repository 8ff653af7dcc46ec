//! The token service's statements (signing keys, client-assertion `jti`s,
//! revoked access tokens), and `impl_tokens!`, which
//! runs them on one backend (see `shared.rs`).

use super::Result;
use crate::domain::signing_keys::StoredSigningKey;
use crate::domain::time::Timestamp;
use sqlx::{ColumnIndex, Decode, Row, Type};

pub(super) const SIGNING_KEYS: &str = "SELECT kid, algorithm, private_key, public_jwk, created_at, activates_at, max_token_ttl \
     FROM signing_keys ORDER BY activates_at, created_at, kid";

/// The guard row every instance locks before it looks for a first signing
/// key (`$1`: an empty value, `$2`: now).
pub(super) const INSERT_FIRST_KEY_GUARD: &str = "INSERT INTO server_secrets (name, value, created_at) VALUES ('first-signing-key-guard', $1, $2) \
     ON CONFLICT (name) DO NOTHING";

/// Takes the guard row's lock (an `UPDATE` that changes nothing).
pub(super) const LOCK_FIRST_KEY_GUARD: &str =
    "UPDATE server_secrets SET created_at = created_at WHERE name = 'first-signing-key-guard'";

pub(super) const ANY_SIGNING_KEY: &str = "SELECT kid FROM signing_keys LIMIT 1";

pub(super) const INSERT_SIGNING_KEY: &str = "INSERT INTO signing_keys (kid, algorithm, private_key, public_jwk, created_at, activates_at, max_token_ttl) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// Raises a key's longest token lifetime, never lowers it.
pub(super) const RAISE_KEY_TOKEN_TTL: &str =
    "UPDATE signing_keys SET max_token_ttl = $2 WHERE kid = $1 AND max_token_ttl < $2";

pub(super) const DELETE_SIGNING_KEY: &str = "DELETE FROM signing_keys WHERE kid = $1";

/// Takes a `jti` until `$4`; changes no row when it is taken and has not
/// expired at `$5` (now). A `jti` whose row has expired (not yet pruned) may
/// be taken again: its old assertion can no longer be accepted anyway.
pub(super) const TAKE_ASSERTION_JTI: &str = "INSERT INTO client_assertion_jtis (tenant_id, client_id, jti, expires_at) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (tenant_id, client_id, jti) DO UPDATE SET expires_at = excluded.expires_at \
     WHERE client_assertion_jtis.expires_at < $5";

pub(super) const PRUNE_ASSERTION_JTIS: &str =
    "DELETE FROM client_assertion_jtis WHERE tenant_id = $1 AND expires_at < $2";

pub(super) const REVOKE_TOKEN: &str = "INSERT INTO revoked_tokens (tenant_id, client_id, jti, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (tenant_id, client_id, jti) DO NOTHING";

pub(super) const PRUNE_REVOKED_TOKENS: &str =
    "DELETE FROM revoked_tokens WHERE tenant_id = $1 AND expires_at < $2";

/// A row of [`SIGNING_KEYS`].
pub(super) fn decode_signing_key<R>(r: &R) -> Result<StoredSigningKey>
where
    R: Row,
    for<'c> &'c str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(StoredSigningKey {
        kid: r.try_get("kid")?,
        algorithm: r.try_get("algorithm")?,
        private_key: r.try_get("private_key")?,
        public_jwk: r.try_get("public_jwk")?,
        created_at: Timestamp::from_micros(r.try_get("created_at")?),
        activates_at: Timestamp::from_micros(r.try_get("activates_at")?),
        max_token_ttl: r.try_get("max_token_ttl")?,
    })
}

/// The token-service methods of `$Store`.
macro_rules! impl_tokens {
    ($Store:ident) => {
        mod tokens {
            use super::audit::record_event;
            use serde_json::json;
            use $crate::domain::audit::{EventType, Origin};
            use $crate::domain::ids::{ClientId, TenantId};
            use $crate::domain::signing_keys::StoredSigningKey;
            use $crate::domain::time::Timestamp;
            use $crate::store::Result;
            use $crate::store::tokens::{
                ANY_SIGNING_KEY, DELETE_SIGNING_KEY, INSERT_FIRST_KEY_GUARD, INSERT_SIGNING_KEY,
                LOCK_FIRST_KEY_GUARD, PRUNE_ASSERTION_JTIS, PRUNE_REVOKED_TOKENS,
                RAISE_KEY_TOKEN_TTL, REVOKE_TOKEN, SIGNING_KEYS, TAKE_ASSERTION_JTI,
                decode_signing_key,
            };

            impl super::$Store {
                pub(crate) async fn signing_keys(&self) -> Result<Vec<StoredSigningKey>> {
                    let rows = sqlx::query(SIGNING_KEYS).fetch_all(&self.read).await?;
                    rows.iter().map(decode_signing_key).collect()
                }

                pub(crate) async fn insert_signing_key(&self, k: &StoredSigningKey) -> Result<()> {
                    self.insert_key(k, false, None).await.map(|_| ())
                }

                pub(crate) async fn insert_rotated_signing_key(
                    &self,
                    k: &StoredSigningKey,
                    origin: &Origin,
                ) -> Result<()> {
                    self.insert_key(k, false, Some(origin)).await.map(|_| ())
                }

                pub(crate) async fn insert_first_signing_key(
                    &self,
                    k: &StoredSigningKey,
                ) -> Result<bool> {
                    self.insert_key(k, true, None).await
                }

                /// Inserts `k`; with `first_only`, only into an empty key
                /// table, and says whether it did. With `rotated_by`, records
                /// the rotation's (server-wide) event.
                async fn insert_key(
                    &self,
                    k: &StoredSigningKey,
                    first_only: bool,
                    rotated_by: Option<&Origin>,
                ) -> Result<bool> {
                    let mut tx = self.begin_write().await?;
                    if first_only {
                        // Every instance locks the same guard row (the UPDATE
                        // takes its row lock) before it looks at the keys, so
                        // only the first to get the lock finds none; the others
                        // wait for its commit and then see its key. SQLite's
                        // BEGIN IMMEDIATE already serialises the transaction.
                        sqlx::query(INSERT_FIRST_KEY_GUARD)
                            .bind(Vec::<u8>::new())
                            .bind(k.created_at.micros())
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query(LOCK_FIRST_KEY_GUARD).execute(&mut *tx).await?;
                        if sqlx::query(ANY_SIGNING_KEY)
                            .fetch_optional(&mut *tx)
                            .await?
                            .is_some()
                        {
                            return Ok(false);
                        }
                    }
                    sqlx::query(INSERT_SIGNING_KEY)
                        .bind(&k.kid)
                        .bind(&k.algorithm)
                        .bind(&k.private_key)
                        .bind(&k.public_jwk)
                        .bind(k.created_at.micros())
                        .bind(k.activates_at.micros())
                        .bind(k.max_token_ttl)
                        .execute(&mut *tx)
                        .await?;
                    if let Some(origin) = rotated_by {
                        let data = json!({
                            "kid": k.kid,
                            "algorithm": k.algorithm,
                            "createdAt": k.created_at,
                            "activatesAt": k.activates_at,
                        });
                        let event =
                            origin.event(EventType::SigningKeyRotated, None, &k.kid, k.created_at, data);
                        record_event(&mut tx, &event).await?;
                    }
                    tx.commit().await?;
                    Ok(true)
                }

                pub(crate) async fn raise_key_token_ttl(&self, kid: &str, ttl: i64) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query(RAISE_KEY_TOKEN_TTL)
                        .bind(kid)
                        .bind(ttl)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                pub(crate) async fn delete_signing_key(&self, kid: &str) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query(DELETE_SIGNING_KEY)
                        .bind(kid)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                pub(crate) async fn use_assertion_jti(
                    &self,
                    tenant: &TenantId,
                    client: &ClientId,
                    jti: &str,
                    keep_until: Timestamp,
                    now: Timestamp,
                ) -> Result<bool> {
                    let mut tx = self.begin_write().await?;
                    let taken = sqlx::query(TAKE_ASSERTION_JTI)
                        .bind(tenant.as_str())
                        .bind(client.as_str())
                        .bind(jti)
                        .bind(keep_until.micros())
                        .bind(now.micros())
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(PRUNE_ASSERTION_JTIS)
                        .bind(tenant.as_str())
                        .bind(now.micros())
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(taken.rows_affected() == 1)
                }

                pub(crate) async fn revoke_token(
                    &self,
                    tenant: &TenantId,
                    client: &ClientId,
                    jti: &str,
                    keep_until: Timestamp,
                    now: Timestamp,
                    origin: &Origin,
                ) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    let revoked = sqlx::query(REVOKE_TOKEN)
                        .bind(tenant.as_str())
                        .bind(client.as_str())
                        .bind(jti)
                        .bind(keep_until.micros())
                        .bind(now.micros())
                        .execute(&mut *tx)
                        .await?;
                    // A token revoked again is no change, and no event.
                    if revoked.rows_affected() == 1 {
                        let data = json!({"jti": jti, "clientId": client.as_str()});
                        let event = origin.event(
                            EventType::TokenRevoked,
                            Some(tenant),
                            client.as_str(),
                            now,
                            data,
                        );
                        record_event(&mut tx, &event).await?;
                    }
                    sqlx::query(PRUNE_REVOKED_TOKENS)
                        .bind(tenant.as_str())
                        .bind(now.micros())
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }
            }
        }
    };
}

pub(super) use impl_tokens;
