//! Bounded list statements on SQLite (issue 12 point 6), in the `api`
//! target only (`only_api.rs`): a list statement runs on the request's own
//! thread there, where dropping the request's future cannot stop it, so the
//! store interrupts it at the request's deadline. PostgreSQL's statements
//! are bounded by its `statement_timeout` and cancelled with the future.
//!
//! One tenant holds many clients (loaded by one SQL statement); a filter no
//! index serves, with `totalResults`, makes its list read every one of them.

use crate::support::process::{Server, tenant_create, token};
use crate::support::*;
use reqwest::StatusCode;
use std::time::{Duration, Instant};

/// Clients loaded into the big tenant.
const CLIENTS: u32 = 1_000_000;

/// A list that reads every client of the tenant and counts them, testing
/// each against 32 substrings none has (the most a filter's length allows).
fn scan() -> String {
    let groups: Vec<String> = (0..8)
        .map(|g| {
            let terms: Vec<String> = (0..4)
                .map(|t| match t % 2 {
                    0 => format!("clientName co \"z{g}{t}\""),
                    _ => format!("clientId ew \"q{g}{t}\""),
                })
                .collect();
            format!("({})", terms.join(" or "))
        })
        .collect();
    let filter = format!("not ({})", groups.join(" or "));
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("totalResults", "true")
        .append_pair("filter", &filter)
        .finish();
    format!("/api/core/oauth-clients?{query}")
}

/// `CLIENTS` clients for `tenant`, straight into the table, in one
/// transaction. The insert trigger is set aside meanwhile (and put back as it
/// was, from its stored SQL): its trigram postings, a dozen rows per client,
/// were most of this test's time, and no list of this test reads them (its
/// filters are walks: `not`, `sw` on the id); the tenant's client counter,
/// which the trigger also keeps, is kept here.
async fn load(db: &TestDb, tenant: &str) {
    assert_eq!(
        backend(),
        Backend::Sqlite,
        "a module of the api target only"
    );
    let mut raw = RawDb::connect(&db.url).await;
    let RawDb::Sqlite(conn) = &mut raw else {
        unreachable!("SQLite only")
    };
    let trigger: String = sqlx::query_scalar(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'clients_after_insert'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    raw.execute("BEGIN IMMEDIATE", &[]).await;
    raw.execute("DROP TRIGGER clients_after_insert", &[]).await;
    let sql = format!(
        "INSERT INTO clients (tenant_id, client_id, app_type, client_name, name_key, \
         created_at, updated_at, config) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {CLIENTS}) \
         SELECT $1, printf('load%028d', i), 'spa', 'Client ' || i, 'client ' || i, i, i, \
         '{{\"appType\":\"spa\",\"clientName\":\"Loaded\",\"connectionConfig\":{{\"consentMethod\":\"required\"}}}}' \
         FROM n"
    );
    raw.execute(&sql, &[tenant]).await;
    raw.execute(
        &format!("UPDATE tenants SET client_count = client_count + {CLIENTS} WHERE tenant_id = $1"),
        &[tenant],
    )
    .await;
    raw.execute(&trigger, &[]).await;
    raw.execute("COMMIT", &[]).await;
    raw.close().await;
}

/// A management token for a fresh tenant of `server`: (tenant id, token).
async fn tenant(
    db: &TestDb,
    server: &Server,
    http: &reqwest::Client,
    name: &str,
) -> (String, String) {
    let t = tenant_create(&db.url, name);
    let s = |k: &str| t[k].as_str().unwrap().to_owned();
    let token = token(http, &server.base, &s("clientId"), &s("clientSecret")).await;
    (s("tenantId"), token)
}

async fn get(
    http: &reqwest::Client,
    server: &Server,
    token: &str,
    path: &str,
) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    let res = http
        .get(format!("{}{path}", server.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.json().await.unwrap())
}

/// A list reading a million clients takes seconds; under a one-second
/// request timeout it is answered 503 (without the interrupt, the statement
/// runs to its end on the request's thread and the answer is a late 200),
/// and the one pooled connection then serves the next lists at once. While
/// it runs, the tenant's one slot of expensive lists is taken: another
/// expensive list of the tenant is answered 429, another tenant's 200.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_list_past_the_request_timeout_is_stopped_and_its_connection_serves_the_next() {
    let db = TestDb::fresh().await;
    let server = Server::start(
        &db.url,
        &[
            "--request-timeout",
            "1",
            "--db-max-connections",
            "1",
            "--max-expensive-lists-per-tenant",
            "1",
        ],
    );
    let http = reqwest::Client::new();
    let (big, big_token) = tenant(&db, &server, &http, "big").await;
    let (_, small_token) = tenant(&db, &server, &http, "small").await;
    load(&db, &big).await;
    let started = Instant::now();
    let slow = tokio::spawn({
        let (http, base, token) = (http.clone(), server.base.clone(), big_token.clone());
        async move {
            let res = http
                .get(format!("{base}{}", scan()))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            let status = res.status();
            (status, res.json::<serde_json::Value>().await.unwrap())
        }
    });
    // An expensive list the index answers at once (a filtered count):
    // asked until the slow list has taken the tenant's one slot.
    let probe = "/api/core/oauth-clients?totalResults=true&filter=clientId%20eq%20%22none%22";
    let (status, headers, body) = loop {
        let answer = get(&http, &server, &big_token, probe).await;
        if answer.0 != 200 || slow.is_finished() {
            break answer;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_error_code(StatusCode::from_u16(status).unwrap(), &body, "HTTP-429");
    assert_eq!(headers["retry-after"], "1");
    let detail = body["errors"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("1 expensive list"), "{detail}");
    let (status, _, body) = get(&http, &server, &small_token, &scan()).await;
    assert_eq!(status, 200, "another tenant's expensive list: {body}");
    assert!(!slow.is_finished(), "the slow list still held its slot");
    let (status, body) = slow.await.unwrap();
    eprintln!(
        "the slow list was answered {status} after {:?}",
        started.elapsed()
    );
    assert_error_code(status, &body, "HTTP-503");
    // The same pool, at once: a plain page, an expensive list of another
    // tenant, and the slot of the big tenant back.
    let (status, _, body) = get(
        &http,
        &server,
        &big_token,
        "/api/core/oauth-clients?limit=3",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"].as_array().unwrap().len(), 3);
    let (status, _, body) = get(&http, &server, &small_token, &scan()).await;
    assert_eq!(
        (status, body["totalResults"].as_i64()),
        (200, Some(2)),
        "{body}"
    );
    let (status, _, body) = get(
        &http,
        &server,
        &big_token,
        "/api/core/oauth-clients?filter=clientId%20sw%20%22load%22",
    )
    .await;
    assert_eq!(status, 200, "{body}");
}
