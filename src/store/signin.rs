//! The sign-in's statements (interactions, sessions, codes, grants, refresh
//! tokens, consents, failed sign-ins), and `impl_signin!`, which runs them on
//! one backend (see `shared.rs`). Every statement names the tenant first.

use super::Result;
use super::list_table::DbRow;
use crate::domain::ids::{ClientId, TenantId};
use crate::domain::signin_records::{Code, split_scopes};
use crate::domain::time::Timestamp;

pub(super) const INSERT_INTERACTION: &str = "INSERT INTO signin_interactions \
    (tenant_id, ix_hash, binding_hash, csrf, client_id, request, expires_at, user_id, auth_time, session_hash) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
pub(super) const PRUNE_INTERACTIONS: &str =
    "DELETE FROM signin_interactions WHERE tenant_id = $1 AND expires_at < $2";
pub(super) const FIND_INTERACTION: &str = "SELECT binding_hash, csrf, client_id, request, user_id, auth_time, session_hash, expires_at \
    FROM signin_interactions WHERE tenant_id = $1 AND ix_hash = $2";
pub(super) const SIGN_IN_INTERACTION: &str = "UPDATE signin_interactions SET user_id = $3, auth_time = $4, session_hash = $5 \
    WHERE tenant_id = $1 AND ix_hash = $2";
pub(super) const DELETE_INTERACTION: &str =
    "DELETE FROM signin_interactions WHERE tenant_id = $1 AND ix_hash = $2";

pub(super) const INSERT_SESSION: &str = "INSERT INTO signin_sessions (tenant_id, session_hash, user_id, auth_time, last_seen) \
    VALUES ($1, $2, $3, $4, $4)";
pub(super) const PRUNE_SESSIONS: &str =
    "DELETE FROM signin_sessions WHERE tenant_id = $1 AND last_seen < $2";
pub(super) const FIND_SESSION: &str = "SELECT user_id, auth_time, last_seen FROM signin_sessions WHERE tenant_id = $1 AND session_hash = $2";
pub(super) const TOUCH_SESSION: &str = "UPDATE signin_sessions SET last_seen = $3 WHERE tenant_id = $1 AND session_hash = $2 AND last_seen < $3";
pub(super) const DELETE_SESSION: &str =
    "DELETE FROM signin_sessions WHERE tenant_id = $1 AND session_hash = $2";

pub(super) const INSERT_CODE: &str = "INSERT INTO authorization_codes (tenant_id, code_hash, grant_id, client_id, user_id, redirect_uri, \
    code_challenge, nonce, scopes, auth_time, expires_at, token_generation) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
pub(super) const PRUNE_CODES: &str =
    "DELETE FROM authorization_codes WHERE tenant_id = $1 AND expires_at < $2";
pub(super) const FIND_CODE: &str = "SELECT grant_id, client_id, user_id, redirect_uri, code_challenge, nonce, scopes, auth_time, expires_at, used_at, token_generation \
    FROM authorization_codes WHERE tenant_id = $1 AND code_hash = $2";

/// A row of [`FIND_CODE`]: the code of `tenant` whose hash is `hash`.
pub(super) fn decode_code(
    r: &(impl DbRow + ?Sized),
    tenant: &TenantId,
    hash: &[u8],
) -> Result<Code> {
    Ok(Code {
        tenant: tenant.clone(),
        code_hash: hash.to_vec(),
        grant_id: r.text("grant_id")?,
        client_id: ClientId::from_trusted(r.text("client_id")?),
        user_id: r.text("user_id")?,
        redirect_uri: r.text("redirect_uri")?,
        code_challenge: r.opt_text("code_challenge")?,
        nonce: r.opt_text("nonce")?,
        scopes: split_scopes(&r.text("scopes")?),
        auth_time: Timestamp::from_micros(r.int("auth_time")?),
        expires_at: Timestamp::from_micros(r.int("expires_at")?),
        used: r.opt_int("used_at")?.is_some(),
        token_generation: r.int("token_generation")?,
    })
}

