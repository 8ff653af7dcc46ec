//! The command-line client's commands (contract §11): `login`, `logout`,
//! `clients`, `users`, `audits` against any Registrar server over HTTP, and
//! `completions`. They run on a runtime of their own, log nothing, and
//! exit 0 on success, 1 on an API error, 2 on a usage error and 3 when the
//! server cannot be reached.

use super::{audits, clients, completions, login, users};
use crate::client::Error;
use clap::Subcommand;
use std::process::ExitCode;

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
        // Run by `cli::run` before the client commands, with the whole
        // command line's clap command.
        RemoteCommand::Completions(_) => Ok(()),
    }
}
