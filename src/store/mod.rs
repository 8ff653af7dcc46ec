//! Persistence. The rest of the program sees one type, [`Store`], picked once
//! from the database URL's scheme; only this module contains SQL.
//!
//! Both backends run the same statements: each resource's file (`clients.rs`,
//! `secrets.rs`, `listing.rs`, `tokens.rs`, `server_secrets.rs`, `users.rs`,
//! `signin.rs`, `audit.rs`, `webhooks.rs`) holds its SQL as named constants
//! and a small macro that runs them on one backend, instantiated for both by
//! `shared.rs`. `sqlite.rs` and `postgres.rs` hold what differs: connecting,
//! pragmas, migrations and how a write transaction begins. `Store`'s methods
//! are in `api_clients.rs`, `api_lists.rs`, `api_tokens.rs`, `api_users.rs`,
//! `api_signin.rs` and `api_audit.rs`.
//!
//! Lists are one engine for every resource: a resource describes its table
//! in [`ListTable`] and the columns of its filter attributes in
//! [`AttrColumn`] (`list_table.rs`; the clients' in `client_list.rs`, the
//! users' in `user_list.rs`).

mod api_audit;
mod api_clients;
mod api_lists;
mod api_signin;
mod api_tokens;
mod api_users;
mod audit;
mod audit_list;
mod client_list;
mod client_writes;
mod clients;
pub mod deadline;
mod error;
mod filter_sql;
mod group_commit;
mod list_exec;
mod list_plan;
mod list_plan_memo;
mod list_planner;
mod list_sql;
mod list_table;
mod list_trigrams;
mod listing;
mod liveness;
mod maintenance;
mod postgres;
mod secrets;
mod server_secrets;
mod shared;
mod signin;
mod signin_grants;
mod sqlite;
mod sqlite_checkpoint;
mod sqlite_events;
mod sqlite_file;
mod sqlite_in_thread;
mod sqlite_list;
mod sqlite_list_bounded;
mod sqlite_list_in_thread;
mod sqlite_pragmas;
mod sqlite_reads;
mod sqlite_reads_signin;
mod sqlite_writes_in_thread;
mod stored_keys;
mod tokens;
mod user_list;
mod users;
mod webhooks;

pub use audit::SERVER_TENANT;
pub use error::{DbError, StoreError};
pub use list_table::{AttrColumn, Column, DbRow, ListTable, SqlitePlanning, Trigrams};
pub use sqlite_pragmas::ConnectionPragmas;

use crate::domain::client::ClientConfig;
use std::time::Duration;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A client's stored configuration (the `config` column), as every read of
/// a client decodes it.
pub(crate) fn decode_config(json: &str) -> Result<ClientConfig> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("client config: {e}")))
}

/// Connection counts of one pool, for `/metrics`.
#[derive(Debug, Clone)]
pub struct PoolStats {
    pub name: &'static str,
    /// Open connections, idle or in use.
    pub size: u32,
    pub idle: usize,
    pub max: u32,
}

impl PoolStats {
    fn of<DB: sqlx::Database>(name: &'static str, pool: &sqlx::Pool<DB>) -> PoolStats {
        PoolStats {
            name,
            size: pool.size(),
            idle: pool.num_idle(),
            max: pool.options().get_max_connections(),
        }
    }
}

/// Connection settings shared by both backends.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    /// How long a request waits for a connection (and, on PostgreSQL, for
    /// the first connection at start) before giving up with a 503.
    pub acquire_timeout: Duration,
    /// PostgreSQL's `statement_timeout` for every connection; `None` leaves
    /// the server's setting. A statement cut by it answers 503.
    pub statement_timeout: Option<Duration>,
    /// SQLite: accept a database file its group or other users may read.
    pub allow_shared_db_file: bool,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Some(Duration::from_secs(30)),
            allow_shared_db_file: false,
        }
    }
}

/// The store: one enum over the two backends, so handlers never branch on it.
#[derive(Clone)]
pub enum Store {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PgStore),
}

/// Calls the same method on whichever backend this store is.
macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            Store::Sqlite(s) => s.$method($($arg),*).await,
            Store::Postgres(s) => s.$method($($arg),*).await,
        }
    };
    // A hot read SQLite serves in-thread (`sqlite_in_thread.rs`).
    ($self:ident . $method:ident ( $($arg:expr),* ) or in_thread $fast:ident) => {
        match $self {
            Store::Sqlite(s) => s.$fast($($arg),*).await,
            Store::Postgres(s) => s.$method($($arg),*).await,
        }
    };
}

use dispatch;

impl Store {
    /// Connects to `url` (`sqlite://PATH` or `postgres://…`) and runs migrations.
    pub async fn connect(url: &str, pool: &PoolSettings) -> anyhow::Result<Store> {
        if url.starts_with("sqlite:") {
            Ok(Store::Sqlite(
                sqlite::SqliteStore::connect(url, pool).await?,
            ))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Store::Postgres(
                postgres::PgStore::connect(url, pool).await?,
            ))
        } else {
            anyhow::bail!(
                "unsupported database URL scheme in `{}`: use sqlite://PATH or postgres://…",
                redact_url(url)
            )
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// Statistics of every connection pool of this store.
    pub fn pool_stats(&self) -> Vec<PoolStats> {
        match self {
            Store::Sqlite(s) => s.pool_stats(),
            Store::Postgres(s) => s.pool_stats(),
        }
    }

    /// The durability settings of every connection this store holds or would
    /// open (SQLite: its read pool filled to its maximum, the writer, the
    /// checkpoint connection, the in-thread readers and a new one). Empty on
    /// PostgreSQL, where a commit's durability is the server's.
    pub async fn connection_pragmas(&self) -> Result<Vec<ConnectionPragmas>> {
        match self {
            Store::Sqlite(s) => s.connection_pragmas().await,
            Store::Postgres(_) => Ok(Vec::new()),
        }
    }

    pub async fn ping(&self) -> Result<()> {
        dispatch!(self.ping() or in_thread ping_in_thread)
    }

    pub async fn close(&self) {
        dispatch!(self.close())
    }
}

/// Hides the password of a database URL for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}
