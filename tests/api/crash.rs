//! Crash safety (contract §6): the real binary on this target's backend,
//! several workers creating, patching and deleting clients and adding and
//! deleting secrets, `kill -9` at a random moment (in some rounds while a
//! delete is in flight), restart. Every acknowledged write must be there,
//! every acknowledged delete gone (the client 404, the deleted secret refused
//! at the token endpoint), every secret acknowledged must work, and every
//! client must be whole, with nothing half-made or half-deleted left in the
//! tables. Several rounds on the same database; bounded by request counts and
//! deadlines.

use crate::support::db::{RawDb, on_raw_db};
use crate::support::process::{Server, tenant_create, token};
use crate::support::{Backend, TestDb, backend};
use reqwest::StatusCode;
use serde_json::{Value, json};
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
    DeleteSecret { hint: String },
    DeleteClient,
}

/// What the workers were told, per client.
#[derive(Debug, Clone, Default)]
struct Expected {
    name: String,
    description: Option<String>,
    /// Acknowledged secrets: (hint, secret).
    secrets: Vec<(String, String)>,
    /// Secrets whose deletion was acknowledged: (hint, secret).
    deleted_secrets: Vec<(String, String)>,
    /// Hints seen after a restart (acknowledged, or committed in flight).
    known_hints: usize,
    /// The client's deletion was acknowledged (or found done after a crash).
    deleted: bool,
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
    /// Deletes sent and not yet answered, so a round can kill during one.
    deleting: Arc<AtomicUsize>,
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
                let at = self.rng.below(self.own.len() as u64) as usize;
                let id = self.own[at].clone();
                let (known, deletable) = {
                    let m = self.model.lock().unwrap();
                    (m[&id].known_hints, m[&id].secrets.first().cloned())
                };
                match (self.rng.below(10), deletable) {
                    (0, _) => self.delete_client(&id, at).await,
                    (1 | 2, Some((hint, _))) => self.delete_secret(&id, &hint).await,
                    (3..=5, _) if known < 5 => self.add_secret(&id).await,
                    _ => self.patch(&id).await,
                }
            };
            if !ok {
                return;
            }
            self.acks.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn set_pending(&self, id: &str, pending: Pending) {
        self.model.lock().unwrap().get_mut(id).unwrap().pending = Some(pending);
    }

    /// Sends a delete, counted in `deleting` while it is unanswered.
    async fn send_delete(&self, req: reqwest::RequestBuilder) -> Option<StatusCode> {
        self.deleting.fetch_add(1, Ordering::SeqCst);
        let res = req.bearer_auth(&self.token).send().await;
        self.deleting.fetch_sub(1, Ordering::SeqCst);
        res.ok().map(|r| r.status())
    }

    async fn delete_client(&mut self, id: &str, at: usize) -> bool {
        self.set_pending(id, Pending::DeleteClient);
        let req = self
            .http
            .delete(self.url(&format!("/{id}")))
            .header("qlik-confirm-delete", id);
        let Some(status) = self.send_delete(req).await else {
            return false;
        };
        assert_eq!(status, StatusCode::NO_CONTENT, "delete {id}");
        let mut m = self.model.lock().unwrap();
        let e = m.get_mut(id).unwrap();
        e.deleted = true;
        e.pending = None;
        self.own.swap_remove(at);
        true
    }

    async fn delete_secret(&mut self, id: &str, hint: &str) -> bool {
        self.set_pending(id, Pending::DeleteSecret { hint: hint.into() });
        let req = self
            .http
            .delete(self.url(&format!("/{id}/client-secrets/{hint}")));
        let Some(status) = self.send_delete(req).await else {
            return false;
        };
        assert_eq!(
            status,
            StatusCode::NO_CONTENT,
            "delete secret {hint} of {id}"
        );
        let mut m = self.model.lock().unwrap();
        let e = m.get_mut(id).unwrap();
        let i = e.secrets.iter().position(|(h, _)| h == hint).unwrap();
        let gone = e.secrets.remove(i);
        e.deleted_secrets.push(gone);
        e.known_hints -= 1;
        e.pending = None;
        true
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
                ..Expected::default()
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

/// The token endpoint's answer to a client and one of its secrets.
async fn token_status(http: &reqwest::Client, base: &str, id: &str, secret: &str) -> StatusCode {
    http.post(format!("{base}/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .status()
}

/// A client whose deletion was acknowledged (or found done): 404, and none of
/// its secrets gets a token.
async fn verify_deleted(http: &reqwest::Client, base: &str, token: &str, id: &str, e: &Expected) {
    let res = http
        .get(format!("{base}/api/core/oauth-clients/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "deleted client {id} is back"
    );
    for (hint, secret) in e.secrets.iter().chain(&e.deleted_secrets) {
        let status = token_status(http, base, id, secret).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{id}: secret {hint} of a deleted client works"
        );
    }
}

/// After a restart: every acknowledged write is there, every acknowledged
/// delete is gone, and what the in-flight operations did is resolved.
async fn verify_api(base: &str, token: &str, model: &Model) {
    let http = reqwest::Client::new();
    let snapshot = model.lock().unwrap().clone();
    for (id, e) in snapshot {
        if e.deleted {
            verify_deleted(&http, base, token, &id, &e).await;
            continue;
        }
        let res = http
            .get(format!("{base}/api/core/oauth-clients/{id}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::NOT_FOUND && matches!(e.pending, Some(Pending::DeleteClient))
        {
            // The unanswered delete was committed.
            let resolved = Expected {
                deleted: true,
                pending: None,
                ..e
            };
            verify_deleted(&http, base, token, &id, &resolved).await;
            model.lock().unwrap().insert(id, resolved);
            continue;
        }
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "acknowledged client {id} is missing"
        );
        let got: Value = res.json().await.unwrap();
        let resolved = resolve(&id, &e, &got);
        for (hint, secret) in &resolved.secrets {
            let status = token_status(&http, base, &id, secret).await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{id}: acknowledged secret {hint} does not work"
            );
        }
        for (hint, secret) in &resolved.deleted_secrets {
            let status = token_status(&http, base, &id, secret).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{id}: deleted secret {hint} still works"
            );
        }
        model.lock().unwrap().insert(id, resolved);
    }
}

/// The model of a live client after a restart, from what the API shows
/// (`got`): acknowledged changes must be there; an in-flight one may be.
fn resolve(id: &str, e: &Expected, got: &Value) -> Expected {
    let name = got["clientName"].as_str().unwrap().to_owned();
    let description = got["description"].as_str().map(str::to_owned);
    let hints: Vec<String> = got["clientSecrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["hint"].as_str().unwrap().to_owned())
        .collect();
    let mut resolved = Expected {
        pending: None,
        ..e.clone()
    };
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
    match &e.pending {
        Some(Pending::DeleteSecret { hint }) if !hints.contains(hint) => {
            let i = resolved
                .secrets
                .iter()
                .position(|(h, _)| h == hint)
                .unwrap();
            let gone = resolved.secrets.remove(i);
            resolved.deleted_secrets.push(gone);
            resolved.known_hints -= 1;
        }
        Some(Pending::AddSecret) if hints.len() == e.known_hints + 1 => resolved.known_hints += 1,
        _ => {}
    }
    assert_eq!(
        hints.len(),
        resolved.known_hints,
        "{id}: {hints:?} listed, {} known (in flight: {:?})",
        e.known_hints,
        e.pending
    );
    for (hint, _) in &resolved.secrets {
        assert!(
            hints.contains(hint),
            "{id}: acknowledged secret {hint} is not listed"
        );
    }
    for (hint, _) in &resolved.deleted_secrets {
        assert!(
            !hints.contains(hint),
            "{id}: deleted secret {hint} is listed"
        );
    }
    resolved
}

/// id, secret_count, config, client_name, secret rows, rows with a bad hash,
/// live directory rows.
type ClientRow = (String, i64, String, String, i64, i64, Option<i64>);

const CLIENT_ROWS: &str = "SELECT c.client_id, c.secret_count, c.config, c.client_name, \
        (SELECT COUNT(*) FROM client_secrets s WHERE s.tenant_id = c.tenant_id AND s.client_id = c.client_id), \
        (SELECT COUNT(*) FROM client_secrets s WHERE s.tenant_id = c.tenant_id AND s.client_id = c.client_id AND length(s.secret_hash) <> 32), \
        (SELECT COUNT(*) FROM client_directory d WHERE d.client_id = c.client_id AND d.tenant_id = c.tenant_id AND d.deleted_at IS NULL) \
     FROM clients c";

/// Rows left behind by a half-made or half-deleted client: secrets without
/// their client, live directory entries without their client, tenants whose
/// client counter disagrees with their clients.
const LEFTOVERS: [&str; 3] = [
    "SELECT COUNT(*) FROM client_secrets s WHERE NOT EXISTS \
     (SELECT 1 FROM clients c WHERE c.tenant_id = s.tenant_id AND c.client_id = s.client_id)",
    "SELECT COUNT(*) FROM client_directory d WHERE d.deleted_at IS NULL AND NOT EXISTS \
     (SELECT 1 FROM clients c WHERE c.tenant_id = d.tenant_id AND c.client_id = d.client_id)",
    "SELECT COUNT(*) FROM tenants t WHERE t.client_count <> \
     (SELECT COUNT(*) FROM clients c WHERE c.tenant_id = t.tenant_id)",
];

/// Every client in the database is whole: its secret counter matches its
/// secret rows, every hint has a SHA-256 hash, its stored configuration
/// parses and agrees with the indexed columns; no row of a deleted client is
/// left, acknowledged deletions are in the directory, and (SQLite) the file
/// is intact.
async fn verify_db(url: &str, model: &Model) {
    let mut db = RawDb::connect(url).await;
    if let RawDb::Sqlite(c) = &mut db {
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(c)
            .await
            .unwrap();
        assert_eq!(check, "ok");
    }
    let rows: Vec<ClientRow> =
        on_raw_db!(&mut db, c => sqlx::query_as(CLIENT_ROWS).fetch_all(c).await.unwrap());
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
    for sql in LEFTOVERS {
        assert_eq!(
            db.scalar(sql, &[]).await,
            0,
            "half-made or half-deleted rows: {sql}"
        );
    }
    let deleted: Vec<String> = model
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, e)| e.deleted)
        .map(|(id, _)| id.clone())
        .collect();
    for id in &deleted {
        let rows = db
            .scalar("SELECT COUNT(*) FROM clients WHERE client_id = $1", &[id])
            .await;
        assert_eq!(rows, 0, "{id}: deleted, but its row is there");
        let tombstones = db
            .scalar(
                "SELECT COUNT(*) FROM client_directory WHERE client_id = $1 AND deleted_at IS NOT NULL",
                &[id],
            )
            .await;
        assert_eq!(
            tombstones, 1,
            "{id}: deleted, but not marked in the directory"
        );
    }
    db.close().await;
}

/// Live clients of the model, `OWN_CLIENTS` per worker.
fn own_clients(model: &Model, worker: usize) -> Vec<String> {
    let m = model.lock().unwrap();
    let mut live: Vec<&String> = m
        .iter()
        .filter(|(_, e)| !e.deleted)
        .map(|(id, _)| id)
        .collect();
    live.sort();
    live.into_iter()
        .skip(worker * OWN_CLIENTS)
        .take(OWN_CLIENTS)
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_and_deletes_survive_kill_9_in_every_round() {
    let db = TestDb::fresh().await;
    let admin = tenant_create(&db.url, "crash");
    let (admin_id, admin_secret) = (
        admin["clientId"].as_str().unwrap().to_owned(),
        admin["clientSecret"].as_str().unwrap().to_owned(),
    );
    let model: Model = Arc::default();
    let seed = seed();
    eprintln!("crash test seed {seed} ({:?})", backend());
    let mut rng = Rng(seed);
    let no_limits = ["--rate-limit-tier1", "0", "--rate-limit-tier2", "0"];
    let mut killed_during_delete = 0;
    for round in 0..=ROUNDS {
        let mut server = Server::start(&db.url, &no_limits);
        let http = reqwest::Client::new();
        let token = token(&http, &server.base, &admin_id, &admin_secret).await;
        verify_api(&server.base, &token, &model).await;
        verify_db(&db.url, &model).await;
        if round == ROUNDS {
            assert!(server.terminate());
            break;
        }
        let acks = Arc::new(AtomicUsize::new(0));
        let deleting = Arc::new(AtomicUsize::new(0));
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut tasks = Vec::new();
        for w in 0..WORKERS {
            let worker = Worker {
                http: http.clone(),
                base: server.base.clone(),
                token: token.clone(),
                model: model.clone(),
                acks: acks.clone(),
                deleting: deleting.clone(),
                rng: Rng(rng.next() | 1),
                own: own_clients(&model, w),
                n: 0,
            };
            tasks.push(tokio::spawn(worker.run(deadline)));
        }
        // Kill at a random point of the load, counted in acknowledged writes
        // so that the moment does not depend on the machine's speed; after
        // the first round, at the first moment after it that a delete is in
        // flight.
        let kill_at = 15 + rng.below(60) as usize;
        let during_delete = round > 0;
        loop {
            let ready = acks.load(Ordering::SeqCst) >= kill_at
                && (!during_delete || deleting.load(Ordering::SeqCst) > 0);
            if ready || Instant::now() >= deadline {
                killed_during_delete += usize::from(ready && during_delete);
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
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
    let m = model.lock().unwrap();
    assert!(m.values().filter(|e| !e.deleted).count() >= WORKERS * OWN_CLIENTS);
    assert!(m.values().any(|e| e.deleted), "clients were deleted");
    assert!(
        m.values().any(|e| !e.deleted_secrets.is_empty()),
        "secrets were deleted"
    );
    assert!(killed_during_delete >= 1, "a kill hit a delete in flight");
    assert_ne!(
        backend() == Backend::Postgres,
        db.url.starts_with("sqlite:")
    );
}
