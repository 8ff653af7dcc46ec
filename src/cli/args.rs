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
    /// Create a tenant and its first admin client; prints
    /// {"tenantId","clientId","clientSecret"} as one JSON object on stdout.
    Create {
        /// Display name of the tenant.
        name: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// The tenant's webhook: the URL its audit events are delivered to.
    #[command(subcommand)]
    Webhook(WebhookCommand),
}

const WEBHOOK_EXAMPLES: &str = "\
Examples:
  registrar tenant webhook set TENANT_ID https://hooks.example.com/registrar
  echo \"$WHSEC\" | registrar tenant webhook set TENANT_ID https://hooks.example.com/registrar --secret-stdin
  registrar tenant webhook unset TENANT_ID";

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Deliver the tenant's audit events to URL (one URL per tenant; this
    /// replaces any other), signed as Standard Webhooks specifies. Without
    /// --secret-stdin a secret is generated and printed once. Prints
    /// {"tenantId","url","secret"?} as one JSON object on stdout.
    #[command(after_help = WEBHOOK_EXAMPLES)]
    Set {
        tenant_id: String,
        /// An http or https URL of a public host.
        url: String,
        /// Read the signing secret (whsec_ + base64 of 24 to 64 bytes) from
        /// the first line of stdin.
        #[arg(long)]
        secret_stdin: bool,
        /// Accept a loopback or private address (for tests and receivers on
        /// the same machine; `serve` needs the same option to deliver there).
        #[arg(long)]
        allow_loopback_webhooks: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Stop delivering the tenant's events; undelivered ones are dropped.
    #[command(after_help = WEBHOOK_EXAMPLES)]
    Unset {
        tenant_id: String,
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
    /// Days audit events are kept (fractions allowed); 0 keeps them forever.
    #[arg(long, env = "REGISTRAR_AUDIT_RETENTION_DAYS", default_value_t = crate::audit::DEFAULT_RETENTION_DAYS, value_parser = parse_retention_days)]
    pub audit_retention_days: f64,
    /// Deliver webhooks to loopback and private addresses too (for tests and
    /// receivers on the same machine or network).
    #[arg(long, env = "REGISTRAR_ALLOW_LOOPBACK_WEBHOOKS")]
    pub allow_loopback_webhooks: bool,
}

/// `--audit-retention-days`: a number of days from 0 to 100 years.
fn parse_retention_days(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(d) if (0.0..=36_500.0).contains(&d) => Ok(d),
        _ => Err("must be a number of days from 0 to 36500 (0 keeps events forever)".into()),
    }
}

impl ServeArgs {
    /// The audit log's settings these options describe.
    pub fn audit(&self) -> crate::audit::AuditSettings {
        crate::audit::AuditSettings {
            retention: crate::audit::retention_from_days(self.audit_retention_days),
            allow_internal_webhooks: self.allow_loopback_webhooks,
            ..Default::default()
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
