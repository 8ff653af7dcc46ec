//! Persistence. The rest of the program sees one type, [`Store`], picked once
//! from the database URL's scheme; only this module contains SQL.
//!
//! Both backends run the same statements (`queries.rs`, instantiated once per
//! backend by a macro); `sqlite.rs` and `postgres.rs` hold what differs:
//! connecting, pragmas, migrations and how a write transaction begins.

mod filter_sql;
mod group_commit;
mod list_plan;
mod list_sql;
mod postgres;
mod queries;
mod signin;
mod signin_queries;
mod sqlite;
mod sqlite_reads;
mod token_queries;
mod user_queries;

use crate::domain::ValidationError;
use crate::domain::client::ClientConfig;
use crate::domain::client_record::{AuthClient, ClientRecord, NewClient, SecretInfo};
use crate::domain::ids::{ClientId, TenantId};
use crate::domain::list_query::{ListPage, ListQuery};
use crate::domain::patch_plan::PatchPlan;
use crate::domain::signing_keys::StoredSigningKey;
use crate::domain::time::Timestamp;
use crate::domain::user::{NewUser, SignInUser, User, UserChange, UserId, UserKey};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("client not found")]
    NotFound,
    #[error("secret not found")]
    SecretNotFound,
    #[error("the client does not support client secrets")]
    SecretsNotSupported,
    #[error("the client already has the maximum number of secrets")]
    SecretLimit,
    #[error("user not found")]
    UserNotFound,
    /// Another user of the tenant has this email (case-insensitively).
    #[error("the email is taken in the tenant")]
    EmailTaken,
    /// Another user of the tenant has this subject.
    #[error("the subject is taken in the tenant")]
    SubjectTaken,
    #[error("tenant not found")]
    TenantNotFound,
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The database could not be reached (pool timeout, I/O): a 503.
    #[error("database unavailable: {0}")]
    Unavailable(DbError),
    #[error("database error: {0}")]
    Db(DbError),
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

/// A client's stored configuration (the `config` column), as every read of
/// a client decodes it.
pub(crate) fn decode_config(json: &str) -> Result<ClientConfig> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("client config: {e}")))
}

/// A database driver's error (sqlx's, or rusqlite's for in-thread reads).
pub type DbError = Box<dyn std::error::Error + Send + Sync>;

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => StoreError::Unavailable(Box::new(e)),
            sqlx::Error::Database(ref d) if is_transient(&d.code().unwrap_or_default()) => {
                StoreError::Unavailable(Box::new(e))
            }
            other => StoreError::Db(Box::new(other)),
        }
    }
}

/// Database errors that mean "try again later" (a 503 with `Retry-After`)
/// rather than a fault of this program (a 500).
///
/// SQLite: busy or locked after the busy timeout (5, 6, 261, 517, 773).
/// PostgreSQL, by SQLSTATE: connection exceptions (class 08); insufficient
/// resources such as too many connections (class 53); the server shutting
/// down, restarting or not yet accepting connections (57P01 to 57P05);
/// `statement_timeout` or `lock_timeout` cutting a statement (57014, 55P03);
/// and the serialization failures and deadlocks a retry resolves (40001,
/// 40P01), which PostgreSQL-compatible distributed databases raise under
/// contention.
fn is_transient(code: &str) -> bool {
    const SQLITE_BUSY_OR_LOCKED: [&str; 5] = ["5", "6", "261", "517", "773"];
    const SQLSTATES: [&str; 4] = ["57014", "55P03", "40001", "40P01"];
    const SQLSTATE_CLASSES: [&str; 3] = ["08", "53", "57P0"];
    SQLITE_BUSY_OR_LOCKED.contains(&code)
        || SQLSTATES.contains(&code)
        // SQLSTATEs have five characters; SQLite's numeric codes have at
        // most four digits, so a class prefix never matches one of them.
        || (code.len() == 5 && SQLSTATE_CLASSES.iter().any(|c| code.starts_with(c)))
}

#[cfg(test)]
mod tests {
    use super::is_transient;

