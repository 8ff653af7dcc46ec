//! The client statements (create a tenant with its admin client; insert,
//! find, update and delete a client; the lookups of client authentication),
//! and `impl_client_reads!` and `impl_client_writes!`, which run them on one
//! backend (see `shared.rs`).

pub(super) use super::client_rows::{
    FIND_AUTH_CLIENT, FIND_CLIENT, decode_auth_client, decode_found_client,
};

pub(super) const INSERT_TENANT: &str =
    "INSERT INTO tenants (tenant_id, name, created_at) VALUES ($1, $2, $3)";

/// Takes the tenant's row for a new client, unless it already has `$2`
/// clients: then it changes no row. The count itself is kept by a trigger
/// on `clients` (migration 0003); this statement only locks the row and
/// decides, so concurrent creates (on any instance) are serialised on it.
pub(super) const TAKE_CLIENT_SLOT: &str = "UPDATE tenants SET client_count = client_count \
     WHERE tenant_id = $1 AND client_count < $2";

/// The cross-tenant index of client ids, for client authentication.
pub(super) const INSERT_DIRECTORY_ENTRY: &str =
    "INSERT INTO client_directory (client_id, tenant_id) VALUES ($1, $2)";

pub(super) const INSERT_CLIENT: &str = "INSERT INTO clients (tenant_id, client_id, app_type, client_name, name_key, created_at, updated_at, secret_count, config) \
     VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8)";

pub(super) const CLIENT_EXISTS: &str =
    "SELECT 1 FROM clients WHERE tenant_id = $1 AND client_id = $2";

/// A client read inside a write transaction, with a suffix that locks its
/// row where the backend needs one.
macro_rules! client_to_change_sql {
    ($suffix:literal) => {
        concat!(
            "SELECT client_id, created_at, updated_at, secret_count, config FROM clients \
             WHERE tenant_id = $1 AND client_id = $2",
            $suffix
        )
    };
}

/// SQLite's: its write transaction (`BEGIN IMMEDIATE`) already holds the
/// write lock.
pub(super) const CLIENT_TO_CHANGE: &str = client_to_change_sql!("");

/// PostgreSQL's: `FOR UPDATE` serialises writers of one client across every
/// instance sharing the database.
pub(super) const CLIENT_TO_CHANGE_FOR_UPDATE: &str = client_to_change_sql!(" FOR UPDATE");

pub(super) const UPDATE_CLIENT: &str = "UPDATE clients SET client_name = $3, name_key = $4, updated_at = $5, secret_count = $6, config = $7 \
     WHERE tenant_id = $1 AND client_id = $2";

/// Every secret of one client (a patch that drops secret support, or a
/// deletion).
pub(super) const DELETE_CLIENT_SECRETS: &str =
    "DELETE FROM client_secrets WHERE tenant_id = $1 AND client_id = $2";

pub(super) const DELETE_CLIENT: &str =
    "DELETE FROM clients WHERE tenant_id = $1 AND client_id = $2";

/// A deleted client's id stays in the directory, so it is never reused.
pub(super) const MARK_DIRECTORY_ENTRY_DELETED: &str =
    "UPDATE client_directory SET deleted_at = $3 WHERE client_id = $1 AND tenant_id = $2";

/// The client reads of `$Store`.
macro_rules! impl_client_reads {
    ($Store:ident) => {
        mod client_reads {
            use $crate::domain::client_record::{AuthClient, ClientRecord};
            use $crate::domain::ids::{ClientId, TenantId};
            use $crate::store::Result;
            use $crate::store::clients::{
                CLIENT_EXISTS, FIND_AUTH_CLIENT, FIND_CLIENT, decode_auth_client,
                decode_found_client,
            };

            impl super::$Store {
                pub(crate) async fn find_client(
                    &self,
                    tenant: &TenantId,
                    id: &ClientId,
                ) -> Result<Option<ClientRecord>> {
                    // One statement for the client and its secrets: every statement
                    // is a round trip to a connection (on SQLite, to its worker
                    // thread), and a GET is otherwise two of them.
                    let rows = sqlx::query(FIND_CLIENT)
                        .bind(tenant.as_str())
                        .bind(id.as_str())
                        .fetch_all(&self.read)
                        .await?;
                    decode_found_client(&rows)
                }

                pub(crate) async fn find_auth_client(
                    &self,
                    id: &ClientId,
                ) -> Result<Option<AuthClient>> {
                    // One round trip on the token path: a row per secret (the
                    // client's columns repeated), or one row with a NULL hash.
                    let rows = sqlx::query(FIND_AUTH_CLIENT)
                        .bind(id.as_str())
                        .fetch_all(&self.read)
                        .await?;
                    decode_auth_client(id, &rows)
                }

                pub(crate) async fn client_exists(
                    &self,
                    tenant: &TenantId,
                    id: &ClientId,
                ) -> Result<bool> {
                    let row = sqlx::query(CLIENT_EXISTS)
                        .bind(tenant.as_str())
                        .bind(id.as_str())
                        .fetch_optional(&self.read)
                        .await?;
                    Ok(row.is_some())
                }
            }
        }
    };
}

