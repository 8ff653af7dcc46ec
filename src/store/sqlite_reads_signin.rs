//! In-thread SQLite reads of the sign-in grants' hot path: the code an
//! exchange redeems, the refresh token a rotation uses, and their user, read
//! on the calling thread as `sqlite_reads.rs` reads clients and tokens (the
//! same SQL text as the sqlx versions, decoded by the same functions).

use super::Result;
use super::signin::{FIND_CODE, decode_code};
use super::signin_grants::{FIND_REFRESH, decode_refresh};
use super::sqlite_list_in_thread::{ColumnNames, ConnRow};
use super::sqlite_reads::{InThreadReads, ReadResult, classify};
use super::users::{FIND_USER, decode_user};
use crate::domain::ids::{TenantId, UserId};
use crate::domain::signin_records::{Code, RefreshToken};
use crate::domain::user::User;
use rusqlite::params;

impl InThreadReads {
    /// The first row of `sql` with `params`, decoded, if there is one.
    fn first_row<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        decode: impl FnOnce(&ConnRow<'_, '_>) -> Result<T>,
    ) -> ReadResult<Option<T>> {
        self.with_connection(|c| {
            let found = c.prepare_cached(sql).and_then(|mut stmt| {
                let names = ColumnNames::of(&stmt);
                let mut rows = stmt.query(params)?;
                Ok(rows.next()?.map(|row| decode(&ConnRow::new(row, &names))))
            });
            match found {
                Ok(decoded) => Ok(decoded.transpose()),
                Err(e) => classify(e),
            }
        })
    }

    pub(crate) fn find_code(&self, tenant: &TenantId, hash: &[u8]) -> ReadResult<Option<Code>> {
        self.first_row(FIND_CODE, params![tenant.as_str(), hash], |r| {
            decode_code(r, tenant, hash)
        })
    }

    pub(crate) fn find_refresh_token(
        &self,
        tenant: &TenantId,
        hash: &[u8],
    ) -> ReadResult<Option<RefreshToken>> {
        self.first_row(FIND_REFRESH, params![tenant.as_str(), hash], |r| {
            decode_refresh(r, tenant, hash)
        })
    }

    pub(crate) fn find_user(&self, tenant: &TenantId, id: &UserId) -> ReadResult<Option<User>> {
        self.first_row(FIND_USER, params![tenant.as_str(), id.as_str()], |r| {
            decode_user(r)
        })
    }
}
