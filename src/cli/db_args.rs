//! The database options every command that touches the store takes
//! (`--database-url`, the pool, the key-encryption key), and the reading of
//! a key-encryption key from a file or the environment.

use crate::domain::key_wrap::Kek;
use anyhow::Context as _;
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Environment variable holding the key-encryption key itself (base64), as
/// an alternative to `--key-encryption-key-file`.
pub const KEK_ENV: &str = "REGISTRAR_KEY_ENCRYPTION_KEY";
/// The same for the new key of `keys rewrap`.
pub const NEW_KEK_ENV: &str = "REGISTRAR_NEW_KEY_ENCRYPTION_KEY";

/// Options of every command that touches the store.
#[derive(Clone, Args)]
pub struct DbArgs {
    /// Database: sqlite://PATH or postgres://USER:PASS@HOST/DB. Migrations run on start.
    #[arg(
        long,
        env = "REGISTRAR_DATABASE_URL",
        default_value = "sqlite://registrar.db"
    )]
    pub database_url: String,
    /// Most database connections per process.
    #[arg(long, env = "REGISTRAR_DB_MAX_CONNECTIONS", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_max_connections: u32,
    /// Seconds to wait for a free database connection before answering 503.
    #[arg(long, env = "REGISTRAR_DB_ACQUIRE_TIMEOUT", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub db_acquire_timeout: u64,
    /// PostgreSQL only: seconds a statement may run (or wait for a lock)
    /// before it is cut and the request answered 503; 0 keeps the server's
    /// statement_timeout.
    #[arg(long, env = "REGISTRAR_DB_STATEMENT_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub db_statement_timeout: u64,
    /// SQLite only: open a database file (or its -wal/-shm) that its group or
    /// other users may read. Without it such a file is refused: it holds
    /// the server's keys. New files are always created with mode 0600.
    #[arg(long, env = "REGISTRAR_ALLOW_SHARED_DB_FILE")]
    pub allow_shared_db_file: bool,
    /// File holding the key-encryption key (32 random bytes, base64; make one
    /// with `registrar keys generate-kek`) under which private signing keys
    /// and the cursor key are stored. REGISTRAR_KEY_ENCRYPTION_KEY may hold
    /// the key itself instead. Without either, keys are stored in plain and
    /// `serve` warns.
    #[arg(long, env = "REGISTRAR_KEY_ENCRYPTION_KEY_FILE")]
    pub key_encryption_key_file: Option<PathBuf>,
}

/// Never the password of the database URL.
impl std::fmt::Debug for DbArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbArgs")
            .field(
                "database_url",
                &crate::store::redact_url(&self.database_url),
            )
            .field("db_max_connections", &self.db_max_connections)
            .field("db_acquire_timeout", &self.db_acquire_timeout)
            .field("db_statement_timeout", &self.db_statement_timeout)
            .field("allow_shared_db_file", &self.allow_shared_db_file)
            .field("key_encryption_key_file", &self.key_encryption_key_file)
            .finish()
    }
}

/// The key-encryption key named by a file option or, failing that, held by
/// the environment variable `env`; `None` when neither is set.
pub fn read_kek(file: Option<&Path>, env: &str) -> anyhow::Result<Option<Kek>> {
    let from_env = std::env::var(env).ok().filter(|v| !v.trim().is_empty());
    let text = match (file, from_env) {
        (Some(_), Some(_)) => {
            anyhow::bail!("give the key-encryption key either in a file or in {env}, not both")
        }
        (Some(path), None) => std::fs::read_to_string(path).with_context(|| {
            format!("cannot read the key-encryption key file {}", path.display())
        })?,
        (None, Some(text)) => text,
        (None, None) => return Ok(None),
    };
    let kek = Kek::parse(&text).with_context(|| match file {
        Some(path) => format!("the key-encryption key file {}", path.display()),
        None => format!("the key-encryption key in {env}"),
    })?;
    Ok(Some(kek))
}

impl DbArgs {
    pub fn pool(&self) -> crate::store::PoolSettings {
        crate::store::PoolSettings {
            max_connections: self.db_max_connections,
            acquire_timeout: Duration::from_secs(self.db_acquire_timeout),
            statement_timeout: (self.db_statement_timeout > 0)
                .then(|| Duration::from_secs(self.db_statement_timeout)),
            allow_shared_db_file: self.allow_shared_db_file,
        }
    }

    /// The key-encryption key these options name, if any.
    pub fn kek(&self) -> anyhow::Result<Option<Kek>> {
        read_kek(self.key_encryption_key_file.as_deref(), KEK_ENV)
    }
}
