//! The token service's statements (signing keys, client-assertion `jti`s,
//! revoked access tokens), written once for both backends.
//!
//! `impl_token_queries!` expands to a child module of the backend's module
//! holding an `impl` block for its store type, so these statements sit apart
//! from the client statements of `queries.rs` while sharing the same pools
//! and `begin_write`.

macro_rules! impl_token_queries {
    ($Store:ident) => {
        mod token_queries {
            use sqlx::Row as _;
            use $crate::domain::ids::{ClientId, TenantId};
            use $crate::domain::time::Timestamp;
            use $crate::store::{Result, StoredSigningKey};

            impl super::$Store {
                pub(crate) async fn signing_keys(&self) -> Result<Vec<StoredSigningKey>> {
                    let rows = sqlx::query(
                        "SELECT kid, algorithm, private_key, public_jwk, created_at, activates_at, max_token_ttl \
                         FROM signing_keys ORDER BY activates_at, created_at, kid",
                    )
                    .fetch_all(&self.read)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(StoredSigningKey {
                                kid: r.try_get("kid")?,
                                algorithm: r.try_get("algorithm")?,
                                private_key: r.try_get("private_key")?,
                                public_jwk: r.try_get("public_jwk")?,
                                created_at: Timestamp::from_micros(r.try_get("created_at")?),
                                activates_at: Timestamp::from_micros(r.try_get("activates_at")?),
                                max_token_ttl: r.try_get("max_token_ttl")?,
                            })
                        })
                        .collect()
                }

                pub(crate) async fn insert_signing_key(&self, k: &StoredSigningKey) -> Result<()> {
                    self.insert_key(k, false).await.map(|_| ())
                }

                pub(crate) async fn insert_first_signing_key(&self, k: &StoredSigningKey) -> Result<bool> {
                    self.insert_key(k, true).await
                }

                /// Inserts `k`; with `first_only`, only into an empty key
                /// table, and says whether it did.
                async fn insert_key(&self, k: &StoredSigningKey, first_only: bool) -> Result<bool> {
                    let mut tx = self.begin_write().await?;
                    if first_only {
                        // Every instance locks the same guard row (the UPDATE
                        // takes its row lock) before it looks at the keys, so
                        // only the first to get the lock finds none; the others
                        // wait for its commit and then see its key. SQLite's
                        // BEGIN IMMEDIATE already serialises the transaction.
                        sqlx::query(
                            "INSERT INTO server_secrets (name, value, created_at) VALUES ('first-signing-key-guard', $1, $2) \
                             ON CONFLICT (name) DO NOTHING",
                        )
                        .bind(Vec::<u8>::new())
                        .bind(k.created_at.micros())
                        .execute(&mut *tx)
                        .await?;
                        sqlx::query("UPDATE server_secrets SET created_at = created_at WHERE name = 'first-signing-key-guard'")
                            .execute(&mut *tx)
                            .await?;
                        if sqlx::query("SELECT kid FROM signing_keys LIMIT 1").fetch_optional(&mut *tx).await?.is_some() {
                            return Ok(false);
                        }
                    }
                    sqlx::query(
                        "INSERT INTO signing_keys (kid, algorithm, private_key, public_jwk, created_at, activates_at, max_token_ttl) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(&k.kid)
                    .bind(&k.algorithm)
                    .bind(&k.private_key)
                    .bind(&k.public_jwk)
                    .bind(k.created_at.micros())
                    .bind(k.activates_at.micros())
                    .bind(k.max_token_ttl)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(true)
                }

                pub(crate) async fn raise_key_token_ttl(&self, kid: &str, ttl: i64) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query("UPDATE signing_keys SET max_token_ttl = $2 WHERE kid = $1 AND max_token_ttl < $2")
                        .bind(kid)
                        .bind(ttl)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                pub(crate) async fn delete_signing_key(&self, kid: &str) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query("DELETE FROM signing_keys WHERE kid = $1")
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
                    // A jti whose row has expired (not yet pruned) may be taken
                    // again: its old assertion can no longer be accepted anyway.
                    let taken = sqlx::query(
                        "INSERT INTO client_assertion_jtis (tenant_id, client_id, jti, expires_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (tenant_id, client_id, jti) DO UPDATE SET expires_at = excluded.expires_at \
                         WHERE client_assertion_jtis.expires_at < $5",
                    )
                    .bind(tenant.as_str())
                    .bind(client.as_str())
                    .bind(jti)
                    .bind(keep_until.micros())
                    .bind(now.micros())
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("DELETE FROM client_assertion_jtis WHERE tenant_id = $1 AND expires_at < $2")
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
                ) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query(
                        "INSERT INTO revoked_tokens (tenant_id, client_id, jti, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (tenant_id, client_id, jti) DO NOTHING",
                    )
                    .bind(tenant.as_str())
                    .bind(client.as_str())
                    .bind(jti)
                    .bind(keep_until.micros())
                    .bind(now.micros())
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("DELETE FROM revoked_tokens WHERE tenant_id = $1 AND expires_at < $2")
                        .bind(tenant.as_str())
                        .bind(now.micros())
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                pub(crate) async fn is_token_active(&self, tenant: &TenantId, client: &ClientId, jti: &str) -> Result<bool> {
                    let row = sqlx::query($crate::store::sqlite_reads::TOKEN_ACTIVE)
                    .bind(tenant.as_str())
                    .bind(client.as_str())
                    .bind(jti)
                    .fetch_optional(&self.read)
                    .await?;
                    Ok(row.is_some())
                }
            }
        }
    };
}

pub(crate) use impl_token_queries;
