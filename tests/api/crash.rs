//! Crash safety (contract §6): the real binary on SQLite, several workers
//! creating clients, patching them and adding secrets, `kill -9` at a random
//! moment, restart. Every acknowledged write must be there, every secret
//! acknowledged must work, and every client must be whole. Several rounds on
//! the same database; bounded by request counts and deadlines.

use crate::support::process::{Server, tenant_create, token};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Connection as _;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ROUNDS: usize = 3;
const WORKERS: usize = 4;
const OWN_CLIENTS: usize = 3;

/// An operation that was sent but not answered when the server died: its
/// effect may or may not be on disk.
#[derive(Debug, Clone)]
enum Pending {
    Patch { name: String, description: String },
    AddSecret,
}

/// What the workers were told, per client.
#[derive(Debug, Clone, Default)]
struct Expected {
    name: String,
    description: Option<String>,
    /// Acknowledged secrets: (hint, secret).
    secrets: Vec<(String, String)>,
    /// Hints seen after a restart (acknowledged, or committed in flight).
    known_hints: usize,
    pending: Option<Pending>,
}

type Model = Arc<Mutex<HashMap<String, Expected>>>;

/// xorshift64*: enough randomness to vary the work and the moment of the kill.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    (nanos as u64) | 1
}

struct Worker {
    http: reqwest::Client,
    base: String,
    token: String,
    model: Model,
    acks: Arc<AtomicUsize>,
    rng: Rng,
    own: Vec<String>,
    n: usize,
}

