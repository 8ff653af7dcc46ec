//! The database connection (issue 4): pool and timeout options, PostgreSQL
//! unreachable at start, PostgreSQL lost while serving (503 with the error
//! body) and the recovery without restart when it returns, tested against a
//! private PostgreSQL cluster this module creates, stops and starts again.
//!
//! This module exists only in the `postgres` target (`only_postgres.rs`):
//! every test here is about a PostgreSQL server.

use crate::support::servers::{Instance, start_instances};
use crate::support::*;
use registrar::store::{PoolSettings, Store};
use reqwest::StatusCode;
use serde_json::json;
use sqlx::Connection as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_registrar");
/// The directory of `initdb` and `pg_ctl`; found on `PATH` or under
/// `/usr/lib/postgresql/*/bin` (Debian's layout) when unset.
const PG_BIN_ENV: &str = "REGISTRAR_TEST_PG_BIN";

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed: {text}");
    text
}

fn pg_bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var(PG_BIN_ENV) {
        return PathBuf::from(dir);
    }
    let has_tools = |d: &Path| d.join("pg_ctl").is_file() && d.join("initdb").is_file();
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    if let Some(dir) = on_path.into_iter().find(|d| has_tools(d)) {
        return dir;
    }
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin"))
        .filter(|d| has_tools(d))
        .collect();
    // The newest major version, by number rather than by text ("9" < "15").
    debian.sort_by_key(|d| {
        d.parent()
            .and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok())
            .unwrap_or(0)
    });
    debian.pop().unwrap_or_else(|| {
        panic!("PostgreSQL server binaries (initdb, pg_ctl) not found: install them or set {PG_BIN_ENV}")
    })
}

/// A PostgreSQL cluster of this test's own, on a free port, so it can be
/// stopped and started without disturbing other tests. PostgreSQL refuses to
/// run as root, so under root (as in CI containers) it runs as the
/// `postgres` user that Debian's packages create.
struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    run_as: Option<String>,
}

impl PgCluster {
    fn start() -> PgCluster {
        let bin = pg_bin_dir();
        let dir = tempfile::tempdir().expect("temp dir");
        let is_root = run(Command::new("id").arg("-u")).trim() == "0";
        let run_as = is_root.then(|| "postgres".to_owned());
        if let Some(user) = &run_as {
            run(Command::new("chown").arg(user).arg(dir.path()));
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let cluster = PgCluster {
            dir,
            bin,
            port,
            run_as,
        };
        let data = cluster.data();
        run(&mut cluster.command(
            "initdb",
            &[
                "-D",
                &data,
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        ));
        cluster.pg_ctl_start();
        cluster
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn command(&self, tool: &str, args: &[&str]) -> Command {
        let tool = self.bin.join(tool);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(tool);
                c
            }
            None => Command::new(tool),
        };
        cmd.args(args).current_dir(self.dir.path());
        cmd
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn pg_ctl_start(&self) {
        let (data, sock) = (self.data(), self.dir.path().display().to_string());
        let log = self.dir.path().join("server.log").display().to_string();
        let opts = format!(
            "-p {} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port
        );
        run(&mut self.command(
            "pg_ctl",
            &[
                "-D", &data, "-l", &log, "-o", &opts, "-w", "-t", "60", "start",
            ],
        ));
    }

    fn pg_ctl_stop(&self, mode: &str) {
        run(&mut self.command("pg_ctl", &["-D", &self.data(), "-m", mode, "-w", "stop"]));
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl", &["-D", &self.data(), "-m", "immediate", "stop"])
            .output();
    }
}

async fn provision(url: &str) -> (String, String) {
    let store = Store::connect(url, &PoolSettings::default())
        .await
        .expect("connect store");
    let t = registrar::cli::tenant::provision(&store, "acme")
        .await
        .expect("provision");
    store.close().await;
    (t.client_id, t.client_secret)
}

/// Repeats `GET url` until it answers `want`, or fails after a minute.
async fn poll_until(node: &Instance, token: &str, url: &str, want: StatusCode) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, body) = node.get(token, url).await;
        if status == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{url} still answers {status} instead of {want}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Lists `n` times at once, so the server needs up to `n` pooled connections.
async fn concurrent_lists(node: &Instance, token: &str, n: usize) -> Vec<StatusCode> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (http, url, token) = (
            node.http.clone(),
            node.resolve("/api/core/oauth-clients"),
            token.to_owned(),
        );
        tasks.spawn(async move {
            http.get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("send")
                .status()
        });
    }
    tasks.join_all().await
}

