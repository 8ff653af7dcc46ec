//! In-thread SQLite reads for the hot paths: a bearer token's liveness check,
//! `GET` of one client, the token endpoint's client lookup, and `/health`.
//!
//! sqlx's SQLite driver runs every statement on a worker thread of its own
//! connection: two thread handoffs per statement, which on these paths cost
//! more than the statement itself (a point lookup in a B-tree takes a few
//! microseconds). These reads run instead on the calling thread, through
//! rusqlite connections to the same file that share sqlx's bundled SQLite
//! library. In WAL mode a reader never waits for the writer, so the calling
//! thread is held only for the lookup. Should SQLite still answer "busy"
//! (WAL recovery after a crash of another process), the read returns
//! [`Busy`] at once (no busy timeout here) and the caller repeats it through
//! the sqlx pool, which waits off-thread.
//!
//! Writes and every other read keep going through sqlx (`sqlite.rs` and the
//! statement files), so the write path, its group commit and the migrations
//! are unchanged. Each read here runs the same SQL text as its sqlx version:
//! the constants of `clients.rs` and `tokens.rs`. `sqlite_in_thread.rs`
//! chooses between the two.

use super::clients::{FIND_AUTH_CLIENT, FIND_CLIENT};
use super::list_plan_memo::PlanMemo;
use super::liveness::TOKEN_FACTS;
use super::shared::PING;
use super::sqlite_pragmas::ConnectionPragmas;
use super::{StoreError, decode_config};
use crate::domain::client_record::{AuthClient, AuthSecret, ClientRecord, SecretInfo};
use crate::domain::ids::{ClientId, TenantId, UserId};
use crate::domain::time::Timestamp;
use crate::domain::token_liveness::{ClientFacts, LiveFacts};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode, OpenFlags, params};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// SQLite could not start the read at once; repeat it through the pool.
#[derive(Debug)]
pub(crate) struct Busy;

/// Most idle connections kept; more are opened when more threads read at
/// once (a handful: the runtime's worker threads) and closed afterwards.
const MAX_IDLE: usize = 16;

/// A small pool of read-only connections, each used by one thread at a time.
pub(crate) struct InThreadReads {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// The list pages' plans (`list_plan_memo.rs`).
    pub(super) plans: PlanMemo,
}

pub(crate) type ReadResult<T> = Result<Result<T, StoreError>, Busy>;

/// A client's row of [`TOKEN_FACTS`]: its configuration, token generation,
/// what it says of the token itself, and the ids of its secrets.
type FactsRow = (String, i64, TokenStanding, Vec<String>);

/// The per-token booleans of a [`TOKEN_FACTS`] row.
struct TokenStanding {
    revoked: bool,
    user_active: bool,
    user_admin: bool,
    grant_live: bool,
}

impl InThreadReads {
    /// Opens one connection now, so a bad path fails at start, not later.
    pub(crate) fn open(path: &Path) -> rusqlite::Result<Self> {
        let reads = Self {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
            plans: PlanMemo::default(),
        };
        let first = reads.connect()?;
        reads.put_back(first);
        Ok(reads)
    }

    fn connect(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // A reader that must wait would hold its thread: answer busy at
        // once instead, and let the caller go through the pool.
        conn.busy_timeout(std::time::Duration::ZERO)?;
        // `synchronous` is left at the bundled SQLite's default, FULL: these
        // connections never write, and setting it here would touch the file
        // before the first read. `Store::connection_pragmas` reads it back
        // and the durability test checks it.
        conn.pragma_update(None, "query_only", true)?;
        // The planner's stability guarantee: a statement whose `LIKE`
        // pattern is a parameter (every `sw`, `co` and `ew` of a list) was
        // otherwise compiled again after every bind, in case the new pattern
        // allowed an index range (a quarter of a substring page's time); the
        // list engine adds those ranges itself.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        Ok(conn)
    }

    /// The durability settings of every idle connection and of a new one,
    /// opened as `read` opens them (`sqlite_pragmas.rs`).
    pub(crate) fn pragmas(&self) -> rusqlite::Result<Vec<ConnectionPragmas>> {
        let mut conns = std::mem::take(&mut *self.idle.lock().unwrap_or_else(|p| p.into_inner()));
        conns.push(self.connect()?);
        let out = conns
            .iter()
            .enumerate()
            .map(|(i, c)| super::sqlite_pragmas::of_rusqlite(c, format!("in-thread {i}")))
            .collect();
        for conn in conns {
            self.put_back(conn);
        }
        out
    }

    fn put_back(&self, conn: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
    }

    /// Runs `f` on an idle connection (or a new one).
    fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> ReadResult<T> {
        let taken = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match taken {
            Some(c) => c,
            None => match self.connect() {
                Ok(c) => c,
                Err(e) => return classify(e),
            },
        };
        let result = f(&conn);
        self.put_back(conn);
        match result {
            Ok(v) => Ok(Ok(v)),
            Err(e) => classify(e),
        }
    }

    /// Runs `f` on an idle connection (or a new one), for reads that
    /// classify their own errors (`sqlite_list_in_thread.rs`).
    pub(crate) fn with_connection<T>(
        &self,
        f: impl FnOnce(&Connection) -> ReadResult<T>,
    ) -> ReadResult<T> {
        let taken = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match taken {
            Some(c) => c,
            None => match self.connect() {
                Ok(c) => c,
                Err(e) => return classify(e),
            },
        };
        let result = f(&conn);
        self.put_back(conn);
        result
    }

    pub(crate) fn ping(&self) -> ReadResult<()> {
        self.read(|c| c.prepare_cached(PING)?.query_row([], |_| Ok(())))
    }

