//! The database under test: which backend this build of the suite runs on,
//! and a fresh, empty database per test.
//!
//! This suite is compiled twice: as the test target `api` (from `tests/api`)
//! and as `postgres` (from `tests/postgres`, a symbolic link to `tests/api`).
//! [`backend()`] tells the two apart by crate name, so every module, present
//! or future, runs on SQLite in `api` and on PostgreSQL in `postgres`.

use sqlx::Connection as _;
use std::io::Write as _;

/// An administrative URL of a PostgreSQL server (any database on it); each
/// test creates a database of its own there.
pub const PG_ENV: &str = "REGISTRAR_TEST_POSTGRES_URL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backend this test binary runs on, fixed at compile time by the name
/// of the test target.
pub fn backend() -> Backend {
    if env!("CARGO_CRATE_NAME") == "postgres" {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

pub fn is_postgres() -> bool {
    backend() == Backend::Postgres
}

/// The PostgreSQL server the `postgres` target runs on. Without one the whole
/// target is skipped: a notice on stderr, then the process ends with success,
/// so `cargo test` works on a machine without PostgreSQL but never reports
/// PostgreSQL tests as passed. `.ci/run` always sets the variable.
pub fn postgres_admin_url() -> String {
    match std::env::var(PG_ENV) {
        Ok(url) if !url.is_empty() => url,
        _ => skip_postgres_target(),
    }
}

fn skip_postgres_target() -> ! {
    // The first test to get here prints and ends the process; the others
    // wait on the lock until it is gone.
    static ONCE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _held = ONCE.lock();
    // Written to the stderr handle directly: the test harness captures
    // `eprintln!`, and this must be seen.
    let _ = writeln!(
        std::io::stderr(),
        "\nSKIPPED: the PostgreSQL half of the suite (test target `postgres`) did not run: \
         {PG_ENV} is not set. Set it to a PostgreSQL URL such as \
         postgres://postgres@127.0.0.1:5432/postgres (each test creates its own database there), \
         or run .ci/run, which starts a server.\n"
    );
    std::process::exit(0)
}

/// A fresh database URL: a temp SQLite file, or a new PostgreSQL database
/// that is dropped again with this value.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// The admin URL and name of the PostgreSQL database to drop.
    pg: Option<(String, String)>,
}

impl TestDb {
    pub async fn fresh() -> TestDb {
        match backend() {
            Backend::Postgres => Self::fresh_postgres(&postgres_admin_url()).await,
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("registrar.db").display());
                TestDb {
                    url,
                    _dir: Some(dir),
                    pg: None,
                }
            }
        }
    }

    /// A new, empty database on the PostgreSQL server at `admin`. An
    /// unreachable server fails the test: it never turns into a skip.
    pub async fn fresh_postgres(admin: &str) -> TestDb {
        let name = format!("rt_{}", registrar::domain::ids::random_alnum(16));
        // One plain connection, not a pool: a pool would retry a refused
        // connection for half a minute before failing.
        let mut conn = sqlx::PgConnection::connect(admin)
            .await
            .unwrap_or_else(|e| panic!("{PG_ENV} is set but PostgreSQL is unreachable: {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create database");
        let _ = conn.close().await;
        let mut url = url::Url::parse(admin).expect("postgres url");
        url.set_path(&format!("/{name}"));
        TestDb {
            url: url.to_string(),
            _dir: None,
            pg: Some((admin.to_owned(), name)),
        }
    }

    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        self._dir.as_ref().map(|d| d.path().join("registrar.db"))
    }

    pub fn dir(&self) -> Option<&std::path::Path> {
        self._dir.as_ref().map(|d| d.path())
    }
}

impl Drop for TestDb {
    /// Drops the PostgreSQL database, so repeated runs leave nothing behind
    /// on a developer's server. `WITH (FORCE)` ends the connections a test
    /// server may still hold. Done on a thread of its own because `Drop`
    /// cannot await and may run inside the test's runtime.
    fn drop(&mut self) {
        let Some((admin, name)) = self.pg.take() else {
            return;
        };
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&admin).await.ok()?;
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                let _ = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut conn)
                    .await;
                let _ = conn.close().await;
                Some(())
            })
        })
        .join();
    }
}
