//! The `registrar` binary: parses arguments and hands off to `cli`.

use clap::Parser;

fn main() -> std::process::ExitCode {
    registrar::cli::run(registrar::cli::args::Cli::parse())
}