pub(super) use impl_client_reads;

/// The client writes of `$Store`, and `lock_client` for the secret
/// statements.
macro_rules! impl_client_writes {
    ($Store:ident) => {
        mod client_writes {
            use super::audit::record_event;
            use super::secrets::{insert_secret, secrets_of};
            use super::{Db, LOCK_CLIENT, WriteTx};
            use $crate::domain::ValidationError;
            use $crate::domain::audit::{EventType, Origin};
            use $crate::domain::client_record::{ClientRecord, NewClient, SecretInfo};
            use $crate::domain::client_view::{client_json, secret_json};
            use $crate::domain::ids::{ClientId, TenantId};
            use $crate::domain::patch_plan::PatchPlan;
            use $crate::domain::time::Timestamp;
            use $crate::store::clients::{
                DELETE_CLIENT, DELETE_CLIENT_SECRETS, INSERT_CLIENT, INSERT_DIRECTORY_ENTRY,
                INSERT_TENANT, MARK_DIRECTORY_ENTRY_DELETED, TAKE_CLIENT_SLOT, UPDATE_CLIENT,
            };
            use $crate::store::shared::{decode_client, encode_config};
            use $crate::store::{Result, StoreError};

            type Row = <Db as sqlx::Database>::Row;

            /// Inserts a client (and its first secret) and records one
            /// `created` event for both.
            async fn insert_client_tx(
                tx: &mut WriteTx,
                tenant: &TenantId,
                c: &NewClient<'_>,
                origin: &Origin,
            ) -> Result<()> {
                let config = encode_config(c.config)?;
                sqlx::query(INSERT_DIRECTORY_ENTRY)
                    .bind(c.client_id.as_str())
                    .bind(tenant.as_str())
                    .execute(&mut **tx)
                    .await?;
                sqlx::query(INSERT_CLIENT)
                    .bind(tenant.as_str())
                    .bind(c.client_id.as_str())
                    .bind(c.config.app_type.as_str())
                    .bind(&c.config.client_name)
                    .bind(c.config.name_key())
                    .bind(c.now.micros())
                    .bind(i64::from(c.first_secret.is_some()))
                    .bind(config)
                    .execute(&mut **tx)
                    .await?;
                if let Some((secret, by)) = c.first_secret {
                    insert_secret(tx, tenant, c.client_id, secret, by, c.now).await?;
                }
                let record = ClientRecord::created(
                    c.client_id.clone(),
                    c.config.clone(),
                    c.now,
                    c.first_secret,
                );
                let event = origin.event(
                    EventType::ClientCreated,
                    Some(tenant),
                    c.client_id.as_str(),
                    c.now,
                    client_json(&record),
                );
                record_event(tx, &event).await
            }

            /// Reads a client inside a write transaction, locking its row.
            pub(super) async fn lock_client(
                tx: &mut WriteTx,
                tenant: &TenantId,
                id: &ClientId,
            ) -> Result<(ClientRecord, i64)> {
                let row: Row = sqlx::query(LOCK_CLIENT)
                    .bind(tenant.as_str())
                    .bind(id.as_str())
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                decode_client(&row)
            }

            impl super::$Store {
                pub(crate) async fn create_tenant(
                    &self,
                    tenant: &TenantId,
                    name: &str,
                    now: Timestamp,
                    clients: &[NewClient<'_>],
                    origin: &Origin,
                ) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query(INSERT_TENANT)
                        .bind(tenant.as_str())
                        .bind(name)
                        .bind(now.micros())
                        .execute(&mut *tx)
                        .await?;
                    for client in clients {
                        insert_client_tx(&mut tx, tenant, client, origin).await?;
                    }
                    tx.commit().await?;
                    Ok(())
                }

                pub(crate) async fn insert_client(
                    &self,
                    tenant: &TenantId,
                    client: NewClient<'_>,
                    max_clients: u64,
                    origin: &Origin,
                ) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    let slot = sqlx::query(TAKE_CLIENT_SLOT)
                        .bind(tenant.as_str())
                        .bind(i64::try_from(max_clients).unwrap_or(i64::MAX))
                        .execute(&mut *tx)
                        .await?;
                    if slot.rows_affected() == 0 {
                        return Err(StoreError::ClientQuota(max_clients));
                    }
                    insert_client_tx(&mut tx, tenant, &client, origin).await?;
                    tx.commit().await?;
                    Ok(())
                }

                pub(crate) async fn update_client<F>(
                    &self,
                    tenant: &TenantId,
                    id: &ClientId,
                    now: Timestamp,
                    origin: &Origin,
                    operations: serde_json::Value,
                    plan: F,
                ) -> Result<PatchPlan>
                where
                    F: FnOnce(&ClientRecord) -> Result<PatchPlan, ValidationError> + Send,
                {
                    let by = origin.actor.sub.as_str();
                    let mut tx = self.begin_write().await?;
                    let (mut current, mut count) = lock_client(&mut tx, tenant, id).await?;
                    if count > 0 {
                        current.secrets = secrets_of(&mut *tx, tenant, id).await?;
                    }
                    let plan = plan(&current)?;
                    let at = now.after(current.updated_at);
                    let mut events = vec![origin.event(
                        EventType::ClientUpdated,
                        Some(tenant),
                        id.as_str(),
                        at,
                        operations,
                    )];
                    if plan.drop_secrets {
                        sqlx::query(DELETE_CLIENT_SECRETS)
                            .bind(tenant.as_str())
                            .bind(id.as_str())
                            .execute(&mut *tx)
                            .await?;
                        count = 0;
                        events.extend(current.secrets.iter().map(|s| {
                            let data = secret_json(id, s);
                            origin.event(
                                EventType::SecretDeleted,
                                Some(tenant),
                                id.as_str(),
                                at,
                                data,
                            )
                        }));
                    }
                    if let Some(secret) = &plan.new_secret {
                        insert_secret(&mut tx, tenant, id, secret, by, now).await?;
                        count += 1;
                        let info = SecretInfo {
                            hint: secret.hint.clone(),
                            created_at: now,
                            created_by: by.to_owned(),
                        };
                        let data = secret_json(id, &info);
                        events.push(origin.event(
                            EventType::SecretCreated,
                            Some(tenant),
                            id.as_str(),
                            at,
                            data,
                        ));
                    }
                    let config = encode_config(&plan.config)?;
                    sqlx::query(UPDATE_CLIENT)
                        .bind(tenant.as_str())
                        .bind(id.as_str())
                        .bind(&plan.config.client_name)
                        .bind(plan.config.name_key())
                        .bind(at.micros())
                        .bind(count)
                        .bind(config)
                        .execute(&mut *tx)
                        .await?;
                    for event in &events {
                        record_event(&mut tx, event).await?;
                    }
                    tx.commit().await?;
                    Ok(plan)
                }

                pub(crate) async fn delete_client(
                    &self,
                    tenant: &TenantId,
                    id: &ClientId,
                    now: Timestamp,
                    origin: &Origin,
                ) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    let (mut current, count) = lock_client(&mut tx, tenant, id).await?;
                    if count > 0 {
                        current.secrets = secrets_of(&mut *tx, tenant, id).await?;
                    }
                    sqlx::query(DELETE_CLIENT_SECRETS)
                        .bind(tenant.as_str())
                        .bind(id.as_str())
                        .execute(&mut *tx)
                        .await?;
                    let done = sqlx::query(DELETE_CLIENT)
                        .bind(tenant.as_str())
                        .bind(id.as_str())
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    sqlx::query(MARK_DIRECTORY_ENTRY_DELETED)
                        .bind(id.as_str())
                        .bind(tenant.as_str())
                        .bind(now.micros())
                        .execute(&mut *tx)
                        .await?;
                    let event = origin.event(
                        EventType::ClientDeleted,
                        Some(tenant),
                        id.as_str(),
                        now,
                        client_json(&current),
                    );
                    record_event(&mut tx, &event).await?;
                    tx.commit().await?;
                    Ok(())
                }
            }
        }
    };
}

pub(super) use impl_client_writes;

#[cfg(test)]
mod tests {
    use super::{CLIENT_TO_CHANGE, CLIENT_TO_CHANGE_FOR_UPDATE};

    #[test]
    fn both_backends_read_a_client_to_change_with_one_statement() {
        assert_eq!(
            CLIENT_TO_CHANGE_FOR_UPDATE,
            format!("{CLIENT_TO_CHANGE} FOR UPDATE")
        );
    }
}