    #[test]
    fn retryable_database_errors_are_transient_and_faults_are_not() {
        let transient = [
            "5", "6", "261", "517", "773", "08006", "08001", "53300", "53100", "57P01", "57P03",
            "57014", "55P03", "40001", "40P01",
        ];
        for code in transient {
            assert!(is_transient(code), "{code} is worth a retry (503)");
        }
        // Constraint violations, syntax errors, missing tables, SQLite's
        // constraint and corruption codes: faults of the program (500).
        let faults = [
            "23505", "23503", "42601", "42P01", "22021", "1555", "2067", "11", "",
        ];
        for code in faults {
            assert!(!is_transient(code), "{code} is not transient");
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

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
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Some(Duration::from_secs(30)),
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
    // A hot read SQLite serves in-thread (`sqlite_reads.rs`).
    ($self:ident . $method:ident ( $($arg:expr),* ) or in_thread $fast:ident) => {
        match $self {
            Store::Sqlite(s) => s.$fast($($arg),*).await,
            Store::Postgres(s) => s.$method($($arg),*).await,
        }
    };
}

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

    pub async fn ping(&self) -> Result<()> {
        dispatch!(self.ping() or in_thread ping_in_thread)
    }

    pub async fn close(&self) {
        dispatch!(self.close())
    }

    pub async fn create_tenant(
        &self,
        tenant: &TenantId,
        name: &str,
        admin: NewClient<'_>,
    ) -> Result<()> {
        dispatch!(self.create_tenant(tenant, name, admin))
    }

    pub async fn insert_client(&self, tenant: &TenantId, client: NewClient<'_>) -> Result<()> {
        dispatch!(self.insert_client(tenant, client))
    }

    pub async fn find_client(
        &self,
        tenant: &TenantId,
        id: &ClientId,
    ) -> Result<Option<ClientRecord>> {
        dispatch!(self.find_client(tenant, id) or in_thread find_client_in_thread)
    }

    pub async fn list_clients(&self, q: &ListQuery<'_>) -> Result<ListPage> {
        dispatch!(self.list_clients(q))
    }

    /// Diagnostics: the database's plan for each statement `list_clients`
    /// runs for `q`, labelled by its role (used by `bench/list.sh`).
    pub async fn explain_list(&self, q: &ListQuery<'_>) -> Result<Vec<(String, Vec<String>)>> {
        dispatch!(self.explain_list(q))
    }

    /// Reads the client, lets `plan` decide the change, and writes it, all in
    /// one transaction that holds the client's row.
    pub async fn update_client<F>(
        &self,
        tenant: &TenantId,
        id: &ClientId,
        by: &str,
        now: Timestamp,
        plan: F,
    ) -> Result<PatchPlan>
    where
        F: FnOnce(&ClientRecord) -> Result<PatchPlan, ValidationError> + Send,
    {
        dispatch!(self.update_client(tenant, id, by, now, plan))
    }

    pub async fn delete_client(
        &self,
        tenant: &TenantId,
        id: &ClientId,
        now: Timestamp,
    ) -> Result<()> {
        dispatch!(self.delete_client(tenant, id, now))
    }

    /// Adds a secret unless the client is missing (`NotFound`), does not
    /// support secrets, or already has the maximum (`SecretLimit`).
    pub async fn add_secret(
        &self,
        tenant: &TenantId,
        id: &ClientId,
        created_by: &str,
        now: Timestamp,
    ) -> Result<(SecretInfo, String)> {
        dispatch!(self.add_secret(tenant, id, created_by, now))
    }

    pub async fn delete_secret(
        &self,
        tenant: &TenantId,
        id: &ClientId,
        hint: &str,
        now: Timestamp,
    ) -> Result<()> {
        dispatch!(self.delete_secret(tenant, id, hint, now))
    }

    /// Finds a live client by id across tenants, for client authentication.
    pub async fn find_auth_client(&self, id: &ClientId) -> Result<Option<AuthClient>> {
        dispatch!(self.find_auth_client(id) or in_thread find_auth_client_in_thread)
    }

    /// Whether the client a token was issued to still exists in its tenant.
    pub async fn client_exists(&self, tenant: &TenantId, id: &ClientId) -> Result<bool> {
        dispatch!(self.client_exists(tenant, id))
    }

    pub async fn signing_keys(&self) -> Result<Vec<StoredSigningKey>> {
        dispatch!(self.signing_keys())
    }

    pub async fn insert_signing_key(&self, key: &StoredSigningKey) -> Result<()> {
        dispatch!(self.insert_signing_key(key))
    }

    /// Inserts `key` only if the store has no signing key yet, and says
    /// whether it did. Instances starting together on an empty database are
    /// serialised here, so exactly one first key is made and all use it.
    pub async fn insert_first_signing_key(&self, key: &StoredSigningKey) -> Result<bool> {
        dispatch!(self.insert_first_signing_key(key))
    }

    /// Records that an instance signs with `kid` using tokens of `ttl`
    /// seconds, so the key stays published long enough (only ever raises it).
    pub async fn raise_key_token_ttl(&self, kid: &str, ttl: i64) -> Result<()> {
        dispatch!(self.raise_key_token_ttl(kid, ttl))
    }

    pub async fn delete_signing_key(&self, kid: &str) -> Result<()> {
        dispatch!(self.delete_signing_key(kid))
    }

    /// Takes a client assertion's `jti` until `keep_until`; `false` when it
    /// was already taken and has not expired (a replay), on any instance.
    /// Also prunes the tenant's expired `jti`s.
    pub async fn use_assertion_jti(
        &self,
        tenant: &TenantId,
        client: &ClientId,
        jti: &str,
        keep_until: Timestamp,
        now: Timestamp,
    ) -> Result<bool> {
        dispatch!(self.use_assertion_jti(tenant, client, jti, keep_until, now))
    }

    /// Records an access token as revoked until `keep_until` (idempotent);
    /// also prunes the tenant's revocations of expired tokens.
    pub async fn revoke_token(
        &self,
        tenant: &TenantId,
        client: &ClientId,
        jti: &str,
        keep_until: Timestamp,
        now: Timestamp,
    ) -> Result<()> {
        dispatch!(self.revoke_token(tenant, client, jti, keep_until, now))
    }

    /// Whether an access token (already verified) may still be used: its
    /// client exists in its tenant and the token was not revoked. One query.
    pub async fn is_token_active(
        &self,
        tenant: &TenantId,
        client: &ClientId,
        jti: &str,
    ) -> Result<bool> {
        dispatch!(self.is_token_active(tenant, client, jti) or in_thread is_token_active_in_thread)
    }

    /// Inserts a user; `EmailTaken` or `SubjectTaken` when the unique index
    /// of the email or subject refuses it, `TenantNotFound` for an unknown
    /// tenant.
    pub async fn insert_user(&self, tenant: &TenantId, user: NewUser<'_>) -> Result<()> {
        dispatch!(self.insert_user(tenant, user))
    }

    pub async fn find_user(&self, tenant: &TenantId, id: &UserId) -> Result<Option<User>> {
        dispatch!(self.find_user(tenant, id))
    }

    /// A user of the tenant by id, subject or email (case-insensitively),
    /// with its password hash, for sign-in and impersonation.
    pub async fn find_sign_in_user(
        &self,
        tenant: &TenantId,
        key: UserKey<'_>,
    ) -> Result<Option<SignInUser>> {
        dispatch!(self.find_sign_in_user(tenant, key))
    }

    /// Reads the user, lets `plan` decide the change, and writes it, all in
    /// one transaction that holds the user's row; `EmailTaken` when the new
    /// email belongs to another user.
    pub async fn update_user<F>(&self, tenant: &TenantId, id: &UserId, plan: F) -> Result<User>
    where
        F: FnOnce(&User) -> Result<UserChange, ValidationError> + Send,
    {
        dispatch!(self.update_user(tenant, id, plan))
    }

    /// Whether the user a token was issued for still exists in its tenant
    /// and is active (a user token's liveness, contract §7).
    pub async fn is_user_active(&self, tenant: &TenantId, id: &UserId) -> Result<bool> {
        dispatch!(self.is_user_active(tenant, id) or in_thread is_user_active_in_thread)
    }

    pub async fn delete_user(&self, tenant: &TenantId, id: &UserId) -> Result<()> {
        dispatch!(self.delete_user(tenant, id))
    }

    /// Returns the named server secret, creating it from `fresh` if no
    /// instance has yet; every instance then reads the same value.
    pub async fn server_secret(
        &self,
        name: &str,
        fresh: Vec<u8>,
        now: Timestamp,
    ) -> Result<Vec<u8>> {
        dispatch!(self.server_secret(name, fresh, now))
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