/// The sign-in methods of `$Store`.
macro_rules! impl_signin {
    ($Store:ident) => {
        mod signin {
            use super::audit::record_event;
            use sqlx::Row as _;
            use $crate::domain::audit::AuditEvent;
            use $crate::domain::ids::{ClientId, TenantId};
            use $crate::domain::signin_records::{
                AuthRequest, Code, Interaction, Session, SignedIn, join_scopes,
            };
            use $crate::domain::time::Timestamp;
            use $crate::store::signin as sql;
            use $crate::store::{Result, StoreError};

            fn ts(v: i64) -> Timestamp {
                Timestamp::from_micros(v)
            }

            impl super::$Store {
                pub(crate) async fn insert_interaction(
                    &self,
                    ix: &Interaction,
                    now: Timestamp,
                ) -> Result<()> {
                    let request = serde_json::to_string(&ix.request)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    let mut tx = self.begin_write().await?;
                    sqlx::query(sql::PRUNE_INTERACTIONS)
                        .bind(ix.tenant.as_str())
                        .bind(now.micros())
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(sql::INSERT_INTERACTION)
                        .bind(ix.tenant.as_str())
                        .bind(&ix.ix_hash)
                        .bind(&ix.binding_hash)
                        .bind(&ix.csrf)
                        .bind(ix.client_id.as_str())
                        .bind(request)
                        .bind(ix.expires_at.micros())
                        .bind(ix.signed_in.as_ref().map(|w| w.user_id.clone()))
                        .bind(ix.signed_in.as_ref().map(|w| w.auth_time.micros()))
                        .bind(ix.signed_in.as_ref().map(|w| w.session_hash.clone()))
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                pub(crate) async fn find_interaction(
                    &self,
                    tenant: &TenantId,
                    ix_hash: &[u8],
                ) -> Result<Option<Interaction>> {
                    let Some(r) = sqlx::query(sql::FIND_INTERACTION)
                        .bind(tenant.as_str())
                        .bind(ix_hash)
                        .fetch_optional(&self.read)
                        .await?
                    else {
                        return Ok(None);
                    };
                    let request: String = r.try_get("request")?;
                    let request: AuthRequest = serde_json::from_str(&request)
                        .map_err(|e| StoreError::Corrupt(format!("interaction: {e}")))?;
                    let user_id: Option<String> = r.try_get("user_id")?;
                    let auth_time: Option<i64> = r.try_get("auth_time")?;
                    let session_hash: Option<Vec<u8>> = r.try_get("session_hash")?;
                    let signed_in = match (user_id, auth_time, session_hash) {
                        (Some(user_id), Some(t), Some(session_hash)) => Some(SignedIn {
                            user_id,
                            auth_time: ts(t),
                            session_hash,
                        }),
                        _ => None,
                    };
                    Ok(Some(Interaction {
                        tenant: tenant.clone(),
                        ix_hash: ix_hash.to_vec(),
                        binding_hash: r.try_get("binding_hash")?,
                        csrf: r.try_get("csrf")?,
                        client_id: ClientId::from_trusted(r.try_get::<String, _>("client_id")?),
                        request,
                        signed_in,
                        expires_at: ts(r.try_get("expires_at")?),
                    }))
                }

                /// Records the sign-in on the interaction, creates its
                /// session and records `event`, in one transaction.
                pub(crate) async fn sign_in_interaction(
                    &self,
                    tenant: &TenantId,
                    ix_hash: &[u8],
                    who: &SignedIn,
                    stale_before: Timestamp,
                    event: &AuditEvent,
                ) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query(sql::PRUNE_SESSIONS)
                        .bind(tenant.as_str())
                        .bind(stale_before.micros())
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(sql::INSERT_SESSION)
                        .bind(tenant.as_str())
                        .bind(&who.session_hash)
                        .bind(&who.user_id)
                        .bind(who.auth_time.micros())
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(sql::SIGN_IN_INTERACTION)
                        .bind(tenant.as_str())
                        .bind(ix_hash)
                        .bind(&who.user_id)
                        .bind(who.auth_time.micros())
                        .bind(&who.session_hash)
                        .execute(&mut *tx)
                        .await?;
                    record_event(&mut tx, event).await?;
                    tx.commit().await?;
                    Ok(())
                }

                pub(crate) async fn delete_interaction(
                    &self,
                    tenant: &TenantId,
                    ix_hash: &[u8],
                ) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query(sql::DELETE_INTERACTION)
                        .bind(tenant.as_str())
                        .bind(ix_hash)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                pub(crate) async fn find_session(
                    &self,
                    tenant: &TenantId,
                    hash: &[u8],
                ) -> Result<Option<Session>> {
                    let row = sqlx::query(sql::FIND_SESSION)
                        .bind(tenant.as_str())
                        .bind(hash)
                        .fetch_optional(&self.read)
                        .await?;
                    row.map(|r| {
                        Ok(Session {
                            tenant: tenant.clone(),
                            session_hash: hash.to_vec(),
                            user_id: r.try_get("user_id")?,
                            auth_time: ts(r.try_get("auth_time")?),
                            last_seen: ts(r.try_get("last_seen")?),
                        })
                    })
                    .transpose()
                }

                pub(crate) async fn touch_session(
                    &self,
                    tenant: &TenantId,
                    hash: &[u8],
                    now: Timestamp,
                ) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query(sql::TOUCH_SESSION)
                        .bind(tenant.as_str())
                        .bind(hash)
                        .bind(now.micros())
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                pub(crate) async fn delete_session(
                    &self,
                    tenant: &TenantId,
                    hash: &[u8],
                ) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query(sql::DELETE_SESSION)
                        .bind(tenant.as_str())
                        .bind(hash)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                /// Stores a code and ends the interaction it finishes (if
                /// any), in one transaction.
                pub(crate) async fn insert_code(
                    &self,
                    code: &Code,
                    finished_ix: Option<&[u8]>,
                    now: Timestamp,
                ) -> Result<()> {
                    let t = code.tenant.as_str();
                    let mut tx = self.begin_write().await?;
                    sqlx::query(sql::PRUNE_CODES)
                        .bind(t)
                        .bind(now.micros())
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(sql::INSERT_CODE)
                        .bind(t)
                        .bind(&code.code_hash)
                        .bind(&code.grant_id)
                        .bind(code.client_id.as_str())
                        .bind(&code.user_id)
                        .bind(&code.redirect_uri)
                        .bind(code.code_challenge.as_deref())
                        .bind(code.nonce.as_deref())
                        .bind(join_scopes(&code.scopes))
                        .bind(code.auth_time.micros())
                        .bind(code.expires_at.micros())
                        .bind(code.token_generation)
                        .execute(&mut *tx)
                        .await?;
                    if let Some(ix) = finished_ix {
                        sqlx::query(sql::DELETE_INTERACTION)
                            .bind(t)
                            .bind(ix)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok(())
                }

                pub(crate) async fn find_code(
                    &self,
                    tenant: &TenantId,
                    hash: &[u8],
                ) -> Result<Option<Code>> {
                    let row = sqlx::query(sql::FIND_CODE)
                        .bind(tenant.as_str())
                        .bind(hash)
                        .fetch_optional(&self.read)
                        .await?;
                    row.as_ref()
                        .map(|r| sql::decode_code(r, tenant, hash))
                        .transpose()
                }
            }
        }
    };
}

pub(super) use impl_signin;
