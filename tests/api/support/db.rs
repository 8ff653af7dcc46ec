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
/// PostgreSQL tests as passed. Under `CI=true` a missing server fails the
/// test instead (`super::env::in_ci`); `.ci/run` always sets the variable.
pub fn postgres_admin_url() -> String {
    match std::env::var(PG_ENV) {
        Ok(url) if !url.is_empty() => url,
        _ => skip_postgres_target(),
    }
}

fn skip_postgres_target() -> ! {
    assert!(
        !super::env::in_ci(),
        "{PG_ENV} is not set, and under CI=true the PostgreSQL half of the suite must run"
    );
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

/// A fresh database of this target's backend: a temp SQLite file, or a new
/// PostgreSQL database that is dropped again with this value. Every test,
/// in-process or through `registrar` child processes, gets its database here
/// (`TestDb::fresh().await.url`); none writes a `sqlite:` URL of its own, so
/// each runs on the backend its target names.
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

/// A plain connection to a test database, for the few tests that read or
/// change stored rows directly (what the API cannot show: hashes, counters,
/// a damaged row). The SQL runs on both backends: `$1` placeholders, and
/// values cast to `BIGINT` where a count or length is read.
pub enum RawDb {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

/// Runs `$body` with `$c` bound to the backend's own connection, so a test can
/// use typed sqlx queries on either backend.
macro_rules! on_raw_db {
    ($db:expr, $c:ident => $body:expr) => {
        match $db {
            $crate::support::db::RawDb::Sqlite($c) => $body,
            $crate::support::db::RawDb::Postgres($c) => $body,
        }
    };
}
pub(crate) use on_raw_db;

impl RawDb {
    pub async fn connect(url: &str) -> RawDb {
        if url.starts_with("sqlite:") {
            RawDb::Sqlite(
                sqlx::SqliteConnection::connect(url)
                    .await
                    .expect("open SQLite"),
            )
        } else {
            RawDb::Postgres(
                sqlx::PgConnection::connect(url)
                    .await
                    .expect("connect PostgreSQL"),
            )
        }
    }

    /// Runs one statement with text parameters; returns the rows it changed.
    pub async fn execute(&mut self, sql: &str, binds: &[&str]) -> u64 {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        on_raw_db!(self, c => {
            let mut q = sqlx::query(sql);
            for b in binds {
                q = q.bind(*b);
            }
            q.execute(c).await.expect("statement").rows_affected()
        })
    }

    /// One `BIGINT` from one statement with text parameters.
    pub async fn scalar(&mut self, sql: &str, binds: &[&str]) -> i64 {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        on_raw_db!(self, c => {
            let mut q = sqlx::query_scalar::<_, i64>(sql);
            for b in binds {
                q = q.bind(*b);
            }
            q.fetch_one(c).await.expect("query")
        })
    }

    pub async fn close(self) {
        let _ = on_raw_db!(self, c => c.close().await);
    }
}

/// `SELECT count(*)`-style queries: one `BIGINT` read on a connection of its
/// own.
pub async fn scalar(url: &str, sql: &str, binds: &[&str]) -> i64 {
    let mut db = RawDb::connect(url).await;
    let n = db.scalar(sql, binds).await;
    db.close().await;
    n
}

/// Everything the database holds that a secret, hash or key could be found
/// in: the SQLite file and its `-wal` and `-shm`, or, on PostgreSQL, every row
/// of every table of the public schema as text (bytea as hex and as raw
/// bytes, so a search for either finds it).
pub async fn stored_bytes(db: &TestDb) -> Vec<u8> {
    if let Some(path) = db.sqlite_path() {
        let mut bytes = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            if let Ok(more) = std::fs::read(format!("{}{suffix}", path.display())) {
                bytes.extend(more);
            }
        }
        return bytes;
    }
    let mut conn = sqlx::PgConnection::connect(&db.url).await.expect("connect");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .expect("tables");
    let mut bytes = Vec::new();
    for table in tables {
        let sql = format!("SELECT row_to_json(t)::text FROM \"{table}\" t");
        let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut conn)
            .await
            .expect("rows");
        for row in rows {
            bytes.extend(row.as_bytes());
            // bytea columns appear as `\\x…` hex in JSON: add their bytes too.
            for hex in row.split("\\\\x").skip(1) {
                let digits: String = hex.chars().take_while(char::is_ascii_hexdigit).collect();
                bytes.extend(
                    (0..digits.len() / 2)
                        .filter_map(|i| u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).ok()),
                );
            }
        }
    }
    let _ = conn.close().await;
    bytes
}
