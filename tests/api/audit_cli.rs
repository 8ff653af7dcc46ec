//! The audit log's commands against the real binary: `tenant webhook set`
//! and `unset`, `audits export`, and deliveries that survive `kill -9` of a
//! real `registrar serve`.

use crate::support::audit::{Receiver, SECRET, exported};
use crate::support::process::{BIN, Server, tenant_create, token};
use crate::support::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::io::Write as _;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// Runs `registrar ARGS --database-url DB` with `stdin`.
fn registrar(args: &[&str], db: &str, stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .args(["--database-url", db])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run registrar");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

#[tokio::test]
async fn webhook_set_checks_its_target_and_secret_and_unset_removes_it() {
    let db = TestDb::fresh().await;
    let t = tenant_create(&db.url, "acme");
    let tenant = t["tenantId"].as_str().unwrap();
    let hook = "https://hooks.example.com/registrar";

    let refused = registrar(
        &["tenant", "webhook", "set", tenant, "http://127.0.0.1:9/x"],
        &db.url,
        "",
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--allow-loopback-webhooks"));
    let bad_secret = registrar(
        &["tenant", "webhook", "set", tenant, hook, "--secret-stdin"],
        &db.url,
        "hunter2\n",
    );
    assert_eq!(bad_secret.status.code(), Some(1));
    assert!(
        !String::from_utf8_lossy(&bad_secret.stderr).contains("hunter2"),
        "the secret is never shown"
    );

    let given = stdout_json(&registrar(
        &["tenant", "webhook", "set", tenant, hook, "--secret-stdin"],
        &db.url,
        &format!("{SECRET}\n"),
    ));
    assert_eq!(given, json!({"tenantId": tenant, "url": hook}));
    // Without --secret-stdin a secret is generated and shown once.
    let generated = stdout_json(&registrar(
        &["tenant", "webhook", "set", tenant, hook],
        &db.url,
        "",
    ));
    let secret = generated["secret"].as_str().unwrap();
    assert!(
        secret.starts_with("whsec_") && secret.len() > 40,
        "{secret}"
    );
    let loopback = stdout_json(&registrar(
        &[
            "tenant",
            "webhook",
            "set",
            tenant,
            "http://127.0.0.1:9/x",
            "--allow-loopback-webhooks",
            "--secret-stdin",
        ],
        &db.url,
        SECRET,
    ));
    assert_eq!(loopback["url"], "http://127.0.0.1:9/x");
    let unknown = registrar(
        &["tenant", "webhook", "set", "nosuchtenant", hook],
        &db.url,
        "",
    );
    assert_eq!(unknown.status.code(), Some(1));

    let removed = stdout_json(&registrar(
        &["tenant", "webhook", "unset", tenant],
        &db.url,
        "",
    ));
    assert_eq!(removed, json!({"tenantId": tenant, "removed": true}));
    let again = stdout_json(&registrar(
        &["tenant", "webhook", "unset", tenant],
        &db.url,
        "",
    ));
    assert_eq!(again["removed"], false);
}

#[tokio::test]
async fn audits_export_prints_one_cloudevent_per_line_from_the_database() {
    let db = TestDb::fresh().await;
    let a = tenant_create(&db.url, "acme");
    let b = tenant_create(&db.url, "globex");
    let (a_id, b_id) = (
        a["tenantId"].as_str().unwrap(),
        b["tenantId"].as_str().unwrap(),
    );
    let out = registrar(
        &["audits", "export", "--since", "2000-01-01T00:00:00Z"],
        &db.url,
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let events: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    // Two tenants, each with its admin and console clients' `created` events.
    assert_eq!(events.len(), 2 * PROVISIONED_CLIENTS, "{text}");
    let tenants: HashSet<&str> = events
        .iter()
        .map(|e| e["tenantid"].as_str().unwrap())
        .collect();
    assert_eq!(tenants, HashSet::from([a_id, b_id]));
    assert!(
        events
            .iter()
            .all(|e| e["type"] == "com.registrar.oauth-client.created"
                && e["actor"] == json!({"sub":"system"}))
    );

    let only_a = registrar(
        &[
            "audits",
            "export",
            "--since",
            "2000-01-01T00:00:00+02:00",
            "--tenant",
            a_id,
        ],
        &db.url,
        "",
    );
    let only_a = String::from_utf8(only_a.stdout).unwrap();
    assert_eq!(only_a.lines().count(), PROVISIONED_CLIENTS);
    assert!(only_a.contains(a_id) && !only_a.contains(b_id));
    let later = registrar(
        &["audits", "export", "--since", "2999-01-01T00:00:00Z"],
        &db.url,
        "",
    );
    assert!(later.status.success() && later.stdout.is_empty());
    let bad = registrar(&["audits", "export", "--since", "yesterday"], &db.url, "");
    assert_eq!(bad.status.code(), Some(2), "a usage error");
    let help = Command::new(BIN)
        .args(["audits", "export", "--help"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("Example"));
}

/// The subjects' sequences of event ids.
fn per_subject(events: &[Value]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in events {
        out.entry(e["subject"].as_str().unwrap().to_owned())
            .or_default()
            .push(e["id"].as_str().unwrap().to_owned());
    }
    out
}

/// Events recorded while the receiver was down are still in the outbox
/// when the server is killed outright; the next server delivers every one
/// of them, in order per subject.
#[tokio::test]
async fn undelivered_events_survive_kill_9_and_arrive_after_a_restart() {
    let db = TestDb::fresh().await;
    let t = tenant_create(&db.url, "acme");
    let tenant = t["tenantId"].as_str().unwrap();
    let receiver = Receiver::start(SECRET, 0).await;
    receiver.set_down(true);
    let set = registrar(
        &[
            "tenant",
            "webhook",
            "set",
            tenant,
            &receiver.url,
            "--secret-stdin",
            "--allow-loopback-webhooks",
        ],
        &db.url,
        SECRET,
    );
    stdout_json(&set);
    let mut server = Server::start(
        &db.url,
        &["--allow-loopback-webhooks", "--rate-limit-tier2", "0"],
    );
    let http = reqwest::Client::new();
    let admin = token(
        &http,
        &server.base,
        t["clientId"].as_str().unwrap(),
        t["clientSecret"].as_str().unwrap(),
    )
    .await;
    let mut ids = Vec::new();
    for i in 0..6 {
        let res = http.post(format!("{}/api/core/oauth-clients", server.base)).bearer_auth(&admin)
            .json(&json!({"appType":"native","clientName":format!("n{i}"),"redirectUris":["com.example.app:/cb"]}))
            .send().await.unwrap();
        let (status, c) = read(res).await;
        assert_eq!(status, 201, "{c}");
        ids.push(c["clientId"].as_str().unwrap().to_owned());
    }
    for id in &ids {
        for v in ["a", "b"] {
            let res = http
                .patch(format!("{}/api/core/oauth-clients/{id}", server.base))
                .bearer_auth(&admin)
                .json(&json!([{"op":"add","path":"/description","value":v}]))
                .send()
                .await
                .unwrap();
            assert!(res.status().is_success());
        }
    }
    // The worker has tried (and been refused) before the kill.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while receiver.log().is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!receiver.log().is_empty(), "a delivery was attempted");
    server.kill9();
    assert!(receiver.accepted().is_empty());

    receiver.set_down(false);
    let _restarted = Server::start(&db.url, &["--allow-loopback-webhooks"]);
    let store =
        registrar::store::Store::connect(&db.url, &registrar::store::PoolSettings::default())
            .await
            .unwrap();
    let (all, _) = exported(&store, Some(tenant)).await;
    // Every event but the admin and console clients' (made before the webhook was set).
    let expected: Vec<Value> = all[PROVISIONED_CLIENTS..].to_vec();
    assert_eq!(expected.len(), 18);
    let got = receiver.wait_accepted(18, Duration::from_secs(120)).await;
    let mut seen = HashSet::new();
    let delivered: Vec<Value> = got
        .iter()
        .filter(|d| seen.insert(d.id.clone()))
        .map(|d| d.event())
        .collect();
    assert_eq!(delivered.len(), 18, "none lost");
    assert!(got.iter().all(|d| d.verified));
    assert_eq!(
        per_subject(&delivered),
        per_subject(&expected),
        "in order per subject"
    );
    store.close().await;
}
