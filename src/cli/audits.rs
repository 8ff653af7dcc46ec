//! `registrar audits ls`: the signed-in tenant's audit log
//! (`/api/core/audits`, contract §10), CloudEvents as the API returns them.

use super::crud::{self, ListArgs};
use super::output::Column;
use super::remote::RemoteOpts;
use crate::client::Error;
use crate::client::resource::AUDITS;
use clap::{Args, Subcommand};

pub const EXAMPLES: &str = "\
Examples:
  registrar audits ls
  registrar audits ls --filter 'type sw \"com.registrar.oauth-client\" and subject eq \"CLIENT_ID\"'
  registrar audits ls --all --output json > audit.ndjson";

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
    }
}
