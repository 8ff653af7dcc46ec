//! The client statements (create a tenant with its admin client; insert,
//! find, update and delete a client; the lookups of client authentication),
//! and `impl_client_reads!`, which runs the reads on one backend (see
//! `shared.rs`); the writes run in `client_writes.rs`.

use super::shared::{decode_client, decode_joined_secret};
use super::{Result, decode_config};
use crate::domain::client_record::{AuthClient, AuthSecret, ClientRecord};
use crate::domain::ids::{ClientId, TenantId};
use sqlx::{ColumnIndex, Decode, Row, Type};

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

/// With its answer kept ready (`wire`, for `updated_at`: migration 0011).
pub(super) const INSERT_CLIENT: &str = "INSERT INTO clients (tenant_id, client_id, app_type, client_name, name_key, created_at, updated_at, secret_count, config, wire, wire_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $6)";

/// A client and its secrets' metadata: one row per secret, or one row with
/// NULL secret columns when it has none.
pub(super) const FIND_CLIENT: &str = "SELECT c.client_id, c.created_at, c.updated_at, c.secret_count, c.config, \
            s.hint AS secret_hint, s.created_at AS secret_created_at, s.created_by AS secret_created_by \
     FROM clients c LEFT JOIN client_secrets s ON s.tenant_id = c.tenant_id AND s.client_id = c.client_id \
     WHERE c.tenant_id = $1 AND c.client_id = $2 \
     ORDER BY s.created_at, s.hint";

/// A client found by id alone (token endpoint) with its secrets' hashes and
/// ids: a row per secret, or one row with a NULL hash.
pub(super) const FIND_AUTH_CLIENT: &str = "SELECT c.tenant_id, c.config, c.token_generation, s.secret_hash, s.secret_id FROM client_directory d \
     JOIN clients c ON c.tenant_id = d.tenant_id AND c.client_id = d.client_id \
     LEFT JOIN client_secrets s ON s.tenant_id = c.tenant_id AND s.client_id = c.client_id \
     WHERE d.client_id = $1";

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

pub(super) const UPDATE_CLIENT: &str = "UPDATE clients SET client_name = $3, name_key = $4, updated_at = $5, secret_count = $6, config = $7, \
     wire = $8, wire_at = $5 WHERE tenant_id = $1 AND client_id = $2";

/// Every secret of one client (a patch that drops secret support, or a
/// deletion).
pub(super) const DELETE_CLIENT_SECRETS: &str =
    "DELETE FROM client_secrets WHERE tenant_id = $1 AND client_id = $2";

pub(super) const DELETE_CLIENT: &str =
    "DELETE FROM clients WHERE tenant_id = $1 AND client_id = $2";

/// A deleted client's id stays in the directory, so it is never reused.
pub(super) const MARK_DIRECTORY_ENTRY_DELETED: &str =
    "UPDATE client_directory SET deleted_at = $3 WHERE client_id = $1 AND tenant_id = $2";

/// The rows of [`FIND_CLIENT`] as one client with its secrets; `None`
/// when there are none.
pub(super) fn decode_found_client<R>(rows: &[R]) -> Result<Option<ClientRecord>>
where
    R: Row,
    for<'c> &'c str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<String>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
{
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let (mut record, _) = decode_client(first)?;
    for row in rows {
        record.secrets.extend(decode_joined_secret(row)?);
    }
    Ok(Some(record))
}

/// The rows of [`FIND_AUTH_CLIENT`] for client `id` as one client with its
/// secrets; `None` when there are none.
pub(super) fn decode_auth_client<R>(id: &ClientId, rows: &[R]) -> Result<Option<AuthClient>>
where
    R: Row,
    for<'c> &'c str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<String>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<Vec<u8>>: Decode<'r, R::Database> + Type<R::Database>,
{
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut secrets = Vec::with_capacity(rows.len());
    for r in rows {
        let hash = r.try_get::<Option<Vec<u8>>, _>("secret_hash")?;
        let secret_id = r.try_get::<Option<String>, _>("secret_id")?;
        if let (Some(hash), Some(id)) = (hash, secret_id) {
            secrets.push(AuthSecret { id, hash });
        }
    }
    Ok(Some(AuthClient {
        tenant_id: TenantId::from_trusted(first.try_get::<String, _>("tenant_id")?),
        client_id: id.clone(),
        config: decode_config(&first.try_get::<String, _>("config")?)?,
        secrets,
        token_generation: first.try_get("token_generation")?,
    }))
}

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
