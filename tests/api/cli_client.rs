//! The command-line client (contract §11, issue 16) against real servers:
//! the real `registrar` binary, run as a process, talks HTTP to servers
//! started by `helpers`. Every run's stderr is checked for every secret and
//! token the test knows or finds in the profile file.
//!
//! This file has the harness and a walk through every `clients` command;
//! `edit.rs` covers create and patch, `list.rs` listing (`--all` over 250
//! clients), `auth.rs` sign-in, profiles, token renewal and logout,
//! `status.rs` exit statuses, completions and help, `tty.rs` the
//! pseudo-terminal sessions (table output, confirmation prompt, progress,
//! hidden secret prompt); `keys.rs` makes client key files.

mod auth;
mod edit;
mod keys;
mod list;
mod status;
mod tty;
mod users;

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub const BIN: &str = env!("CARGO_BIN_EXE_registrar");

/// A user of the command-line client: a profile directory of its own and
/// every secret it must never show on stderr.
pub struct Cli {
    pub dir: tempfile::TempDir,
    secrets: Mutex<BTreeSet<String>>,
}

/// The outcome of one run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts exit 0 and returns self.
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "expected success; stderr: {}", self.stderr);
        self
    }

    #[track_caller]
    pub fn code(self, expected: i32) -> Run {
        assert_eq!(
            self.code, expected,
            "exit status; stdout: {} stderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    /// The `traceId: …` line of an API error.
    pub fn trace_id(&self) -> Option<&str> {
        self.stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix("traceId: "))
    }
}

impl Cli {
    pub fn new() -> Cli {
        Cli {
            dir: tempfile::tempdir().expect("temp dir"),
            secrets: Mutex::new(BTreeSet::new()),
        }
    }

    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    pub fn profile_path(&self) -> PathBuf {
        self.config_dir().join("profiles.json")
    }

    /// Remembers a value that must never appear on stderr.
    pub fn secret(&self, s: &str) {
        self.secrets.lock().unwrap().insert(s.to_owned());
    }

    /// The profile file, or `null` when there is none.
    pub fn profiles(&self) -> Value {
        std::fs::read(self.profile_path())
            .map_or(Value::Null, |b| serde_json::from_slice(&b).unwrap())
    }

    pub fn write_profiles(&self, v: &Value) {
        std::fs::write(self.profile_path(), serde_json::to_vec(v).unwrap()).unwrap();
    }

    /// Every secret and token in the profile file, remembered.
    fn harvest(&self) {
        let file = self.profiles();
        let Some(profiles) = file["profiles"].as_object() else {
            return;
        };
        for p in profiles.values() {
            for k in ["clientSecret", "accessToken", "refreshToken"] {
                if let Some(s) = p[k].as_str() {
                    self.secret(s);
                }
            }
        }
    }

    /// The command for `args` with this user's environment.
    pub fn command(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(BIN);
        cmd.args(args)
            .env("REGISTRAR_CONFIG_DIR", self.config_dir())
            .env_remove("REGISTRAR_PROFILE")
            .env_remove("REGISTRAR_SERVER")
            .env_remove("RUST_LOG");
        cmd
    }

    pub async fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, None, &[]).await
    }

    /// Runs with `stdin` (else an empty, non-terminal stdin) and extra env.
    pub async fn run_with(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let input = stdin.unwrap_or("").to_owned();
        self.harvest();
        let out = tokio::task::spawn_blocking(move || {
            let mut child = cmd
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn registrar");
            let mut pipe = child.stdin.take().unwrap();
            let _ = pipe.write_all(input.as_bytes());
            drop(pipe);
            child.wait_with_output().expect("wait")
        })
        .await
        .unwrap();
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        };
        self.harvest();
        self.assert_no_secret_in(&run.stderr, args);
        run
    }

    #[track_caller]
    pub fn assert_no_secret_in(&self, text: &str, args: &[&str]) {
        for s in self.secrets.lock().unwrap().iter() {
            assert!(
                !text.contains(s.as_str()),
                "a secret or token appeared on stderr of {args:?}: {text}"
            );
        }
    }

    /// `login` with the tenant's admin client, secret on stdin.
    pub async fn login(&self, app: &TestApp, profile: &str) -> Run {
        self.login_as(
            &app.base,
            &app.admin.client_id,
            &app.admin.client_secret,
            profile,
        )
        .await
    }

    pub async fn login_as(&self, base: &str, id: &str, secret: &str, profile: &str) -> Run {
        self.secret(secret);
        let args = [
            "login",
            "--server",
            base,
            "--client-id",
            id,
            "--profile",
            profile,
        ];
        self.run_with(&args, Some(&format!("{secret}\n")), &[])
            .await
    }
}

