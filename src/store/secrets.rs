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

/// `updated_at` for a change at `now`: strictly later than before.
const BUMP_UPDATED_AT: &str =
    "updated_at = CASE WHEN updated_at >= $3 THEN updated_at + 1 ELSE $3 END";

/// Takes one of the client's secret slots at `$3` (now), unless all
/// [`MAX_SECRETS`] are taken: then it changes no row.
pub(super) fn take_secret_slot_sql() -> String {
    format!(
        "UPDATE clients SET secret_count = secret_count + 1, {BUMP_UPDATED_AT} \
         WHERE tenant_id = $1 AND client_id = $2 AND secret_count < {MAX_SECRETS}"
    )
}

/// Gives back a secret slot at `$3` (now).
pub(super) fn free_secret_slot_sql() -> String {
    format!(
        "UPDATE clients SET secret_count = secret_count - 1, {BUMP_UPDATED_AT} WHERE tenant_id = $1 AND client_id = $2"
    )
}

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
                DELETE_SECRET, INSERT_SECRET, SECRETS_OF, free_secret_slot_sql,
                take_secret_slot_sql,
            };
            use $crate::store::shared::decode_secret;
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
                    let taken = sqlx::query(sqlx::AssertSqlSafe(take_secret_slot_sql()))
                        .bind(tenant.as_str())
                        .bind(id.as_str())
                        .bind(now.micros())
                        .execute(&mut *tx)
                        .await?;
                    if taken.rows_affected() == 0 {
                        return Err(StoreError::SecretLimit);
                    }
                    let hints: Vec<String> = secrets_of(&mut *tx, tenant, id)
                        .await?
                        .into_iter()
                        .map(|s| s.hint)
                        .collect();
                    let secret = NewSecret::generate(&hints);
                    insert_secret(&mut tx, tenant, id, &secret, by, now).await?;
                    let info = SecretInfo {
                        hint: secret.hint.clone(),
                        created_at: now,
                        created_by: by.to_owned(),
                    };
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
                    sqlx::query(sqlx::AssertSqlSafe(free_secret_slot_sql()))
                        .bind(tenant.as_str())
                        .bind(id.as_str())
                        .bind(now.micros())
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
