//! The real `registrar` binary as a child process: the `serve` command line,
//! its stderr captured line by line with the ready line's address, SIGTERM,
//! and `tenant create`. Used by the CLI, log, crash, limits and schemathesis
//! tests, and by `servers.rs`.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Output};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_registrar");

/// `registrar serve` on a free port over `db`, logging at `info` to a piped
/// stderr (where its ready line appears); add arguments before spawning.
pub fn serve_command(db: &str) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", db])
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    command
}

/// The address in the ready line (`listening on http://ADDR`), if `line` is it.
pub fn ready_address(line: &str) -> Option<String> {
    let i = line.find("listening on http://")?;
    Some(
        line[i + "listening on ".len()..]
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '"')
            .collect(),
    )
}

/// A child's stderr as it is written: every line so far, and the address of
/// its ready line once it appears.
pub struct Stderr {
    pub ready: Receiver<String>,
    pub lines: Arc<Mutex<Vec<String>>>,
}

/// Reads `child`'s piped stderr to its end on a thread of its own, so the
/// child never blocks on a full pipe.
pub fn capture_stderr(child: &mut Child) -> Stderr {
    let stderr = child.stderr.take().expect("piped stderr");
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let (tx, ready) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if !sent && let Some(addr) = ready_address(&line) {
                let _ = tx.send(addr);
                sent = true;
            }
            sink.lock().expect("log lock").push(line);
        }
    });
    Stderr { ready, lines }
}

/// SIGTERM, then waits (bounded) for the exit; a child still running after
/// 20 seconds is killed and fails the test.
pub fn terminate(child: &mut Child) -> ExitStatus {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(Some(s)) = child.try_wait() {
            return s;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("server did not stop on SIGTERM");
}

/// `serve` that is expected to stop by itself (a refused start): its exit
/// status and stderr, or a panic if it is still running after a minute.
pub fn refused_start(db: &str, args: &[String]) -> Output {
    let mut child = serve_command(db)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server started although it should have refused to");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// A running `registrar serve` and everything it has written to stderr.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub logs: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `serve` on port 0 and waits for its ready line.
    pub fn start(db: &str, extra: &[&str]) -> Server {
        let mut child = serve_command(db)
            .args(extra)
            .spawn()
            .expect("spawn registrar serve");
        let stderr = capture_stderr(&mut child);
        let base = stderr
            .ready
            .recv_timeout(Duration::from_secs(60))
            .expect("ready line `listening on http://ADDR` on stderr");
        Server {
            child,
            base,
            logs: stderr.lines,
        }
    }

    /// SIGKILL: no chance to flush or finish anything.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits (bounded) for the exit; returns whether it was 0.
    pub fn terminate(&mut self) -> bool {
        terminate(&mut self.child).success()
    }

    /// Waits (bounded) until the captured stderr has `n` lines containing
    /// `needle`, so a test can read log lines written after a response.
    pub fn wait_for_log_lines(&self, needle: &str, n: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let lines = self.logs.lock().unwrap().clone();
            if lines.iter().filter(|l| l.contains(needle)).count() >= n || Instant::now() > deadline
            {
                return lines;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `registrar tenant create NAME` on `db`, checked against the CLI contract
/// (§2): one line on stdout, one JSON object with exactly `tenantId`,
/// `clientId` and `clientSecret`, each a non-empty string. Returns the object.
pub fn tenant_create(db: &str, name: &str) -> Value {
    let out = Command::new(BIN)
        .args(["tenant", "create", name, "--database-url", db])
        .output()
        .expect("run registrar tenant create");
    assert!(
        out.status.success(),
        "tenant create failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout.lines().count(),
        1,
        "exactly one line on stdout: {stdout:?}"
    );
    let v: Value = serde_json::from_str(&stdout).expect("stdout is one JSON object");
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 3, "{v}");
    for k in ["tenantId", "clientId", "clientSecret"] {
        assert!(v[k].as_str().is_some_and(|s| !s.is_empty()), "{k} in {v}");
    }
    v
}

/// A token for `client_id`/`secret` from the server at `base`.
pub async fn token(http: &reqwest::Client, base: &str, client_id: &str, secret: &str) -> String {
    let res = http
        .post(format!("{base}/oauth/token"))
        .basic_auth(client_id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token request");
    let status = res.status();
    let body: Value = res.json().await.expect("token response is JSON");
    assert_eq!(status, 200, "token request failed: {body}");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}
