//! The command-line client on a terminal, driven through a pseudo-terminal
//! (rexpect): the default table output, the confirmation before `rm`, the
//! progress line of `ls --all`, and the hidden prompt for a client secret.

use super::{Cli, id_of};
use crate::support::*;
use reqwest::StatusCode;
use rexpect::process::WaitStatus;
use rexpect::session::PtySession;

const TIMEOUT_MS: u64 = 30_000;

/// Runs `script` against `args` on a pseudo-terminal (on a blocking thread,
/// so the in-process server keeps serving) and returns the exit status.
async fn on_tty(
    cli: &Cli,
    args: &[&str],
    script: impl FnOnce(&mut PtySession) -> Result<(), rexpect::error::Error> + Send + 'static,
) -> i32 {
    let mut cmd = cli.command(args);
    cmd.env("TERM", "dumb");
    let shown = format!("{args:?}");
    tokio::task::spawn_blocking(move || {
        let mut session =
            rexpect::session::spawn_command(cmd, Some(TIMEOUT_MS)).expect("spawn on a pty");
        if let Err(e) = script(&mut session) {
            panic!("{shown}: {e}");
        }
        let rest = session.exp_eof().unwrap_or_default();
        match session.process().wait() {
            Ok(WaitStatus::Exited(_, code)) => code,
            other => panic!("{shown}: {other:?}; output: {rest}"),
        }
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn on_a_terminal_lists_are_tables_and_rm_asks_for_the_id_first() {
    let app = spawn_app().await;
    let cli = Cli::new();
    cli.login(&app, "default").await.ok();
    let c = app.web_client(&app.admin.token, "Billing service").await;
    let id = id_of(&c);

    let code = on_tty(&cli, &["clients", "ls"], |s| {
        s.exp_regex(r"CLIENT ID +NAME +TYPE +CREATED")?;
        s.exp_string("Billing service")?;
        Ok(())
    })
    .await;
    assert_eq!(code, 0);
    let code = on_tty(&cli, &["clients", "get", &id], |s| {
        s.exp_regex(r"FIELD +VALUE")?;
        s.exp_regex(r"clientName +Billing service")?;
        Ok(())
    })
    .await;
    assert_eq!(code, 0);

    // Any other answer keeps the client.
    let code = on_tty(&cli, &["clients", "rm", &id], |s| {
        s.exp_string("(Billing service)? This cannot be undone.")?;
        s.exp_string("Type the client id (or y) to confirm: ")?;
        s.send_line("no")?;
        s.exp_string("not deleted")?;
        Ok(())
    })
    .await;
    assert_eq!(code, 1);
    assert_eq!(
        app.get_client(&app.admin.token, &id).await.0,
        StatusCode::OK
    );

    let typed = id.clone();
    let code = on_tty(&cli, &["clients", "rm", &id], move |s| {
        s.exp_string("to confirm: ")?;
        s.send_line(&typed)?;
        s.exp_string("deleted client")?;
        Ok(())
    })
    .await;
    assert_eq!(code, 0);
    assert_eq!(
        app.get_client(&app.admin.token, &id).await.0,
        StatusCode::NOT_FOUND
    );

    // `y` confirms too; an unknown id fails before anything is asked.
    let other = id_of(&app.web_client(&app.admin.token, "second").await);
    let code = on_tty(&cli, &["clients", "rm", &other], |s| {
        s.exp_string("to confirm: ")?;
        s.send_line("y")?;
        s.exp_string("deleted client")?;
        Ok(())
    })
    .await;
    assert_eq!(code, 0);
    let code = on_tty(&cli, &["clients", "rm", "nosuchclient"], |s| {
        s.exp_string("HTTP 404")?;
        Ok(())
    })
    .await;
    assert_eq!(code, 1);
}

#[tokio::test]
async fn ls_all_shows_progress_on_a_terminal_and_the_secret_prompt_is_hidden() {
    let app = spawn_app().await;
    let cli = Cli::new();
    // Five clients in all, with the tenant's admin and console clients.
    for i in 0..(5 - PROVISIONED_CLIENTS) {
        app.web_client(&app.admin.token, &format!("c{i}")).await;
    }
    // login reads the secret at a prompt (no echo) when stdin is a terminal.
    let secret = app.admin.client_secret.clone();
    cli.secret(&secret);
    let args = [
        "login",
        "--server",
        &app.base,
        "--client-id",
        &app.admin.client_id,
    ];
    let code = on_tty(&cli, &args, move |s| {
        s.exp_string("client secret: ")?;
        s.send_line(&secret)?;
        let rest = s.exp_string("Logged in to")?;
        assert!(!rest.contains(&secret), "the secret is not echoed");
        Ok(())
    })
    .await;
    assert_eq!(code, 0);

    let code = on_tty(&cli, &["clients", "ls", "--all", "--limit", "2"], |s| {
        s.exp_string("fetched 2 clients")?;
        s.exp_string("fetched 5 clients")?;
        s.exp_regex(r"CLIENT ID +NAME")?;
        Ok(())
    })
    .await;
    assert_eq!(code, 0);
    // With --output json on a terminal: JSON still.
    let code = on_tty(&cli, &["clients", "ls", "--output", "json"], |s| {
        s.exp_string("\"clientId\"")?;
        Ok(())
    })
    .await;
    assert_eq!(code, 0);
}
