//! Sign-in, profiles, token renewal, logout, exit statuses, completions and
//! help of the command-line client.

use super::keys::KeyFile;
use super::{Cli, id_of};
use crate::support::*;
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
    let mut entries: Vec<String> = std::fs::read_dir(cli.config_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(
        entries,
        ["profiles.json", "profiles.lock"],
        "written through a temporary file that is renamed"
    );
    assert_eq!(mode(&cli.config_dir().join("profiles.lock")), 0o600);
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
    // Each profile sees its own server's tenant: its admin and console clients.
    let ids = |ls: &Value| {
        let mut ids: Vec<String> = ls
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["clientId"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let provisioned = |t: &Tenant| {
        let mut ids = t.provisioned_ids().to_vec();
        ids.sort();
        ids
    };
    assert_eq!(ids(&ls_one), provisioned(&one.admin));
    assert_eq!(ids(&ls_two), provisioned(&two.admin));
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

async fn tokens_issued(app: &TestApp) -> u64 {
    let text = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("registrar_tokens_issued_total "))
        .and_then(|v| v.trim().parse().ok())
        .expect("registrar_tokens_issued_total in /metrics")
}

#[tokio::test]
async fn concurrent_commands_renew_an_expired_token_once_under_the_profile_lock() {
    let app = spawn_app().await;
    let cli = Cli::new();
    cli.login(&app, "default").await.ok();
    set_profile(&cli, "default", "expiresAt", json!(0));
    let before = tokens_issued(&app).await;
    let ls = ["clients", "ls"];
    let runs = tokio::join!(
        cli.run(&ls),
        cli.run(&ls),
        cli.run(&ls),
        cli.run(&ls),
        cli.run(&ls),
        cli.run(&ls)
    );
    for run in [runs.0, runs.1, runs.2, runs.3, runs.4, runs.5] {
        run.ok();
    }
    assert_eq!(
        tokens_issued(&app).await,
        before + 1,
        "one renewal, shared by all six"
    );
    assert!(
        cli.profiles()["profiles"]["default"]["expiresAt"]
            .as_i64()
            .unwrap()
            > 0
    );
}
