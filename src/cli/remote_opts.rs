//! The options every client command takes (`--profile`, `--output`), and
//! the signed-in session and output format they name.

use super::output::OutputFormat;
use crate::client::Error;
use crate::client::profile::{DEFAULT_PROFILE, ProfileStore};
use crate::client::session::Session;
use clap::Args;

/// Options of every client command (also accepted after its subcommands).
#[derive(Debug, Clone, Args)]
pub struct RemoteOpts {
    /// Profile to use: one per server or identity, kept side by side.
    #[arg(long, global = true, env = "REGISTRAR_PROFILE", default_value = DEFAULT_PROFILE)]
    pub profile: String,
    /// Output format [default: table on a terminal, else json].
    #[arg(long, short, global = true, value_enum)]
    pub output: Option<OutputFormat>,
}

impl RemoteOpts {
    pub fn format(&self) -> OutputFormat {
        super::output::resolve(self.output)
    }

    /// The signed-in profile.
    pub fn session(&self) -> Result<Session, Error> {
        Session::open(ProfileStore::from_env()?, &self.profile)
    }
}
