//! The SQLite backend's hot sign-in writes on the calling thread
//! (`group_commit_in_thread.rs`): a code's redemption and a refresh token's
//! rotation, with the statements of `signin_grants.rs` and the same steps as
//! their sqlx versions there, which serve in-memory databases.

use super::Result;
use super::signin_grants as sql;
use super::sqlite::SqliteStore;
use crate::domain::ids::TenantId;
use crate::domain::signin_records::{Code, Grant, join_scopes};
use crate::domain::time::Timestamp;
use rusqlite::{Connection, ToSql};

/// The shared statements name their parameters `$1`, `$2`, … (not always
/// in the order they appear), so values are bound by name.
const NAMES: [&str; 9] = ["$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8", "$9"];

/// Runs `statement` with `values` bound to `$1`, `$2`, …; the number of
/// rows it changed.
fn execute(conn: &Connection, statement: &str, values: &[&dyn ToSql]) -> rusqlite::Result<usize> {
    if values.len() > NAMES.len() {
        return Err(rusqlite::Error::InvalidParameterCount(
            values.len(),
            NAMES.len(),
        ));
    }
    let mut stmt = conn.prepare_cached(statement)?;
    for (name, value) in NAMES.iter().zip(values) {
        if let Some(index) = stmt.parameter_index(name)? {
            stmt.raw_bind_parameter(index, value)?;
        }
    }
    stmt.raw_execute()
}

impl SqliteStore {
    /// `redeem_code` (`signin_grants.rs`) on the calling thread.
    pub(crate) async fn redeem_code_in_thread(
        &self,
        code: &Code,
        grant: &Grant,
        refresh_hash: Option<&[u8]>,
        now: Timestamp,
    ) -> Result<bool> {
        if self.reads.is_none() {
            return self.redeem_code(code, grant, refresh_hash, now).await;
        }
        let t = code.tenant.as_str();
        let scopes = join_scopes(&grant.scopes);
        self.group
            .write_in_thread(|c| {
                if execute(c, sql::USE_CODE, &[&t, &code.code_hash, &now.micros()])? != 1 {
                    return Ok(false);
                }
                execute(
                    c,
                    sql::INSERT_GRANT,
                    &[
                        &t,
                        &grant.grant_id,
                        &grant.client_id.as_str(),
                        &grant.user_id,
                        &scopes,
                        &grant.auth_time.micros(),
                        &grant.created_at.micros(),
                        &grant.expires_at.micros(),
                        &grant.token_generation,
                    ],
                )?;
                if let Some(h) = refresh_hash {
                    execute(
                        c,
                        sql::INSERT_REFRESH,
                        &[&t, &h, &grant.grant_id, &now.micros()],
                    )?;
                }
                Ok(true)
            })
            .await
    }

    /// `rotate_refresh_token` (`signin_grants.rs`) on the calling thread.
    pub(crate) async fn rotate_refresh_token_in_thread(
        &self,
        tenant: &TenantId,
        old: &[u8],
        new: &[u8],
        grant_id: &str,
        now: Timestamp,
    ) -> Result<bool> {
        if self.reads.is_none() {
            return self
                .rotate_refresh_token(tenant, old, new, grant_id, now)
                .await;
        }
        let t = tenant.as_str();
        self.group
            .write_in_thread(|c| {
                if execute(c, sql::USE_REFRESH, &[&t, &old, &now.micros()])? != 1 {
                    return Ok(false);
                }
                execute(
                    c,
                    sql::INSERT_REFRESH,
                    &[&t, &new, &grant_id, &now.micros()],
                )?;
                Ok(true)
            })
            .await
    }
}
