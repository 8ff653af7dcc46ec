//! The client writes (contract §4): tenant and client creation under the
//! tenant's client quota, the patch transaction that holds the client's row,
//! deletion, and the audit event each records in its own transaction; and
//! `impl_client_writes!`, which runs them on one backend (see `shared.rs`).
//! The statements are in `clients.rs`.

/// The client writes of `$Store`, and `lock_client` for the secret
/// statements.
macro_rules! impl_client_writes {
    ($Store:ident) => {
        mod client_writes {
            use super::audit::record_event;
            use super::secrets::{insert_secret, secrets_of};
            use super::{Db, LOCK_CLIENT, WriteTx};
            use $crate::domain::ValidationError;
            use $crate::domain::audit::{AuditEvent, EventType, Origin};
            use $crate::domain::client_record::{ClientRecord, NewClient, SecretInfo};
            use $crate::domain::client_view::{client_json, secret_json};
            use $crate::domain::ids::{ClientId, TenantId};
            use $crate::domain::patch_plan::PatchPlan;
            use $crate::domain::time::Timestamp;
            use $crate::store::clients::{
                DELETE_CLIENT, DELETE_CLIENT_SECRETS, INSERT_CLIENT, INSERT_DIRECTORY_ENTRY,
                INSERT_TENANT, MARK_DIRECTORY_ENTRY_DELETED, TAKE_CLIENT_SLOT, UPDATE_CLIENT,
            };
            use $crate::store::shared::{decode_client, encode_config, encode_wire};
            use $crate::store::{Result, StoreError};

            type Row = <Db as sqlx::Database>::Row;

            /// The `created` event of a new client (and its first secret),
            /// and its answer kept ready, both made before the write
            /// transaction so the writer is not held while their JSON is made.
            fn created(
                tenant: &TenantId,
                c: &NewClient<'_>,
                origin: &Origin,
            ) -> Result<(AuditEvent, String)> {
                let record = ClientRecord::created(
                    c.client_id.clone(),
                    c.config.clone(),
                    c.now,
                    c.first_secret,
                );
                let wire = encode_wire(&record)?;
                let event = origin.event(
                    EventType::ClientCreated,
                    Some(tenant),
                    c.client_id.as_str(),
                    c.now,
                    client_json(&record),
                );
                Ok((event, wire))
            }

            /// Inserts a client (and its first secret) and records its
            /// `created` event (see `created`).
            async fn insert_client_tx(
                tx: &mut WriteTx,
                tenant: &TenantId,
                c: &NewClient<'_>,
                (event, wire): &(AuditEvent, String),
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
                    .bind(wire)
                    .execute(&mut **tx)
                    .await?;
                if let Some((secret, by)) = c.first_secret {
                    insert_secret(tx, tenant, c.client_id, secret, by, c.now).await?;
                }
                record_event(tx, event).await
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
                    let events = clients
                        .iter()
                        .map(|c| created(tenant, c, origin))
                        .collect::<Result<Vec<_>>>()?;
                    let mut tx = self.begin_write().await?;
                    sqlx::query(INSERT_TENANT)
                        .bind(tenant.as_str())
                        .bind(name)
                        .bind(now.micros())
                        .execute(&mut *tx)
                        .await?;
                    for (client, event) in clients.iter().zip(&events) {
                        insert_client_tx(&mut tx, tenant, client, event).await?;
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
                    let event = created(tenant, &client, origin)?;
                    let mut tx = self.begin_write().await?;
                    let slot = sqlx::query(TAKE_CLIENT_SLOT)
                        .bind(tenant.as_str())
                        .bind(i64::try_from(max_clients).unwrap_or(i64::MAX))
                        .execute(&mut *tx)
                        .await?;
                    if slot.rows_affected() == 0 {
                        return Err(StoreError::ClientQuota(max_clients));
                    }
                    insert_client_tx(&mut tx, tenant, &client, &event).await?;
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
                    let mut secrets = Vec::new();
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
                    } else {
                        secrets.clone_from(&current.secrets);
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
                        secrets.push(info);
                    }
                    let config = encode_config(&plan.config)?;
                    let wire = encode_wire(&current.changed(plan.config.clone(), at, secrets))?;
                    sqlx::query(UPDATE_CLIENT)
                        .bind(tenant.as_str())
                        .bind(id.as_str())
                        .bind(&plan.config.client_name)
                        .bind(plan.config.name_key())
                        .bind(at.micros())
                        .bind(count)
                        .bind(config)
                        .bind(wire)
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
