//! Real `registrar serve` processes for tests that need more than the
//! in-process server: several instances on one database, or a server whose
//! database goes away. Each is killed when dropped, so a failing test leaves
//! no process behind.

use super::app::read;
use super::process::{Stderr, capture_stderr, serve_command};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::process::Child;
use std::time::{Duration, Instant};

/// The address clients use (a load balancer's), shared by every instance:
/// it is the token issuer and audience and the base of every link.
pub const PUBLIC_URL: &str = "http://registrar.test";

/// A child process that is killed when dropped, so that a failing test
/// (even one that fails while others are still starting) leaves no server
/// behind.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One running `registrar serve` process.
pub struct Instance {
    child: KillOnDrop,
    /// Where this process listens (the ready line's address).
    pub base: String,
    pub http: reqwest::Client,
}

/// A started process whose ready line has not been read yet.
struct Starting {
    child: KillOnDrop,
    stderr: Stderr,
}

fn spawn(db: &str, extra: &[&str]) -> Starting {
    let mut child = serve_command(db)
        .args(["--public-url", PUBLIC_URL])
        .args(["--rate-limit-tier1", "0", "--rate-limit-tier2", "0"])
        .args(extra)
        .spawn()
        .expect("spawn registrar serve");
    let stderr = capture_stderr(&mut child);
    Starting {
        child: KillOnDrop(child),
        stderr,
    }
}

impl Starting {
    fn wait(mut self) -> Instance {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(base) = self.stderr.ready.recv_timeout(Duration::from_millis(100)) {
                let http = reqwest::Client::builder()
                    .timeout(Duration::from_secs(30))
                    .build()
                    .expect("client");
                return Instance {
                    child: self.child,
                    base,
                    http,
                };
            }
            let exited = self.child.0.try_wait().expect("try_wait");
            assert!(
                exited.is_none() && Instant::now() < deadline,
                "registrar serve did not become ready ({exited:?}); stderr:\n{}",
                self.stderr.lines.lock().expect("log lock").join("\n")
            );
        }
    }
}

/// Starts `n` instances on `db` at the same moment and waits until all are
/// ready.
pub fn start_instances(db: &str, n: usize, extra: &[&str]) -> Vec<Instance> {
    let starting: Vec<Starting> = (0..n).map(|_| spawn(db, extra)).collect();
    starting.into_iter().map(Starting::wait).collect()
}

impl Instance {
    pub fn pid(&self) -> u32 {
        self.child.0.id()
    }

    pub fn has_exited(&mut self) -> bool {
        self.child.0.try_wait().expect("try_wait").is_some()
    }

    /// `url` may be one of the service's absolute links: its public base is
    /// replaced by this instance's address, as the load balancer would.
    pub fn resolve(&self, url: &str) -> String {
        match url.strip_prefix(PUBLIC_URL) {
            Some(path) => format!("{}{path}", self.base),
            None => format!("{}{url}", self.base),
        }
    }

    pub async fn get(&self, token: &str, url: &str) -> (StatusCode, Value) {
        let res = self.http.get(self.resolve(url)).bearer_auth(token);
        read(res.send().await.expect("send")).await
    }

    pub async fn post(&self, token: &str, url: &str, body: &Value) -> (StatusCode, Value) {
        let res = self.http.post(self.resolve(url)).bearer_auth(token);
        read(res.json(body).send().await.expect("send")).await
    }

    pub async fn patch(&self, token: &str, url: &str, body: &Value) -> (StatusCode, Value) {
        let res = self.http.patch(self.resolve(url)).bearer_auth(token);
        read(res.json(body).send().await.expect("send")).await
    }

    pub async fn delete(&self, token: &str, url: &str, confirm: &str) -> (StatusCode, Value) {
        let res = self.http.delete(self.resolve(url)).bearer_auth(token);
        let res = res.header("qlik-confirm-delete", confirm);
        read(res.send().await.expect("send")).await
    }

    /// A token request by `client_secret_basic`.
    pub async fn token_request(&self, id: &str, secret: &str) -> (StatusCode, Value) {
        let res = self
            .http
            .post(self.resolve("/oauth/token"))
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("send");
        read(res).await
    }

    pub async fn token(&self, id: &str, secret: &str) -> String {
        let (status, body) = self.token_request(id, secret).await;
        assert_eq!(status, StatusCode::OK, "token from {}: {body}", self.base);
        body["access_token"].as_str().expect("token").to_owned()
    }

    /// Creates a `web` client with a secret; returns the 201 body.
    pub async fn web_client(&self, token: &str, name: &str, scopes: &[&str]) -> Value {
        let body = json!({"appType":"web","clientName":name,"allowedGrantTypes":["client_credentials"],"allowedScopes":scopes});
        let (status, c) = self.post(token, "/api/core/oauth-clients", &body).await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        c
    }
}