    pub(crate) fn find_client(
        &self,
        tenant: &TenantId,
        id: &ClientId,
    ) -> ReadResult<Option<ClientRecord>> {
        let rows = self.read(|c| {
            let mut stmt = c.prepare_cached(FIND_CLIENT)?;
            let mut rows = stmt.query(params![tenant.as_str(), id.as_str()])?;
            let mut found: Option<(String, i64, i64, String, Vec<SecretInfo>)> = None;
            while let Some(row) = rows.next()? {
                let entry = match &mut found {
                    Some(e) => e,
                    None => found.insert((
                        row.get("client_id")?,
                        row.get("created_at")?,
                        row.get("updated_at")?,
                        row.get("config")?,
                        Vec::new(),
                    )),
                };
                if let Some(hint) = row.get::<_, Option<String>>("secret_hint")? {
                    entry.4.push(SecretInfo {
                        hint,
                        created_at: Timestamp::from_micros(
                            row.get::<_, Option<i64>>("secret_created_at")?
                                .unwrap_or_default(),
                        ),
                        created_by: row
                            .get::<_, Option<String>>("secret_created_by")?
                            .unwrap_or_default(),
                    });
                }
            }
            Ok(found)
        })?;
        Ok(rows.and_then(|found| {
            let Some((client_id, created_at, updated_at, config, secrets)) = found else {
                return Ok(None);
            };
            Ok(Some(ClientRecord {
                client_id: ClientId::from_trusted(client_id),
                config: decode_config(&config)?,
                created_at: Timestamp::from_micros(created_at),
                updated_at: Timestamp::from_micros(updated_at),
                secrets,
            }))
        }))
    }

    pub(crate) fn find_auth_client(&self, id: &ClientId) -> ReadResult<Option<AuthClient>> {
        let rows = self.read(|c| {
            let mut stmt = c.prepare_cached(FIND_AUTH_CLIENT)?;
            let mut rows = stmt.query(params![id.as_str()])?;
            let mut found: Option<(String, String, i64, Vec<AuthSecret>)> = None;
            while let Some(row) = rows.next()? {
                let entry = match &mut found {
                    Some(e) => e,
                    None => found.insert((
                        row.get("tenant_id")?,
                        row.get("config")?,
                        row.get("token_generation")?,
                        Vec::new(),
                    )),
                };
                let hash = row.get::<_, Option<Vec<u8>>>("secret_hash")?;
                let secret_id = row.get::<_, Option<String>>("secret_id")?;
                if let (Some(hash), Some(id)) = (hash, secret_id) {
                    entry.3.push(AuthSecret { id, hash });
                }
            }
            Ok(found)
        })?;
        Ok(rows.and_then(|found| {
            let Some((tenant_id, config, token_generation, secrets)) = found else {
                return Ok(None);
            };
            Ok(Some(AuthClient {
                tenant_id: TenantId::from_trusted(tenant_id),
                client_id: id.clone(),
                config: decode_config(&config)?,
                secrets,
                token_generation,
            }))
        }))
    }

    /// What the store says of a token now ([`TOKEN_FACTS`]).
    pub(crate) fn token_facts(
        &self,
        tenant: &TenantId,
        client: &ClientId,
        jti: &str,
        user: Option<&UserId>,
        grant: Option<&str>,
    ) -> ReadResult<LiveFacts> {
        let user = user.map_or("", UserId::as_str);
        let grant = grant.unwrap_or("");
        let rows = self.read(|c| {
            let mut stmt = c.prepare_cached(TOKEN_FACTS)?;
            let mut rows =
                stmt.query(params![tenant.as_str(), client.as_str(), jti, user, grant])?;
            let mut found: Option<FactsRow> = None;
            while let Some(row) = rows.next()? {
                let entry = match &mut found {
                    Some(e) => e,
                    None => found.insert((
                        row.get("config")?,
                        row.get("token_generation")?,
                        TokenStanding {
                            revoked: row.get("revoked")?,
                            user_active: row.get("user_active")?,
                            user_admin: row.get("user_admin")?,
                            grant_live: row.get("grant_live")?,
                        },
                        Vec::new(),
                    )),
                };
                if let Some(id) = row.get::<_, Option<String>>("secret_id")? {
                    entry.3.push(id);
                }
            }
            Ok(found)
        })?;
        Ok(rows.and_then(|found| {
            let Some((config, token_generation, standing, secret_ids)) = found else {
                return Ok(LiveFacts {
                    client: None,
                    revoked: false,
                    user_active: false,
                    user_admin: false,
                    grant_live: false,
                });
            };
            Ok(LiveFacts {
                client: Some(ClientFacts {
                    config: decode_config(&config)?,
                    secret_ids,
                    token_generation,
                }),
                revoked: standing.revoked,
                user_active: standing.user_active,
                user_admin: standing.user_admin,
                grant_live: standing.grant_live,
            })
        }))
    }
}

/// Busy and locked mean "not now": the caller repeats the read through the
/// pool. Anything else is the read's answer.
pub(crate) fn classify<T>(e: rusqlite::Error) -> ReadResult<T> {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Err(Busy),
        Some(ErrorCode::CannotOpen | ErrorCode::SystemIoFailure | ErrorCode::OutOfMemory) => {
            Ok(Err(StoreError::Unavailable(Box::new(e))))
        }
        _ => Ok(Err(StoreError::Db(Box::new(e)))),
    }
}

#[cfg(test)]
#[path = "sqlite_reads_tests.rs"]
mod tests;
