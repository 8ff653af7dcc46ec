//! The command line: its clap types (`args.rs`) and one function per
//! subcommand.

pub mod args;
mod audit_export;
mod audits;
mod clients;
mod completions;
mod crud;
pub mod db_args;
mod input;
pub mod keys;
mod login;
mod output;
mod patch;
pub mod remote;
mod remote_opts;
mod serve;
mod signin;
pub mod tenant;
pub mod user;
mod users;
pub mod webhook;

use crate::cli::args::{
    Cli, Command, KeysCommand, LogFormat, TenantCommand, UserCommand, WebhookCommand,
};
use crate::cli::audits::{AuditsArgs, AuditsCommand, ExportArgs};
use crate::cli::remote::RemoteCommand;
use clap::CommandFactory as _;
use std::process::ExitCode;

/// Target of the ready line `serve` logs once it listens.
pub const READY_TARGET: &str = "registrar::ready";
const READY_DIRECTIVE: &str = "registrar::ready=info";

/// Logs go to stderr (stdout belongs to command output such as `tenant create`).
fn init_logging(format: LogFormat) {
    let mut filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // The ready line is part of the CLI contract (`listening on
    // http://ADDR`), so no RUST_LOG setting may silence it.
    if let Ok(ready) = READY_DIRECTIVE.parse() {
        filter = filter.add_directive(ready);
    }
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(crate::ops::log_output::LogOutput)
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

/// A command that runs in this process on the database (not a client of
/// a server).
enum Local {
    Command(Command),
    AuditExport(ExportArgs),
}

pub fn run(cli: Cli) -> ExitCode {
    let local = match cli.command {
        // `audits export` reads the database, like `tenant create`, though
        // its options sit under the client's `audits` command.
        Command::Remote(RemoteCommand::Audits(AuditsArgs {
            command: AuditsCommand::Export(args),
            ..
        })) => Local::AuditExport(args),
        Command::Remote(RemoteCommand::Completions(args)) => {
            return completions::run(&args, Cli::command());
        }
        Command::Remote(remote) => return remote::run(remote),
        other => Local::Command(other),
    };
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
    let result = match local {
        Local::AuditExport(args) => {
            init_logging(LogFormat::Text);
            runtime.block_on(audit_export::run(&args))
        }
        Local::Command(command) => run_local(&runtime, command),
    };
    crate::ops::log_output::flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_local(runtime: &tokio::runtime::Runtime, command: Command) -> anyhow::Result<()> {
    if let Command::Serve(args) = command {
        init_logging(args.log_format);
        crate::ops::log_output::set_json(args.log_format == LogFormat::Json);
        return runtime.block_on(serve::run(args));
    }
    init_logging(LogFormat::Text);
    match command {
        Command::Tenant(cmd) => run_tenant(runtime, cmd),
        Command::User(UserCommand::Create {
            tenant,
            email,
            name,
            admin,
            db,
        }) => {
            let new = user::NewUserArgs {
                tenant: &tenant,
                email: &email,
                name: &name,
                admin,
            };
            runtime.block_on(user::create(new, &db))
        }
        Command::Keys(cmd) => run_keys(runtime, cmd),
        Command::Serve(_) | Command::Remote(_) => Ok(()),
    }
}

fn run_tenant(runtime: &tokio::runtime::Runtime, command: TenantCommand) -> anyhow::Result<()> {
    match command {
        TenantCommand::Create {
            name,
            public_url,
            db,
        } => runtime.block_on(tenant::create(&name, &public_url, &db)),
        TenantCommand::Webhook(WebhookCommand::Set {
            tenant_id,
            url,
            secret_stdin,
            allow_loopback_webhooks,
            db,
        }) => runtime.block_on(webhook::set(
            &tenant_id,
            &url,
            secret_stdin,
            allow_loopback_webhooks,
            &db,
        )),
        TenantCommand::Webhook(WebhookCommand::Unset { tenant_id, db }) => {
            runtime.block_on(webhook::unset(&tenant_id, &db))
        }
    }
}

fn run_keys(runtime: &tokio::runtime::Runtime, command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Rotate { activate_in, db } => runtime.block_on(keys::rotate(activate_in, &db)),
        KeysCommand::List { db } => runtime.block_on(keys::list(&db)),
        KeysCommand::Rewrap {
            new_key_encryption_key_file,
            db,
        } => runtime.block_on(keys::rewrap(new_key_encryption_key_file.as_deref(), &db)),
        KeysCommand::GenerateKek => keys::generate_kek(),
    }
}
