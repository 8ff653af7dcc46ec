//! Exit statuses (0, 1 with the API's error, 2, 3), silence on stderr,
//! completions, and `--help` with an example for every client command.

use super::{BIN, Cli, closed_port, id_of};
use crate::support::*;
use reqwest::StatusCode;

#[tokio::test]
async fn exit_status_is_1_for_api_errors_with_title_detail_and_trace_id() {
    let app = spawn_app().await;
    let cli = Cli::new();
    cli.login(&app, "default").await.ok();
    let missing = cli.run(&["clients", "get", "nosuchclient"]).await.code(1);
    let (status, body) = app.get_client(&app.admin.token, "nosuchclient").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let e = &body["errors"][0];
    for part in [
        e["title"].as_str().unwrap(),
        e["detail"].as_str().unwrap(),
        e["code"].as_str().unwrap(),
        "HTTP 404",
    ] {
        assert!(
            missing.stderr.contains(part),
            "`{part}` missing: {}",
            missing.stderr
        );
    }
    assert!(
        missing.trace_id().is_some_and(|t| !t.is_empty()),
        "{}",
        missing.stderr
    );
    assert_eq!(missing.stdout, "");
    // A wrong secret at login: the token endpoint's refusal, the secret never shown.
    cli.secret("wrong-secret-value");
    let bad = cli
        .login_as(&app.base, &app.admin.client_id, "wrong-secret-value", "bad")
        .await
        .code(1);
    assert!(bad.stderr.contains("invalid_client"), "{}", bad.stderr);
    // A server that is not Registrar.
    let odd = cli
        .run(&[
            "login",
            "--server",
            &format!("{}/api", app.base),
            "--client-id",
            "x",
        ])
        .await
        .code(1);
    assert!(odd.stderr.contains("no OAuth metadata"), "{}", odd.stderr);
    // POST …/actions/revoke-tokens: exit 0, and the client's tokens are
    // refused from then on.
    let c = app.web_client(&app.admin.token, "tokens").await;
    let token = app
        .token(
            c["clientId"].as_str().unwrap(),
            c["clientSecret"].as_str().unwrap(),
            None,
        )
        .await;
    let revoke = cli
        .run(&["clients", "revoke-tokens", &id_of(&c)])
        .await
        .code(0);
    assert!(
        revoke.stderr.contains("revoked every token"),
        "{}",
        revoke.stderr
    );
    let res = app
        .http
        .post(app.url("/oauth/introspect"))
        .basic_auth(&app.admin.client_id, Some(&app.admin.client_secret))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    let (_, answer) = read(res).await;
    assert_eq!(answer["active"], false, "{answer}");
    // The server offers browser sign-in (discovery names its authorization
    // endpoint): with nobody at the browser, login prints the authorize URL
    // and gives up after its timeout with exit status 1.
    let browser = cli
        .run(&[
            "login",
            "--server",
            &app.base,
            "--browser",
            "--client-id",
            "x",
            "--no-open",
            "--timeout",
            "5",
        ])
        .await
        .code(1);
    assert!(
        browser
            .stderr
            .contains(&format!("{}/oauth/authorize?response_type=code", app.base))
            && browser
                .stderr
                .contains("no sign-in answer within 5 seconds"),
        "{}",
        browser.stderr
    );
}

