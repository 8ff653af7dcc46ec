//! Sign-in, profiles, token renewal, logout, exit statuses, completions and
//! help of the command-line client.

use super::keys::KeyFile;
use super::{BIN, Cli, closed_port, id_of};
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn the_profile_file_is_0600_in_a_0700_directory_and_holds_the_documented_secret() {
    use std::os::unix::fs::PermissionsExt as _;
    let app = spawn_app().await;
    let cli = Cli::new();
    cli.login(&app, "default").await.ok();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&cli.profile_path()), 0o600);
    assert_eq!(mode(&cli.config_dir()), 0o700);
    let p = &cli.profiles()["profiles"]["default"];
    assert_eq!(p["server"], json!(app.base));
    assert_eq!(p["clientId"], json!(app.admin.client_id));
    assert_eq!(
        p["clientSecret"],
        json!(app.admin.client_secret),
        "stored, as --help says"
    );
    assert!(
        p["accessToken"].is_string() && p["expiresAt"].is_i64(),
        "{p}"
    );
    let entries: Vec<_> = std::fs::read_dir(cli.config_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        entries,
        ["profiles.json"],
        "written through a temporary file that is renamed"
    );
    // A second login rewrites the file; its mode stays 0600.
    cli.login(&app, "second").await.ok();
    assert_eq!(mode(&cli.profile_path()), 0o600);
    assert_eq!(cli.profiles()["profiles"].as_object().unwrap().len(), 2);
    let help = cli.run(&["login", "--help"]).await.ok();
    assert!(
        help.stdout.contains("SECRET ITSELF IS STORED") && help.stdout.contains("0600"),
        "{}",
        help.stdout
    );
}

#[tokio::test]
async fn without_registrar_config_dir_profiles_go_to_xdg_config_home_then_home() {
    let app = spawn_app().await;
    let cli = Cli::new();
    let secret = format!("{}\n", app.admin.client_secret);
    cli.secret(&app.admin.client_secret);
    let login = [
        "login",
        "--server",
        &app.base,
        "--client-id",
        &app.admin.client_id,
    ];
    let xdg = cli.dir.path().join("xdg");
    let mut cmd = cli.command(&login);
    cmd.env_remove("REGISTRAR_CONFIG_DIR")
        .env("XDG_CONFIG_HOME", &xdg)
        .env("HOME", cli.dir.path().join("home"));
    run_piped(cmd, &secret).await;
    assert!(xdg.join("registrar/profiles.json").is_file());
    let mut cmd = cli.command(&login);
    cmd.env_remove("REGISTRAR_CONFIG_DIR")
        .env_remove("XDG_CONFIG_HOME")
        .env("HOME", cli.dir.path().join("home"));
    run_piped(cmd, &secret).await;
    assert!(
        cli.dir
            .path()
            .join("home/.config/registrar/profiles.json")
            .is_file()
    );
}

