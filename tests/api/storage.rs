//! What the store holds, read back with SQL on either backend: no plain
//! secret and no access token in any column of any table (contract §4:
//! secrets are stored only as a hash). The stored-bytes check in
//! `secrets.rs` also covers SQLite's WAL and PostgreSQL's rows as text; this
//! one reads every column of every table by name.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::json;
use sqlx::Row as _;

/// Every `table.column` of the database at `url` whose value contains
/// `needle` somewhere, compared as bytes.
async fn columns_containing(url: &str, needle: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.expect("open sqlite");
        let columns = sqlx::query(
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'",
        )
        .fetch_all(&pool)
        .await
        .expect("list columns");
        for col in columns {
            let (table, column): (String, String) = (col.get(0), col.get(1));
            // Identifiers come from the catalogue, not from input.
            let sql = format!(
                "SELECT COUNT(*) FROM \"{table}\" WHERE instr(CAST(\"{column}\" AS BLOB), $1) > 0"
            );
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(needle)
                .fetch_one(&pool)
                .await
                .expect("scan column");
            if n > 0 {
                found.push(format!("{table}.{column}"));
            }
        }
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await.expect("connect");
        let columns = sqlx::query(
            "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = current_schema()",
        )
        .fetch_all(&pool)
        .await
        .expect("list columns");
        for col in columns {
            let (table, column, ty): (String, String, String) =
                (col.get(0), col.get(1), col.get(2));
            // Every column is searched as bytes: bytea as it is, any other
            // type as the UTF-8 bytes of its text form.
            let value = if ty == "bytea" {
                format!("\"{column}\"")
            } else {
                format!("convert_to(\"{column}\"::text, 'UTF8')")
            };
            let sql = format!("SELECT COUNT(*) FROM \"{table}\" WHERE position($1 in {value}) > 0");
            let query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(needle.to_vec());
            let n: i64 = query.fetch_one(&pool).await.expect("scan column");
            if n > 0 {
                found.push(format!("{table}.{column}"));
            }
        }
        pool.close().await;
    }
    found
}

#[tokio::test]
async fn no_plain_secret_or_access_token_is_in_any_column_of_the_store() {
    let app = spawn_app().await;
    let c = app.web_client(&app.admin.token, "svc").await;
    let id = c["clientId"].as_str().unwrap();
    let mut secrets = vec![
        app.admin.client_secret.clone(),
        c["clientSecret"].as_str().unwrap().to_owned(),
    ];
    let (_, s) = app.add_secret(&app.admin.token, id).await;
    secrets.push(s["clientSecret"].as_str().unwrap().to_owned());
    // Losing and regaining client_secret makes the 202 secret.
    let (status, _) = app
        .patch(&app.admin.token, id, json!([{"op":"replace","path":"/allowedAuthMethods","value":["private_key_jwt"]},{"op":"add","path":"/publicKeys","value":[crate::support::keys::ec_jwk("k")]}]))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, p) = app
        .patch(
            &app.admin.token,
            id,
            json!([{"op":"replace","path":"/allowedAuthMethods","value":["client_secret"]}]),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{p}");
    secrets.push(p["clientSecret"].as_str().unwrap().to_owned());
    let token = app.token(id, secrets.last().unwrap(), None).await;

    for s in &secrets {
        let found = columns_containing(&app.db.url, s.as_bytes()).await;
        assert!(found.is_empty(), "a plain secret is stored in {found:?}");
    }
    let found = columns_containing(&app.db.url, token.as_bytes()).await;
    assert!(found.is_empty(), "an access token is stored in {found:?}");
    // The search does find what is stored: the hash of the current secret,
    // and the client id in its columns.
    let hash = registrar::domain::secret::hash_secret(secrets.last().unwrap());
    let found = columns_containing(&app.db.url, &hash).await;
    assert_eq!(found, ["client_secrets.secret_hash"]);
    let found = columns_containing(&app.db.url, id.as_bytes()).await;
    assert!(found.contains(&"clients.client_id".to_owned()), "{found:?}");
}