#[tokio::test]
async fn losing_postgresql_answers_503_and_the_service_recovers_without_restart() {
    // Like every test of this target: without a PostgreSQL server the target
    // ends with its SKIPPED notice (and fails under CI=true).
    let _ = postgres_admin_url();
    let cluster = PgCluster::start();
    let (id, secret) = provision(&cluster.url()).await;
    let mut nodes = start_instances(&cluster.url(), 1, &["--db-acquire-timeout", "1"]);
    let node = &nodes[0];
    let pid = node.pid();
    let token = node.token(&id, &secret).await;
    // Several connections in the pool, all of which the outage kills.
    let statuses = concurrent_lists(node, &token, 8).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );

    cluster.pg_ctl_stop("fast");
    let res = node
        .http
        .get(format!("{}/api/core/oauth-clients", node.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(res.headers().contains_key("retry-after"), "{res:?}");
    let (status, body) = read(res).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_error(&body, StatusCode::SERVICE_UNAVAILABLE);
    let (status, body) = node.get("", "/health").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_error(&body, StatusCode::SERVICE_UNAVAILABLE);
    let (status, body) = node.token_request(&id, &secret).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"], "temporarily_unavailable");
    let body = json!({"appType":"web","clientName":"while down"});
    let (status, _) = node.post(&token, "/api/core/oauth-clients", &body).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);

    cluster.pg_ctl_start();
    poll_until(node, &token, "/api/core/oauth-clients", StatusCode::OK).await;
    // No request gets a connection that died with the old server.
    let statuses = concurrent_lists(node, &token, 8).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "after recovery: {statuses:?}"
    );
    let (status, body) = node.post(&token, "/api/core/oauth-clients", &body).await;
    assert_eq!(status, StatusCode::CREATED, "writes work again: {body}");
    let (status, _) = node.get("", "/health").await;
    assert_eq!(status, StatusCode::OK);
    node.token(&id, &secret).await;
    assert_eq!(node.pid(), pid);
    assert!(!nodes[0].has_exited(), "the same process, never restarted");
}

#[test]
fn unreachable_postgresql_at_start_is_a_clear_error_and_a_non_zero_exit() {
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let url = format!("postgres://registrar:hunter2-not-logged@127.0.0.1:{port}/registrar");
    for command in [
        &["serve", "--listen", "127.0.0.1:0"][..],
        &["tenant", "create", "acme"],
    ] {
        let out = Command::new(BIN)
            .args(command)
            .args(["--database-url", &url, "--db-acquire-timeout", "2"])
            .output()
            .expect("run registrar");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{command:?} must fail: {stderr}");
        assert!(out.stdout.is_empty(), "nothing on stdout");
        let shown = format!(
            "cannot connect to PostgreSQL at `postgres://registrar:***@127.0.0.1:{port}/registrar`"
        );
        assert!(stderr.contains(&shown), "{command:?}: {stderr}");
        assert!(
            stderr.to_lowercase().contains("refused"),
            "names the cause: {stderr}"
        );
        assert!(
            !stderr.contains("hunter2"),
            "the password is never shown: {stderr}"
        );
        assert!(!stderr.contains("listening on"), "{stderr}");
    }
}

#[tokio::test]
async fn a_statement_stuck_behind_a_lock_is_cut_by_the_statement_timeout_with_503() {
    // Like every test of this target: without a PostgreSQL server the target
    // ends with its SKIPPED notice (and fails under CI=true).
    let _ = postgres_admin_url();
    let db = TestDb::fresh().await;
    let (id, secret) = provision(&db.url).await;
    let nodes = start_instances(&db.url, 1, &["--db-statement-timeout", "1"]);
    let node = &nodes[0];
    let token = node.token(&id, &secret).await;
    let c = node.web_client(&token, "locked", &[]).await;
    let client = c["clientId"].as_str().unwrap();
    let path = format!("/api/core/oauth-clients/{client}/client-secrets");

    // Another session holds the client's row, as a stuck writer would.
    let mut holder = sqlx::PgConnection::connect(&db.url).await.expect("connect");
    sqlx::query("BEGIN").execute(&mut holder).await.unwrap();
    sqlx::query("SELECT 1 FROM clients WHERE client_id = $1 FOR UPDATE")
        .bind(client)
        .execute(&mut holder)
        .await
        .unwrap();
    let (status, body) = node.post(&token, &path, &json!(null)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_error(&body, StatusCode::SERVICE_UNAVAILABLE);

    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    let (status, body) = node.post(&token, &path, &json!(null)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, got) = node
        .get(&token, &format!("/api/core/oauth-clients/{client}"))
        .await;
    assert_eq!(
        got["clientSecrets"].as_array().unwrap().len(),
        2,
        "only the second attempt took a slot"
    );
}

#[test]
fn serve_help_documents_the_pool_and_timeout_options() {
    let out = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for opt in [
        "--db-max-connections",
        "REGISTRAR_DB_MAX_CONNECTIONS",
        "--db-acquire-timeout",
        "REGISTRAR_DB_ACQUIRE_TIMEOUT",
        "--db-statement-timeout",
        "REGISTRAR_DB_STATEMENT_TIMEOUT",
    ] {
        assert!(help.contains(opt), "serve --help lacks {opt}");
    }
    // A value outside the documented range is a usage error, not a start.
    let out = Command::new(BIN)
        .args(["serve", "--db-max-connections", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}
