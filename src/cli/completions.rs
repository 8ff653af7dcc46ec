//! `registrar completions bash|zsh|fish`: clap's completion scripts.

use clap::Args;
use std::process::ExitCode;

pub const EXAMPLES: &str = "\
Examples:
  registrar completions bash > ~/.local/share/bash-completion/completions/registrar
  registrar completions zsh > \"${fpath[1]}/_registrar\"
  registrar completions fish > ~/.config/fish/completions/registrar.fish";

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Prints the script completing `command` (the whole command line's, as
/// `Cli::command()` builds it).
pub fn run(args: &CompletionsArgs, mut command: clap::Command) -> ExitCode {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "registrar", &mut script);
    super::output::out(&String::from_utf8_lossy(&script));
    ExitCode::SUCCESS
}
