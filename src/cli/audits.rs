//! `registrar audits ls`: the signed-in tenant's audit log
//! (`/api/core/audits`, contract §10), CloudEvents as the API returns them.
//! `registrar audits export` reads the database instead, with no server
//! (`audit_export.rs` runs it; its options are here so both share one
//! `audits` command).

use super::crud::{self, ListArgs};
use super::db_args::DbArgs;
use super::output::Column;
use super::remote_opts::RemoteOpts;
use crate::client::Error;
use crate::client::resource::AUDITS;
use crate::domain::time::Timestamp;
use clap::{Args, Subcommand};

pub const EXAMPLES: &str = "\
Examples:
  registrar audits ls
  registrar audits ls --filter 'type sw \"com.registrar.oauth-client\" and subject eq \"CLIENT_ID\"'
  registrar audits ls --all --output json > audit.ndjson
  registrar audits export --since 2025-01-01T00:00:00Z --database-url sqlite://registrar.db";

const EXPORT_EXAMPLES: &str = "\
Examples:
  registrar audits export --since 2025-01-01T00:00:00Z > audit.ndjson
  registrar audits export --since 2025-06-01T00:00:00Z --tenant TENANT_ID \\
    --database-url postgres://registrar@db/registrar | jq -c 'select(.type | endswith(\".deleted\"))'";

#[derive(Debug, Args)]
pub struct AuditsArgs {
    #[command(flatten)]
    pub opts: RemoteOpts,
    #[command(subcommand)]
    pub command: AuditsCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuditsCommand {
    /// List events, newest first (one page, or every page with --all).
    #[command(
        after_help = "Examples:\n  registrar audits ls --filter 'actor.sub eq \"CLIENT_ID\"'\n  registrar audits ls --all --output json"
    )]
    Ls(ListArgs),
    /// Write events as newline-delimited CloudEvents to stdout, straight
    /// from the database (no server, no sign-in; the database options of
    /// `tenant create`).
    #[command(after_help = EXPORT_EXAMPLES)]
    Export(ExportArgs),
}

/// Options of `audits export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// Events at or after this instant (RFC 3339, e.g. 2025-01-01T00:00:00Z).
    #[arg(long, value_parser = parse_since)]
    pub since: Timestamp,
    /// Only this tenant's events (default: the server-wide events, then
    /// every tenant's).
    #[arg(long)]
    pub tenant: Option<String>,
    #[command(flatten)]
    pub db: DbArgs,
}

fn parse_since(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse_rfc3339(text)
        .ok_or_else(|| "must be an RFC 3339 timestamp such as 2025-01-01T00:00:00Z".to_owned())
}

const COLUMNS: [Column; 5] = [
    Column {
        header: "TIME",
        pointer: "/time",
    },
    Column {
        header: "TYPE",
        pointer: "/type",
    },
    Column {
        header: "SUBJECT",
        pointer: "/subject",
    },
    Column {
        header: "ACTOR",
        pointer: "/actor/sub",
    },
    Column {
        header: "TRACE",
        pointer: "/traceid",
    },
];

pub async fn run(args: AuditsArgs) -> Result<(), Error> {
    let format = args.opts.format();
    let mut session = args.opts.session()?;
    match args.command {
        AuditsCommand::Ls(list) => crud::list(&mut session, &AUDITS, &COLUMNS, &list, format).await,
        // Run by `cli::run` before the client commands (`audit_export.rs`).
        AuditsCommand::Export(_) => Err(Error::other("audits export runs without a server")),
    }
}
