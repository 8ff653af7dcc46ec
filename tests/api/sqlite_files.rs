//! SQLite's own files (contract §6), in the `api` target only
//! (`only_api.rs`): PostgreSQL has no database file.
//!
//! A database file its group or other users may read is refused by every
//! command that opens the store, unless `--allow-shared-db-file`; and every
//! connection the server opens to the file commits durably (`synchronous`
//! FULL, WAL), which is what makes a 2xx mean "on disk".

use crate::support::process::{BIN, Server, refused_start};
use crate::support::*;
use std::process::Command;

/// The SQLite file of `db`: this module runs in the SQLite target only, so
/// there always is one.
fn file_of(db: &TestDb) -> std::path::PathBuf {
    assert_eq!(
        backend(),
        Backend::Sqlite,
        "a module of the api target only"
    );
    db.sqlite_path().expect("a SQLite database file")
}

#[cfg(unix)]
#[tokio::test]
async fn a_shared_database_file_is_refused_unless_allowed() {
    use std::os::unix::fs::PermissionsExt as _;
    let db = TestDb::fresh().await;
    let path = file_of(&db);
    drop(Server::start(&db.url, &[]));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = refused_start(&db.url, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(stderr.contains("chmod 600"), "{stderr}");
    // So is every command that opens the store.
    let out = Command::new(BIN)
        .args(["tenant", "create", "t", "--database-url", &db.url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "tenant create");
    let mut server = Server::start(&db.url, &["--allow-shared-db-file"]);
    let health = reqwest::get(format!("{}/health", server.base))
        .await
        .unwrap();
    assert_eq!(
        health.status(),
        reqwest::StatusCode::OK,
        "serves the shared file"
    );
    let status = crate::support::process::terminate(&mut server.child);
    let logs = server.logs.lock().unwrap().join("\n");
    assert!(status.success(), "{status:?}: {logs}");
}

#[tokio::test]
async fn every_connection_the_server_opens_is_wal_with_synchronous_full() {
    let app = spawn_app().await;
    file_of(&app.db);
    // Work on every path first, so each kind of connection has been used.
    let c = app.web_client(&app.admin.token, "durable").await;
    let id = c["clientId"].as_str().unwrap();
    let (status, _) = app.get_client(&app.admin.token, id).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    let pragmas = app.store.connection_pragmas().await.expect("pragmas");
    // Every kind of connection is there: the read pool filled to its
    // maximum, the writer, the checkpoint connection, the in-thread readers.
    let kinds = ["read pool", "writer", "checkpoint", "in-thread"];
    for kind in kinds {
        assert!(
            pragmas.iter().any(|p| p.connection.starts_with(kind)),
            "no {kind} connection in {pragmas:#?}"
        );
    }
    let pool = pragmas
        .iter()
        .filter(|p| p.connection.starts_with("read pool"))
        .count();
    assert_eq!(
        pool,
        registrar::store::PoolSettings::default().max_connections as usize
    );
    for p in &pragmas {
        assert_eq!(
            p.synchronous, 2,
            "{}: synchronous is not FULL: {p:?}",
            p.connection
        );
        assert_eq!(
            p.journal_mode, "wal",
            "{}: not in WAL mode: {p:?}",
            p.connection
        );
    }
}
