//! The real `registrar` binary as a child process, with its stderr captured
//! line by line: for the log, crash and schemathesis tests.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_registrar");

/// A running `registrar serve` and everything it has written to stderr.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub logs: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `serve` on port 0 and waits for its ready line.
    pub fn start(db: &str, extra: &[&str]) -> Server {
        let mut child = crate::helpers::serve_command(db)
            .args(extra)
            .spawn()
            .expect("spawn registrar serve");
        let stderr = child.stderr.take().expect("piped stderr");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = logs.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !sent && let Some(addr) = crate::helpers::ready_address(&line) {
                    let _ = tx.send(addr);
                    sent = true;
                }
                sink.lock().unwrap().push(line);
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("ready line `listening on http://ADDR` on stderr");
        Server { child, base, logs }
    }

    /// SIGKILL: no chance to flush or finish anything.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits (bounded) for the exit; returns whether it was 0.
    pub fn terminate(&mut self) -> bool {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(s)) = self.child.try_wait() {
                return s.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill9();
        panic!("server did not stop on SIGTERM");
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

/// `registrar tenant create NAME`: the printed `{"tenantId","clientId","clientSecret"}`.
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
    serde_json::from_slice(&out.stdout).expect("tenant create prints one JSON object")
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