#[tokio::test]
async fn exit_status_is_2_for_usage_errors_and_3_when_the_server_cannot_be_reached() {
    let app = spawn_app().await;
    let cli = Cli::new();
    cli.login(&app, "default").await.ok();
    let c = app.web_client(&app.admin.token, "keep me").await;
    let id = id_of(&c);
    for args in [
        vec!["clients", "frobnicate"],
        vec!["clients", "ls", "--limit", "0"],
        vec!["clients", "ls", "--output", "yaml"],
        vec!["clients", "create", "--name", "no type"],
        vec!["clients", "patch", &id],
        vec!["clients", "patch", &id, "--set", "appType=spa"],
        vec!["clients", "patch", &id, "--add", "clientName=x"],
        vec!["clients", "rm", &id],
        vec!["login", "--server", "not a url", "--client-id", "x"],
        vec![
            "login",
            "--server",
            &app.base,
            "--client-id",
            "x",
            "--key-id",
            "k",
        ],
        vec!["completions", "tcsh"],
        vec!["users", "create", "--email", "a@example.com", "--name", "A"],
        vec!["users", "patch", "someone"],
        vec!["audits", "ls", "--limit", "101"],
    ] {
        let run = cli.run(&args).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
    }
    let rm = cli.run(&["clients", "rm", &id]).await;
    assert!(rm.stderr.contains("--yes"), "{}", rm.stderr);
    assert_eq!(
        app.get_client(&app.admin.token, &id).await.0,
        StatusCode::OK,
        "not deleted"
    );

    let port = closed_port();
    let refused = cli
        .run(&[
            "login",
            "--server",
            &format!("http://127.0.0.1:{port}"),
            "--client-id",
            "x",
        ])
        .await
        .code(3);
    assert!(
        refused.stderr.contains("cannot reach the server"),
        "{}",
        refused.stderr
    );
    let dns = cli
        .run(&[
            "login",
            "--server",
            "http://no-such-host.invalid",
            "--client-id",
            "x",
        ])
        .await
        .code(3);
    assert!(dns.stderr.contains("cannot reach"), "{}", dns.stderr);
    // A server that accepts the connection and never answers: a timeout.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let args = ["login", "--server", &url, "--client-id", "x"];
    let timeout = cli
        .run_with(&args, None, &[("REGISTRAR_TIMEOUT", "1")])
        .await
        .code(3);
    assert!(timeout.stderr.contains("timed out"), "{}", timeout.stderr);
    // https:// is spoken (rustls): against a plain-HTTP server the handshake fails.
    let tls = cli
        .run(&[
            "login",
            "--server",
            &app.base.replace("http://", "https://"),
            "--client-id",
            "x",
        ])
        .await
        .code(3);
    assert!(tls.stderr.contains("cannot reach"), "{}", tls.stderr);
    // A signed-in profile whose server went away.
    drop(app);
    cli.run(&["clients", "ls"]).await.code(3);
}

#[tokio::test]
async fn nothing_is_logged_even_with_rust_log_set() {
    let app = spawn_app().await;
    let cli = Cli::new();
    cli.login(&app, "default").await.ok();
    let run = cli
        .run_with(&["clients", "ls"], None, &[("RUST_LOG", "trace")])
        .await
        .ok();
    assert_eq!(run.stderr, "", "no tracing lines from the client");
}

#[tokio::test]
async fn completions_for_bash_zsh_and_fish() {
    let cli = Cli::new();
    for shell in ["bash", "zsh", "fish"] {
        let run = cli.run(&["completions", shell]).await.ok();
        assert!(
            run.stdout.contains("registrar") && run.stdout.contains("revoke-tokens"),
            "{shell}"
        );
    }
}

/// Every client command, walked from clap's own tree, and its `--help`.
#[test]
fn every_client_command_has_help_with_an_example() {
    use clap::CommandFactory as _;
    fn walk(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<Vec<String>>) {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let mut p = path.clone();
            p.push(sub.get_name().to_owned());
            out.push(p.clone());
            walk(sub, p, out);
        }
    }
    let root = registrar::cli::args::Cli::command();
    let mut paths = Vec::new();
    for top in [
        "login",
        "logout",
        "clients",
        "users",
        "audits",
        "completions",
    ] {
        let cmd = root
            .find_subcommand(top)
            .unwrap_or_else(|| panic!("{top} exists"));
        paths.push(vec![top.to_owned()]);
        walk(cmd, vec![top.to_owned()], &mut paths);
    }
    assert!(paths.len() >= 20, "{paths:?}");
    for path in paths {
        let out = std::process::Command::new(BIN)
            .args(&path)
            .arg("--help")
            .output()
            .unwrap();
        assert!(out.status.success(), "{path:?} --help");
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(
            help.contains("Example"),
            "{path:?} --help has no example:\n{help}"
        );
    }
}
