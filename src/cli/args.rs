//! Command-line options; every `serve` option can also come from the
//! environment variable named in its help.

use super::db_args::DbArgs;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
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
    /// Re-encrypt every stored private key (signing keys, cursor key) under a
    /// new key-encryption key, in one transaction: from none (plain keys) to
    /// one, or from the current one (--key-encryption-key-file) to another.
    /// Restart every server with the new key afterwards. Prints the new
    /// key's fingerprint as JSON on stdout.
    Rewrap {
        /// File holding the new key-encryption key (32 random bytes,
        /// base64). REGISTRAR_NEW_KEY_ENCRYPTION_KEY may hold the key itself
        /// instead.
        #[arg(long, env = "REGISTRAR_NEW_KEY_ENCRYPTION_KEY_FILE")]
        new_key_encryption_key_file: Option<PathBuf>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Print a new random key-encryption key (32 bytes, base64) on stdout,
    /// for --key-encryption-key-file or REGISTRAR_KEY_ENCRYPTION_KEY.
    GenerateKek,
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
    /// Seconds a request's whole body may take to arrive, counted from the
    /// end of its headers; a slower body is answered 408 and its connection
    /// closed.
    #[arg(long, env = "REGISTRAR_BODY_READ_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub body_read_timeout: u64,
    /// Seconds an idle keep-alive connection is kept open (shorter than the
    /// 10 s allowed for a request's headers).
    #[arg(long, env = "REGISTRAR_KEEP_ALIVE_TIMEOUT", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub keep_alive_timeout: u64,
    /// Most connections served at once for one remote address; further ones
    /// are closed at once. Behind a reverse proxy every connection comes from
    /// the proxy's address: keep this above the proxy's connection count.
    #[arg(long, env = "REGISTRAR_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections_per_address: u32,
    /// Failed client authentications and refused bearer tokens allowed per
    /// minute per remote address; beyond, that address gets 429 on the
    /// token service and the management API for a while. 0 disables.
    #[arg(
        long,
        env = "REGISTRAR_AUTH_FAILURES_PER_MINUTE",
        default_value_t = 100
    )]
    pub auth_failures_per_minute: u32,
    /// Most clients one tenant may have (409 beyond).
    #[arg(long, env = "REGISTRAR_MAX_CLIENTS_PER_TENANT", default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    pub max_clients_per_tenant: u64,
    /// Most expensive list queries (a filter with co, ew, ne, pr, not or or,
    /// or totalResults with a filter) one tenant may run at once; one more
    /// is answered 429. 0 disables.
    #[arg(
        long,
        env = "REGISTRAR_MAX_EXPENSIVE_LISTS_PER_TENANT",
        default_value_t = 4
    )]
    pub max_expensive_lists_per_tenant: u32,
    /// A second address that serves /metrics (and /health); the main
    /// listener then answers /metrics 404. Without it /metrics is on the
    /// main listener: block it at the reverse proxy.
    #[arg(long, env = "REGISTRAR_OPS_LISTEN")]
    pub ops_listen: Option<String>,
    /// Seconds without use after which a sign-in session ends.
    #[arg(long, env = "REGISTRAR_SESSION_IDLE", default_value_t = 3600, value_parser = clap::value_parser!(i64).range(1..=31_536_000))]
    pub session_idle: i64,
    /// Seconds after sign-in after which a session ends, used or not.
    #[arg(long, env = "REGISTRAR_SESSION_MAX", default_value_t = 28_800, value_parser = clap::value_parser!(i64).range(1..=31_536_000))]
    pub session_max: i64,
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
    /// The lifetimes of sign-in sessions.
    pub fn sessions(&self) -> crate::domain::session::SessionLifetimes {
        crate::domain::session::SessionLifetimes {
            idle_secs: self.session_idle,
            max_secs: self.session_max,
        }
    }

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
        let count = |n: u32| usize::try_from(n).unwrap_or(usize::MAX);
        crate::ops::OpsConfig {
            rate_limit_tier1: self.rate_limit_tier1,
            rate_limit_tier2: self.rate_limit_tier2,
            auth_failures_per_minute: self.auth_failures_per_minute,
            limits: crate::ops::limits::ServerLimits {
                max_connections: count(self.max_connections),
                max_connections_per_address: count(self.max_connections_per_address),
                request_timeout: Duration::from_secs(self.request_timeout),
                body_read_timeout: Duration::from_secs(self.body_read_timeout),
                keep_alive_timeout: Duration::from_secs(self.keep_alive_timeout),
                ..Default::default()
            },
            max_expensive_lists_per_tenant: count(self.max_expensive_lists_per_tenant),
            ..Default::default()
        }
    }
}
