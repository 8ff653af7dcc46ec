//! The client-secret statements (add and delete a secret, and the reads and
//! inserts the client statements share), and `impl_secrets!`, which runs
//! them on one backend (see `shared.rs`).
//!
//! A client's `secret_count` column counts its secrets; the limit is checked
//! by the same statement that takes a slot, so concurrent requests (on any
//! instance) cannot pass it.

use crate::domain::secret::MAX_SECRETS;

pub(super) const INSERT_SECRET: &str = "INSERT INTO client_secrets (tenant_id, client_id, hint, secret_hash, created_at, created_by, secret_id) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// One client's secrets' metadata, oldest first.
pub(super) const SECRETS_OF: &str = "SELECT hint, created_at, created_by FROM client_secrets \
     WHERE tenant_id = $1 AND client_id = $2 ORDER BY created_at, hint";

/// Deletes one secret and answers its metadata, for the audit event.
pub(super) const DELETE_SECRET: &str = "DELETE FROM client_secrets WHERE tenant_id = $1 AND client_id = $2 AND hint = $3 \
     RETURNING hint, created_at, created_by";

/// Takes one of the client's secret slots, unless all [`MAX_SECRETS`] are
/// taken: then it changes no row. `$3` is the change's `updated_at` (later
/// than the one the locked row holds) and `$4` the client's answer after it.
pub(super) fn take_secret_slot_sql() -> String {
    format!(
        "UPDATE clients SET secret_count = secret_count + 1, updated_at = $3, wire = $4, wire_at = $3 \
         WHERE tenant_id = $1 AND client_id = $2 AND secret_count < {MAX_SECRETS}"
    )
}

/// Gives back a secret slot, with `$3` and `$4` as above.
pub(super) const FREE_SECRET_SLOT: &str = "UPDATE clients SET secret_count = secret_count - 1, updated_at = $3, wire = $4, wire_at = $3 \
     WHERE tenant_id = $1 AND client_id = $2";

/// The secret methods of `$Store`, and `insert_secret` and `secrets_of` for
/// the client statements.
macro_rules! impl_secrets {
    ($Store:ident) => {
        mod secrets {
            use super::audit::record_event;
            use super::client_writes::lock_client;
            use super::{Db, WriteTx};
            use $crate::domain::audit::{EventType, Origin};
            use $crate::domain::client_record::SecretInfo;
            use $crate::domain::client_view::secret_json;
            use $crate::domain::ids::{ClientId, TenantId};
            use $crate::domain::secret::NewSecret;
            use $crate::domain::time::Timestamp;
            use $crate::store::secrets::{
                DELETE_SECRET, FREE_SECRET_SLOT, INSERT_SECRET, SECRETS_OF, take_secret_slot_sql,
            };
            use $crate::store::shared::{decode_secret, encode_wire};
            use $crate::store::{Result, StoreError};

            pub(super) async fn insert_secret(
                tx: &mut WriteTx,
                tenant: &TenantId,
                id: &ClientId,
                s: &NewSecret,
                by: &str,
                now: Timestamp,
            ) -> Result<()> {
                sqlx::query(INSERT_SECRET)
                    .bind(tenant.as_str())
                    .bind(id.as_str())
                    .bind(&s.hint)
                    .bind(&s.hash)
                    .bind(now.micros())
                    .bind(by)
                    .bind(&s.id)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            pub(super) async fn secrets_of<'e, E>(
                exec: E,
                tenant: &TenantId,
                id: &ClientId,
            ) -> Result<Vec<SecretInfo>>
            where
                E: sqlx::Executor<'e, Database = Db>,
            {
                let rows = sqlx::query(SECRETS_OF)
                    .bind(tenant.as_str())
                    .bind(id.as_str())
                    .fetch_all(exec)
                    .await?;
                rows.iter().map(decode_secret).collect()
            }

            impl super::$Store {
                pub(crate) async fn add_secret(
                    &self,
                    tenant: &TenantId,
                    id: &ClientId,
                    now: Timestamp,
                    origin: &Origin,
                ) -> Result<(SecretInfo, String)> {
                    let by = origin.actor.sub.as_str();
                    let mut tx = self.begin_write().await?;
                    let (current, _) = lock_client(&mut tx, tenant, id).await?;
                    if !current.config.supports_secrets() {
                        return Err(StoreError::SecretsNotSupported);
                    }
                    // The row is locked: its secrets, and the hints taken.
                    let mut secrets = secrets_of(&mut *tx, tenant, id).await?;
                    let hints: Vec<String> = secrets.iter().map(|s| s.hint.clone()).collect();
                    let secret = NewSecret::generate(&hints);
                    let info = SecretInfo {
                        hint: secret.hint.clone(),
                        created_at: now,
                        created_by: by.to_owned(),
                    };
                    secrets.push(info.clone());
                    let at = now.after(current.updated_at);
                    let wire = encode_wire(&current.changed(current.config.clone(), at, secrets))?;
                    let taken = sqlx::query(sqlx::AssertSqlSafe(take_secret_slot_sql()))
                        .bind(tenant.as_str())
                        .bind(id.as_str())
                        .bind(at.micros())
                        .bind(wire)
                        .execute(&mut *tx)
                        .await?;
                    if taken.rows_affected() == 0 {
                        return Err(StoreError::SecretLimit);
                    }
                    insert_secret(&mut tx, tenant, id, &secret, by, now).await?;
                    let event = origin.event(
                        EventType::SecretCreated,
                        Some(tenant),
                        id.as_str(),
                        now,
                        secret_json(id, &info),
                    );
                    record_event(&mut tx, &event).await?;
                    tx.commit().await?;
                    Ok((info, secret.plain))
                }

                pub(crate) async fn delete_secret(
                    &self,
                    tenant: &TenantId,
                    id: &ClientId,
                    hint: &str,
                    now: Timestamp,
                    origin: &Origin,
                ) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    let (current, _) = lock_client(&mut tx, tenant, id).await?;
                    if !current.config.supports_secrets() {
                        return Err(StoreError::SecretsNotSupported);
                    }
                    let gone = sqlx::query(DELETE_SECRET)
                        .bind(tenant.as_str())
                        .bind(id.as_str())
                        .bind(hint)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or(StoreError::SecretNotFound)?;
                    let info = decode_secret(&gone)?;
                    let left = secrets_of(&mut *tx, tenant, id).await?;
                    let at = now.after(current.updated_at);
                    let wire = encode_wire(&current.changed(current.config.clone(), at, left))?;
                    sqlx::query(FREE_SECRET_SLOT)
                        .bind(tenant.as_str())
                        .bind(id.as_str())
                        .bind(at.micros())
                        .bind(wire)
                        .execute(&mut *tx)
                        .await?;
                    let event = origin.event(
                        EventType::SecretDeleted,
                        Some(tenant),
                        id.as_str(),
                        now,
                        secret_json(id, &info),
                    );
                    record_event(&mut tx, &event).await?;
                    tx.commit().await?;
                    Ok(())
                }
            }
        }
    };
}

pub(super) use impl_secrets;