pub fn id_of(v: &Value) -> String {
    v["clientId"].as_str().expect("clientId").to_owned()
}

/// A port nothing listens on.
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

pub fn write_file(dir: &Path, name: &str, content: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.to_str().unwrap().to_owned()
}

#[tokio::test]
async fn login_then_create_get_list_patch_rotate_secrets_and_delete() {
    let app = spawn_app().await;
    let cli = Cli::new();
    let login = cli.login(&app, "default").await.ok();
    assert_eq!(login.stdout, "", "login prints nothing on stdout");
    assert!(login.stderr.contains("Logged in to"), "{}", login.stderr);

    // create, with a flag for each field
    let created = cli
        .run(&[
            "clients",
            "create",
            "--app-type",
            "web",
            "--name",
            "Billing service",
            "--description",
            "invoices",
            "--logo-uri",
            "https://billing.example.com/logo.png",
            "--client-uri",
            "https://billing.example.com",
            "--redirect-uri",
            "https://billing.example.com/cb",
            "--scope",
            "billing:read",
            "--grant-type",
            "client_credentials",
            "--auth-method",
            "client_secret",
            "--consent-method",
            "trusted",
        ])
        .await
        .ok();
    let c = created.json();
    let id = id_of(&c);
    let secret = c["clientSecret"]
        .as_str()
        .expect("the 201 body, secret included")
        .to_owned();
    assert!(
        created.stderr.contains("will not be shown again"),
        "{}",
        created.stderr
    );
    let (_, stored) = app.get_client(&app.admin.token, &id).await;
    for (k, v) in [
        ("clientName", json!("Billing service")),
        ("description", json!("invoices")),
        ("logoUri", json!("https://billing.example.com/logo.png")),
        ("clientUri", json!("https://billing.example.com")),
        ("redirectUris", json!(["https://billing.example.com/cb"])),
        ("allowedScopes", json!(["billing:read"])),
        ("allowedGrantTypes", json!(["client_credentials"])),
        ("allowedAuthMethods", json!(["client_secret"])),
        ("connectionConfig", json!({"consentMethod": "trusted"})),
    ] {
        assert_eq!(stored[k], v, "{k}");
    }
    app.token(&id, &secret, None).await;

    // get: the API's object unchanged
    let got = cli
        .run(&["clients", "get", &id, "--output", "json"])
        .await
        .ok();
    assert_eq!(got.json(), stored);

    // ls with a filter: one JSON array
    let listed = cli
        .run(&["clients", "ls", "--filter", "clientName co \"billing\""])
        .await
        .ok();
    assert_eq!(listed.json(), json!([stored]));

    // patch: scalar set, unset, list add and remove
    let patched = cli
        .run(&[
            "clients",
            "patch",
            &id,
            "--set",
            "clientName=Billing",
            "--unset",
            "description",
            "--add",
            "redirectUris=https://billing.example.com/cb2",
            "--remove",
            "redirectUris=https://billing.example.com/cb",
        ])
        .await
        .ok();
    assert_eq!(patched.stdout, "", "a 204 prints nothing on stdout");
    let (_, after) = app.get_client(&app.admin.token, &id).await;
    assert_eq!(after["clientName"], "Billing");
    assert!(after.get("description").is_none(), "{after}");
    assert_eq!(
        after["redirectUris"],
        json!(["https://billing.example.com/cb2"])
    );

    // rotate: add a secret, delete the first by its hint
    let added = cli.run(&["clients", "secrets", "add", &id]).await.ok();
    let new = added.json();
    let new_secret = new["clientSecret"].as_str().unwrap().to_owned();
    assert_eq!(new["clientId"], json!(id));
    assert!(added.stderr.contains("will not be shown again"));
    let hints = cli
        .run(&["clients", "secrets", "ls", &id])
        .await
        .ok()
        .json();
    assert_eq!(hints.as_array().unwrap().len(), 2, "{hints}");
    let old_hint = &secret[secret.len() - 5..];
    cli.run(&["clients", "secrets", "rm", &id, old_hint])
        .await
        .ok();
    let (status, body) = app.token_request(&id, &secret, None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the deleted secret is refused: {body}"
    );
    app.token(&id, &new_secret, None).await;

    // rm
    cli.run(&["clients", "rm", &id, "--yes"]).await.ok();
    let (status, _) = app.get_client(&app.admin.token, &id).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
