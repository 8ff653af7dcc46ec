//! What both backends share: the row decoders and argument binding, written
//! as plain functions generic over sqlx's database, and `impl_shared!`, which
//! gives one backend's store type every statement of the resource files.
//!
//! The statements' `async` bodies stay in small per-resource macros
//! (`impl_client_writes!` in `client_writes.rs`, and so on) rather than generic
//! functions: a generic `async fn` over `sqlx::Executor` needs a higher-ranked
//! bound (`for<'a> &'a str: Encode<'a, DB>`, …) per bound or decoded type on
//! every function, since Rust does not carry a trait's where-clauses to its
//! users, and proving such a future `Send`, as axum requires, is a known
//! source of rustc's higher-ranked lifetime errors. The SQL text of every
//! statement is a named constant outside the macros, and rustfmt formats the
//! macro bodies.

use super::filter_sql::SqlArg;
use super::list_table::DbRow;
use super::{Result, StoreError, decode_config};
use crate::domain::client::ClientConfig;
use crate::domain::client_record::{ClientRecord, SecretInfo};
use crate::domain::client_view::wire_text;
use crate::domain::ids::ClientId;
use crate::domain::time::Timestamp;
use sqlx::query::Query;
use sqlx::{ColumnIndex, Database, Decode, Encode, Row, Type};

/// The first statement of `/health`: a round trip to the database.
pub(super) const PING: &str = "SELECT 1";

/// Binds a built query's arguments (`list_sql.rs`, `filter_sql.rs`), in order.
pub(super) fn bind_all<DB>(
    mut query: Query<'_, DB, DB::Arguments>,
    args: Vec<SqlArg>,
) -> Query<'_, DB, DB::Arguments>
where
    DB: Database,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
{
    for arg in args {
        query = match arg {
            SqlArg::Text(s) => query.bind(s),
            SqlArg::Int(i) => query.bind(i),
        };
    }
    query
}

/// A client row (`client_id`, `created_at`, `updated_at`, `secret_count`,
/// `config`) without its secrets, plus its secret count.
pub(super) fn decode_client(row: &(impl DbRow + ?Sized)) -> Result<(ClientRecord, i64)> {
    let config = decode_config(&row.text("config")?)?;
    let record = ClientRecord {
        client_id: ClientId::from_trusted(row.text("client_id")?),
        config,
        created_at: Timestamp::from_micros(row.int("created_at")?),
        updated_at: Timestamp::from_micros(row.int("updated_at")?),
        secrets: Vec::new(),
    };
    Ok((record, row.int("secret_count")?))
}

/// A secret's metadata (`hint`, `created_at`, `created_by`).
pub(super) fn decode_secret(row: &(impl DbRow + ?Sized)) -> Result<SecretInfo> {
    Ok(SecretInfo {
        hint: row.text("hint")?,
        created_at: Timestamp::from_micros(row.int("created_at")?),
        created_by: row.text("created_by")?,
    })
}

/// A secret's metadata as a join with the client names it
/// (`secret_hint`, `secret_created_at`, `secret_created_by`); `None` on the
/// one row of a client without secrets.
pub(super) fn decode_joined_secret<R>(row: &R) -> Result<Option<SecretInfo>>
where
    R: Row,
    for<'c> &'c str: ColumnIndex<R>,
    for<'r> Option<String>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
{
    let Some(hint) = row.try_get::<Option<String>, _>("secret_hint")? else {
        return Ok(None);
    };
    Ok(Some(SecretInfo {
        hint,
        created_at: Timestamp::from_micros(
            row.try_get::<Option<i64>, _>("secret_created_at")?
                .unwrap_or_default(),
        ),
        created_by: row
            .try_get::<Option<String>, _>("secret_created_by")?
            .unwrap_or_default(),
    }))
}

/// A configuration as the `config` column stores it.
pub(super) fn encode_config(config: &ClientConfig) -> Result<String> {
    serde_json::to_string(config).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A client's answer as the store keeps it (`clients.wire`, migration 0011).
pub(super) fn encode_wire(record: &ClientRecord) -> Result<String> {
    wire_text(record).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Gives the store type `$Store` of the backend module it is invoked in every
/// shared statement, one child module per resource.
///
/// The backend module provides: the fields `read` and `write` (its pools),
/// `type Db` (its `sqlx::Database`), `type WriteTx` (its write transaction:
/// an executor through `&mut *tx`, with `commit`), `const LOCK_CLIENT` and
/// `const LOCK_USER` (how a write transaction reads a client or a user it
/// will change), `const LOCK_STORED_KEYS` (the same for the stored private
/// keys), and the methods `after_key_rewrite`, `begin_write`, `list_exec`
/// (how the list engine runs statements) and `explain`.
macro_rules! impl_shared {
    ($Store:ident) => {
        $crate::store::audit::impl_audit!($Store);
        $crate::store::webhooks::impl_webhooks!($Store);
        $crate::store::clients::impl_client_reads!($Store);
        $crate::store::client_writes::impl_client_writes!($Store);
        $crate::store::secrets::impl_secrets!($Store);
        $crate::store::listing::impl_listing!($Store);
        $crate::store::tokens::impl_tokens!($Store);
        $crate::store::liveness::impl_liveness!($Store);
        $crate::store::stored_keys::impl_stored_keys!($Store);
        $crate::store::maintenance::impl_maintenance!($Store);
        $crate::store::server_secrets::impl_server_secrets!($Store);
        $crate::store::users::impl_users!($Store);
        $crate::store::signin::impl_signin!($Store);
        $crate::store::signin_grants::impl_signin_grants!($Store);

        impl $Store {
            pub(crate) async fn ping(&self) -> $crate::store::Result<()> {
                sqlx::query($crate::store::shared::PING)
                    .execute(&self.read)
                    .await?;
                Ok(())
            }

            pub(crate) async fn close(&self) {
                self.read.close().await;
                self.write.close().await;
            }
        }
    };
}

pub(super) use impl_shared;
