//! Command-line options; every `serve` option can also come from the
//! environment variable named in its help.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(name = "registrar", version, about = "Multi-tenant OAuth 2.0 client registry and token service", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (management API and token service).
    Serve(ServeArgs),
    /// Manage tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage a tenant's users directly on the database.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage the access-token signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    // The command-line client (src/cli/remote.rs): login, logout, clients,
    // users, audits, completions.
    #[command(flatten)]
    Remote(crate::cli::remote::RemoteCommand),
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Add a new ES256 signing key. It is published in the JWKS at once and
    /// signs new access tokens from --activate-in seconds on; running servers
    /// pick it up without a restart. Old keys stay published until every token
    /// they signed has expired. Prints the new key as JSON on stdout.
    Rotate {
        /// Seconds until the new key signs. The default lets every instance
        /// sharing the database learn the key first; 0 suits a single instance.
        #[arg(long, default_value_t = crate::domain::signing_keys::DEFAULT_ACTIVATION_DELAY_SECS, value_parser = clap::value_parser!(i64).range(0..=86_400))]
        activate_in: i64,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List the signing keys and their status (pending, signing, retired,
    /// expired) as a JSON array on stdout.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant, its first admin client and its web console client;
    /// prints {"tenantId","clientId","clientSecret","consoleUrl"} as one JSON
    /// object on stdout.
    Create {
        /// Display name of the tenant.
        name: String,
        /// The server's public URL, as `serve` uses it: the console's redirect
        /// URI is this URL + /console/, its allowed origin this URL's origin.
        #[arg(
            long,
            env = "REGISTRAR_PUBLIC_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        public_url: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user of a tenant. Reads the password from stdin (one line,
    /// at least 12 characters); prints the user as one JSON object on stdout
    /// (never the password).
    Create {
        /// The id of the tenant (as printed by `tenant create`).
        #[arg(long)]
        tenant: String,
        /// The user's email, unique in the tenant (compared case-insensitively).
        #[arg(long)]
        email: String,
        /// The user's display name.
        #[arg(long)]
        name: String,
        /// Give the user the TenantAdmin role.
        #[arg(long)]
        admin: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Options of every command that touches the store.
#[derive(Debug, Clone, Args)]
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
}

impl DbArgs {
    pub fn pool(&self) -> crate::store::PoolSettings {
        crate::store::PoolSettings {
            max_connections: self.db_max_connections,
            acquire_timeout: Duration::from_secs(self.db_acquire_timeout),
            statement_timeout: (self.db_statement_timeout > 0)
                .then(|| Duration::from_secs(self.db_statement_timeout)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to bind; port 0 picks a free port.
    #[arg(long, env = "REGISTRAR_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    #[command(flatten)]
    pub db: DbArgs,
    /// Base of absolute links and of the token issuer (default: http:// + the bound address).
    #[arg(long, env = "REGISTRAR_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Tier 1 (GET) requests per minute per caller; 0 disables.
    #[arg(long, env = "REGISTRAR_RATE_LIMIT_TIER1", default_value_t = 1000)]
    pub rate_limit_tier1: u32,
    /// Tier 2 (other methods) requests per minute per caller; 0 disables.
    #[arg(long, env = "REGISTRAR_RATE_LIMIT_TIER2", default_value_t = 100)]
    pub rate_limit_tier2: u32,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(long, env = "REGISTRAR_TOKEN_TTL", default_value_t = 21600, value_parser = clap::value_parser!(i64).range(1..=31_536_000))]
    pub token_ttl: i64,
    /// Log format on stderr; with json every line is one JSON object.
    #[arg(long, env = "REGISTRAR_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Most HTTP connections served at once; more wait in the listen backlog.
    #[arg(long, env = "REGISTRAR_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,
    /// Seconds a request may take before it is answered 503.
    #[arg(long, env = "REGISTRAR_REQUEST_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout: u64,
    /// Seconds without use after which a sign-in session ends.
    #[arg(long, env = "REGISTRAR_SESSION_IDLE", default_value_t = 3600, value_parser = clap::value_parser!(i64).range(1..=31_536_000))]
    pub session_idle: i64,
    /// Seconds after sign-in after which a session ends, used or not.
    #[arg(long, env = "REGISTRAR_SESSION_MAX", default_value_t = 28_800, value_parser = clap::value_parser!(i64).range(1..=31_536_000))]
    pub session_max: i64,
}

impl ServeArgs {
    /// The lifetimes of sign-in sessions.
    pub fn sessions(&self) -> crate::domain::session::SessionLifetimes {
        crate::domain::session::SessionLifetimes {
            idle_secs: self.session_idle,
            max_secs: self.session_max,
        }
    }

    /// The operational settings these options describe.
    pub fn ops(&self) -> crate::ops::OpsConfig {
        crate::ops::OpsConfig {
            rate_limit_tier1: self.rate_limit_tier1,
            rate_limit_tier2: self.rate_limit_tier2,
            limits: crate::ops::limits::ServerLimits {
                max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
                request_timeout: Duration::from_secs(self.request_timeout),
                ..Default::default()
            },
        }
    }
}
