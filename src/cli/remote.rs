//! The command-line client's commands (contract §11): `login`, `logout`,
//! `clients`, `users`, `audits` against any Registrar server over HTTP, and
//! `completions`. They run on a runtime of their own, log nothing, and
//! exit 0 on success, 1 on an API error, 2 on a usage error and 3 when the
//! server cannot be reached.

use super::output::OutputFormat;
use super::{audits, clients, completions, login, users};
use crate::client::Error;
use crate::client::profile::{DEFAULT_PROFILE, ProfileStore};
use crate::client::session::Session;
use clap::{Args, Subcommand};
use std::process::ExitCode;

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

#[derive(Debug, Subcommand)]
pub enum RemoteCommand {
    /// Sign in to a Registrar server and keep the tokens in a profile.
    #[command(long_about = login::LOGIN_ABOUT, after_help = login::LOGIN_EXAMPLES)]
    Login(Box<login::LoginArgs>),
    /// Revoke a profile's token and forget the profile.
    #[command(after_help = login::LOGOUT_EXAMPLES)]
    Logout(login::LogoutArgs),
    /// OAuth clients of the signed-in tenant (`registrar login` first).
    #[command(after_help = clients::EXAMPLES)]
    Clients(Box<clients::ClientsArgs>),
    /// Users of the signed-in tenant (`registrar login` first).
    #[command(after_help = users::EXAMPLES)]
    Users(Box<users::UsersArgs>),
    /// The signed-in tenant's audit log (`registrar login` first).
    #[command(after_help = audits::EXAMPLES)]
    Audits(audits::AuditsArgs),
    /// Print a shell completion script on stdout.
    #[command(after_help = completions::EXAMPLES)]
    Completions(completions::CompletionsArgs),
}

/// Runs a client command to its exit status.
pub fn run(command: RemoteCommand) -> ExitCode {
    if let RemoteCommand::Completions(args) = &command {
        return completions::run(args);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            super::output::note(&format!("error: cannot start the async runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            super::output::note(&format!("error: {e}"));
            ExitCode::from(e.exit_code())
        }
    }
}

async fn dispatch(command: RemoteCommand) -> Result<(), Error> {
    match command {
        RemoteCommand::Login(args) => login::login(*args).await,
        RemoteCommand::Logout(args) => login::logout(args).await,
        RemoteCommand::Clients(args) => clients::run(*args).await,
        RemoteCommand::Users(args) => users::run(*args).await,
        RemoteCommand::Audits(args) => audits::run(args).await,
        RemoteCommand::Completions(_) => Ok(()),
    }
}