async fn run_piped(mut cmd: std::process::Command, stdin: &str) {
    use std::io::Write as _;
    let stdin = stdin.to_owned();
    let out = tokio::task::spawn_blocking(move || {
        let mut child = cmd
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn two_servers_and_two_profiles_share_one_profile_file() {
    let (one, two) = (spawn_app().await, spawn_app().await);
    let cli = Cli::new();
    cli.login(&one, "one").await.ok();
    // The profile named by the environment variable.
    cli.secret(&two.admin.client_secret);
    let args = [
        "login",
        "--server",
        &two.base,
        "--client-id",
        &two.admin.client_id,
    ];
    let stdin = format!("{}\n", two.admin.client_secret);
    cli.run_with(&args, Some(&stdin), &[("REGISTRAR_PROFILE", "two")])
        .await
        .ok();

    let ls_one = cli
        .run(&["clients", "ls", "--profile", "one"])
        .await
        .ok()
        .json();
    let ls_two = cli
        .run_with(&["clients", "ls"], None, &[("REGISTRAR_PROFILE", "two")])
        .await
        .ok()
        .json();
    assert_eq!(ls_one[0]["clientId"], json!(one.admin.client_id));
    assert_eq!(ls_two[0]["clientId"], json!(two.admin.client_id));
    let created = cli
        .run(&[
            "clients",
            "--profile",
            "two",
            "create",
            "--app-type",
            "spa",
            "--name",
            "only on two",
        ])
        .await
        .ok();
    let id = id_of(&created.json());
    assert_eq!(
        two.get_client(&two.admin.token, &id).await.0,
        StatusCode::OK
    );
    assert_eq!(
        one.get_client(&one.admin.token, &id).await.0,
        StatusCode::NOT_FOUND
    );

    // No default profile was made; logging out of one keeps the other.
    let none = cli.run(&["clients", "ls"]).await.code(1);
    assert!(
        none.stderr.contains("not logged in") && none.stderr.contains("`default`"),
        "{}",
        none.stderr
    );
    cli.run(&["logout", "--profile", "one"]).await.ok();
    cli.run(&["clients", "ls", "--profile", "two"]).await.ok();
    cli.run(&["clients", "ls", "--profile", "one"])
        .await
        .code(1);
    let profiles: Vec<String> = cli.profiles()["profiles"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(profiles, ["two"]);
}

fn set_profile(cli: &Cli, name: &str, key: &str, value: Value) {
    let mut file = cli.profiles();
    file["profiles"][name][key] = value;
    cli.write_profiles(&file);
}

fn profile_token(cli: &Cli, name: &str) -> String {
    cli.profiles()["profiles"][name]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn tokens_are_renewed_near_expiry_and_after_a_401_and_a_failed_renewal_exits_1() {
    let app = spawn_app().await;
    let cli = Cli::new();
    let token = app
        .token_with_scopes(&app.admin, &["oauth-clients:read"])
        .await;
    let (_, list) = app
        .list(&token, "filter=clientName%20eq%20%22scoped%22")
        .await;
    let id = id_of(&list["data"][0]);
    let (_, added) = app.add_secret(&app.admin.token, &id).await;
    let secret = added["clientSecret"].as_str().unwrap().to_owned();
    cli.login_as(&app.base, &id, &secret, "default").await.ok();
    let first = profile_token(&cli, "default");

    // Within 30 s of expiry: a new token first.
    let soon = registrar::domain::time::Timestamp::now().unix_seconds() + 10;
    set_profile(&cli, "default", "expiresAt", json!(soon));
    cli.run(&["clients", "ls"]).await.ok();
    let second = profile_token(&cli, "default");
    assert_ne!(second, first, "renewed before use");
    assert!(
        cli.profiles()["profiles"]["default"]["expiresAt"]
            .as_i64()
            .unwrap()
            > soon + 3600
    );

    // A token the server refuses (revoked) while it looks valid: 401, a new one, retried.
    let res = app
        .http
        .post(app.url("/oauth/revoke"))
        .basic_auth(&id, Some(&secret))
        .form(&[("token", second.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    cli.run(&["clients", "get", &id]).await.ok();
    assert_ne!(
        profile_token(&cli, "default"),
        second,
        "renewed after the 401"
    );

    // The secret deleted: the renewal fails with the server's answer, exit 1.
    set_profile(&cli, "default", "accessToken", json!("not-a-token"));
    let (status, _) = app
        .delete_secret(&app.admin.token, &id, &secret[secret.len() - 5..])
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let failed = cli.run(&["clients", "ls"]).await.code(1);
    assert!(
        failed.stderr.contains("invalid_client"),
        "{}",
        failed.stderr
    );
}

#[tokio::test]
async fn private_key_jwt_login_with_rs256_rs512_and_es384_keys() {
    let app = spawn_app().await;
    let cli = Cli::new();
    for (key, extra) in [
        (
            KeyFile::rsa(cli.dir.path(), "rs256"),
            vec!["--key-id", "rs256"],
        ),
        (
            KeyFile::rsa_for(cli.dir.path(), "rs512", "RS512"),
            vec!["--alg", "RS512"],
        ),
        (KeyFile::ec(cli.dir.path(), "es384"), vec![]),
    ] {
        let (status, c) = app
            .create_client(
                &app.admin.token,
                json!({"appType":"web","clientName":"signer","allowedAuthMethods":["private_key_jwt"],
                       "allowedGrantTypes":["client_credentials"],"allowedScopes":["oauth-clients:read"],"publicKeys":[key.jwk]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        let id = id_of(&c);
        let mut args = vec![
            "login",
            "--server",
            &app.base,
            "--client-id",
            &id,
            "--private-key",
            &key.path,
            "--profile",
            &id,
        ];
        args.extend(extra);
        cli.run(&args).await.ok();
        let p = &cli.profiles()["profiles"][&id];
        assert!(p.get("clientSecret").is_none(), "{p}");
        assert_eq!(p["privateKeyFile"], json!(key.path));
        cli.run(&["clients", "get", &id, "--profile", &id])
            .await
            .ok();
        // Renewal signs a new assertion (a new jti).
        set_profile(&cli, &id, "expiresAt", json!(0));
        cli.run(&["clients", "ls", "--profile", &id]).await.ok();
        // Logout revokes with an assertion too.
        let token = profile_token(&cli, &id);
        cli.run(&["logout", "--profile", &id]).await.ok();
        assert_eq!(
            app.list(&token, "").await.0,
            StatusCode::UNAUTHORIZED,
            "revoked by logout"
        );
    }
    let key = KeyFile::ec(cli.dir.path(), "wrong");
    let (status, c) = app
        .create_client(&app.admin.token, json!({"appType":"web","clientName":"s","allowedAuthMethods":["private_key_jwt"],"allowedGrantTypes":["client_credentials"],"publicKeys":[key.jwk]}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let other = KeyFile::ec(cli.dir.path(), "other");
    let refused = cli
        .run(&[
            "login",
            "--server",
            &app.base,
            "--client-id",
            &id_of(&c),
            "--private-key",
            &other.path,
        ])
        .await
        .code(1);
    assert!(
        refused.stderr.contains("invalid_client"),
        "{}",
        refused.stderr
    );
    cli.run(&[
        "login",
        "--server",
        &app.base,
        "--client-id",
        "x",
        "--private-key",
        &other.path,
        "--alg",
        "RS256",
    ])
    .await
    .code(1);
}

#[tokio::test]
async fn logout_revokes_the_token_and_forgets_the_profile() {
    let app = spawn_app().await;
    let cli = Cli::new();
    cli.login(&app, "default").await.ok();
    let token = profile_token(&cli, "default");
    assert_eq!(app.list(&token, "").await.0, StatusCode::OK);
    let out = cli.run(&["logout"]).await.ok();
    assert!(out.stderr.contains("Logged out"), "{}", out.stderr);
    assert_eq!(
        app.list(&token, "").await.0,
        StatusCode::UNAUTHORIZED,
        "revoked at the server"
    );
    assert!(cli.profiles()["profiles"].as_object().unwrap().is_empty());
    let after = cli.run(&["clients", "ls"]).await.code(1);
    assert!(after.stderr.contains("not logged in"), "{}", after.stderr);
    let again = cli.run(&["logout"]).await.ok();
    assert!(again.stderr.contains("nothing to do"), "{}", again.stderr);
}

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
    // Today's server has no revoke-tokens route: reported as an API error.
    // FIXME: once POST …/actions/revoke-tokens lands, expect exit 0 and the
    // client's tokens refused.
    let c = app.web_client(&app.admin.token, "tokens").await;
    let revoke = cli
        .run(&["clients", "revoke-tokens", &id_of(&c)])
        .await
        .code(1);
    assert!(
        revoke.stderr.contains("HTTP 404") || revoke.stderr.contains("HTTP 405"),
        "{}",
        revoke.stderr
    );
    assert!(revoke.trace_id().is_some(), "{}", revoke.stderr);
    // Browser sign-in needs /oauth/authorize, which today's server lacks.
    // FIXME: once it lands, drive the sign-in end to end (see the report).
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
        browser.stderr.contains("offers no browser sign-in"),
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
    let root = registrar::config::Cli::command();
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
