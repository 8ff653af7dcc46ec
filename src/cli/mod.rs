//! Subcommands: one function each.

pub mod keys;
mod serve;
pub mod tenant;

use crate::config::{Cli, Command, KeysCommand, LogFormat, TenantCommand};
use std::process::ExitCode;

/// Logs go to stderr (stdout belongs to command output such as `tenant create`).
fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
    };
}

pub fn run(cli: Cli) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Serve(args) => {
            init_logging(args.log_format);
            runtime.block_on(serve::serve(args))
        }
        Command::Tenant(TenantCommand::Create { name, db }) => {
            init_logging(LogFormat::Text);
            runtime.block_on(tenant::create(&name, &db))
        }
        Command::Keys(cmd) => {
            init_logging(LogFormat::Text);
            match cmd {
                KeysCommand::Rotate { activate_in, db } => {
                    runtime.block_on(keys::rotate(activate_in, &db))
                }
                KeysCommand::List { db } => runtime.block_on(keys::list(&db)),
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
