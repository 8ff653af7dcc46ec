//! The reads of one client: the statements that find a client with its
//! secrets (by tenant and id, or by id alone for client authentication) and
//! the decoders of their rows.

use super::shared::{decode_client, decode_joined_secret};
use super::{Result, decode_config};
use crate::domain::client_record::{AuthClient, AuthSecret, ClientRecord};
use crate::domain::ids::{ClientId, TenantId};
use sqlx::{ColumnIndex, Decode, Row, Type};

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