impl Worker {
    /// Runs until a request fails (the server was killed) or the deadline.
    async fn run(mut self, deadline: Instant) {
        while Instant::now() < deadline {
            let ok = if self.own.len() < OWN_CLIENTS || self.rng.below(10) == 0 {
                self.create().await
            } else {
                let id = self.own[self.rng.below(self.own.len() as u64) as usize].clone();
                let secrets = self.model.lock().unwrap()[&id].known_hints;
                if secrets < 5 && self.rng.below(2) == 0 {
                    self.add_secret(&id).await
                } else {
                    self.patch(&id).await
                }
            };
            if !ok {
                return;
            }
            self.acks.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/core/oauth-clients{path}", self.base)
    }

    async fn create(&mut self) -> bool {
        self.n += 1;
        let name = format!("c-{}-{}", self.rng.next(), self.n);
        let res = self
            .http
            .post(self.url(""))
            .bearer_auth(&self.token)
            .json(&json!({"appType":"web","clientName":name,"allowedGrantTypes":["client_credentials"],"allowedScopes":["s"]}))
            .send()
            .await;
        let Ok(res) = res else { return false };
        assert_eq!(res.status(), StatusCode::CREATED);
        let Ok(body) = res.json::<Value>().await else {
            return false;
        };
        let id = body["clientId"].as_str().unwrap().to_owned();
        let secret = body["clientSecret"].as_str().unwrap().to_owned();
        let hint = body["clientSecrets"][0]["hint"]
            .as_str()
            .unwrap()
            .to_owned();
        self.model.lock().unwrap().insert(
            id.clone(),
            Expected {
                name,
                description: None,
                secrets: vec![(hint, secret)],
                known_hints: 1,
                pending: None,
            },
        );
        self.own.push(id);
        true
    }

    async fn patch(&mut self, id: &str) -> bool {
        let name = format!("p-{}", self.rng.next());
        let description = format!("d-{}", self.rng.next());
        self.model.lock().unwrap().get_mut(id).unwrap().pending = Some(Pending::Patch {
            name: name.clone(),
            description: description.clone(),
        });
        let res = self
            .http
            .patch(self.url(&format!("/{id}")))
            .bearer_auth(&self.token)
            .json(&json!([{"op":"replace","path":"/clientName","value":name},{"op":"add","path":"/description","value":description}]))
            .send()
            .await;
        let Ok(res) = res else { return false };
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let mut m = self.model.lock().unwrap();
        let e = m.get_mut(id).unwrap();
        e.name = name;
        e.description = Some(description);
        e.pending = None;
        true
    }

    async fn add_secret(&mut self, id: &str) -> bool {
        self.model.lock().unwrap().get_mut(id).unwrap().pending = Some(Pending::AddSecret);
        let res = self
            .http
            .post(self.url(&format!("/{id}/client-secrets")))
            .bearer_auth(&self.token)
            .send()
            .await;
        let Ok(res) = res else { return false };
        assert_eq!(res.status(), StatusCode::CREATED);
        let Ok(body) = res.json::<Value>().await else {
            return false;
        };
        let mut m = self.model.lock().unwrap();
        let e = m.get_mut(id).unwrap();
        e.secrets.push((
            body["hint"].as_str().unwrap().to_owned(),
            body["clientSecret"].as_str().unwrap().to_owned(),
        ));
        e.known_hints += 1;
        e.pending = None;
        true
    }
}

/// After a restart: every acknowledged write is there, and resolves what the
/// in-flight operations did.
async fn verify_api(base: &str, token: &str, model: &Model) {
    let http = reqwest::Client::new();
    let snapshot = model.lock().unwrap().clone();
    for (id, e) in snapshot {
        let res = http
            .get(format!("{base}/api/core/oauth-clients/{id}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "acknowledged client {id} is missing"
        );
        let got: Value = res.json().await.unwrap();
        let name = got["clientName"].as_str().unwrap().to_owned();
        let description = got["description"].as_str().map(str::to_owned);
        let hints: Vec<String> = got["clientSecrets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["hint"].as_str().unwrap().to_owned())
            .collect();
        let mut resolved = e.clone();
        match &e.pending {
            Some(Pending::Patch {
                name: n,
                description: d,
            }) if name == *n && description.as_deref() == Some(d.as_str()) => {
                resolved.name = n.clone();
                resolved.description = Some(d.clone());
            }
            _ => {
                assert_eq!(name, e.name, "{id}: acknowledged name lost");
                assert_eq!(
                    description, e.description,
                    "{id}: acknowledged description lost"
                );
            }
        }
        let in_flight_secret = matches!(e.pending, Some(Pending::AddSecret));
        let extra = hints.len() - e.known_hints.min(hints.len());
        assert!(
            hints.len() == e.known_hints || (in_flight_secret && hints.len() == e.known_hints + 1),
            "{id}: {} hints listed, {} known (in flight: {in_flight_secret})",
            hints.len(),
            e.known_hints
        );
        resolved.known_hints = e.known_hints + extra;
        resolved.pending = None;
        for (hint, secret) in &e.secrets {
            assert!(
                hints.contains(hint),
                "{id}: acknowledged secret {hint} is not listed"
            );
            let res = http
                .post(format!("{base}/oauth/token"))
                .basic_auth(&id, Some(secret))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .unwrap();
            assert_eq!(
                res.status(),
                StatusCode::OK,
                "{id}: acknowledged secret {hint} does not work"
            );
        }
        model.lock().unwrap().insert(id, resolved);
    }
}

/// id, secret_count, config, client_name, secret rows, rows with a bad hash,
/// live directory rows.
type ClientRow = (String, i64, String, String, i64, i64, Option<i64>);

/// Every client in the database is whole: its secret counter matches its
/// secret rows, every hint has a SHA-256 hash, its stored configuration
/// parses and agrees with the indexed columns, and the file is intact.
async fn verify_db(url: &str) {
    let mut db = sqlx::SqliteConnection::connect(url).await.unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    let rows: Vec<ClientRow> = sqlx::query_as(
        "SELECT c.client_id, c.secret_count, c.config, c.client_name, \
                (SELECT COUNT(*) FROM client_secrets s WHERE s.tenant_id = c.tenant_id AND s.client_id = c.client_id), \
                (SELECT COUNT(*) FROM client_secrets s WHERE s.tenant_id = c.tenant_id AND s.client_id = c.client_id AND length(s.secret_hash) <> 32), \
                (SELECT COUNT(*) FROM client_directory d WHERE d.client_id = c.client_id AND d.tenant_id = c.tenant_id AND d.deleted_at IS NULL) \
         FROM clients c",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert!(!rows.is_empty());
    for (id, count, config, name, secrets, bad_hashes, directory) in rows {
        assert_eq!(
            count, secrets,
            "{id}: secret_count disagrees with its secrets"
        );
        assert!(count <= 5, "{id}: more than 5 secrets");
        assert_eq!(bad_hashes, 0, "{id}: a secret without a SHA-256 hash");
        assert_eq!(directory, Some(1), "{id}: not in the client directory");
        let config: Value =
            serde_json::from_str(&config).unwrap_or_else(|e| panic!("{id}: config {e}"));
        assert_eq!(
            config["clientName"],
            name.as_str(),
            "{id}: name column disagrees with config"
        );
    }
    db.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_kill_9_in_every_round() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("crash.db").display());
    let admin = tenant_create(&db, "crash");
    let (admin_id, admin_secret) = (
        admin["clientId"].as_str().unwrap().to_owned(),
        admin["clientSecret"].as_str().unwrap().to_owned(),
    );
    let model: Model = Arc::default();
    let seed = seed();
    eprintln!("crash test seed {seed}");
    let mut rng = Rng(seed);
    let no_limits = ["--rate-limit-tier1", "0", "--rate-limit-tier2", "0"];
    for round in 0..=ROUNDS {
        let mut server = Server::start(&db, &no_limits);
        let http = reqwest::Client::new();
        let token = token(&http, &server.base, &admin_id, &admin_secret).await;
        verify_api(&server.base, &token, &model).await;
        verify_db(&db).await;
        if round == ROUNDS {
            assert!(server.terminate());
            break;
        }
        let acks = Arc::new(AtomicUsize::new(0));
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut tasks = Vec::new();
        for w in 0..WORKERS {
            let own: Vec<String> = model
                .lock()
                .unwrap()
                .keys()
                .skip(w * OWN_CLIENTS)
                .take(OWN_CLIENTS)
                .cloned()
                .collect();
            let worker = Worker {
                http: http.clone(),
                base: server.base.clone(),
                token: token.clone(),
                model: model.clone(),
                acks: acks.clone(),
                rng: Rng(rng.next() | 1),
                own,
                n: 0,
            };
            tasks.push(tokio::spawn(worker.run(deadline)));
        }
        // Kill at a random point of the load, counted in acknowledged writes
        // so that the moment does not depend on the machine's speed.
        let kill_at = 15 + rng.below(60) as usize;
        while acks.load(Ordering::SeqCst) < kill_at && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(1 + rng.below(5))).await;
        }
        server.kill9();
        for t in tasks {
            t.await.unwrap();
        }
        assert!(
            acks.load(Ordering::SeqCst) >= kill_at,
            "round {round}: the load ran"
        );
    }
    assert!(model.lock().unwrap().len() >= WORKERS * OWN_CLIENTS);
}
