//! The statements of what a sign-in produces (grants and their refresh
//! tokens, consents) and of failed sign-ins, and `impl_signin_grants!`, which
//! runs them on one backend (see `shared.rs`). Every statement names the
//! tenant first.

use super::Result;
use super::list_table::DbRow;
use crate::domain::ids::{ClientId, TenantId};
use crate::domain::signin_records::{Grant, RefreshToken, split_scopes};
use crate::domain::time::Timestamp;

/// The one statement that decides which of two concurrent redemptions wins.
pub(super) const USE_CODE: &str = "UPDATE authorization_codes SET used_at = $3 WHERE tenant_id = $1 AND code_hash = $2 AND used_at IS NULL";
pub(super) const INSERT_GRANT: &str = "INSERT INTO signin_grants (tenant_id, grant_id, client_id, user_id, scopes, auth_time, created_at, expires_at, token_generation) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
pub(super) const REVOKE_GRANT: &str = "UPDATE signin_grants SET revoked_at = $3 WHERE tenant_id = $1 AND grant_id = $2 AND revoked_at IS NULL";
pub(super) const REVOKE_USER_CLIENT_GRANTS: &str = "UPDATE signin_grants SET revoked_at = $4 \
    WHERE tenant_id = $1 AND user_id = $2 AND client_id = $3 AND revoked_at IS NULL";

pub(super) const INSERT_REFRESH: &str = "INSERT INTO refresh_tokens (tenant_id, token_hash, grant_id, created_at) VALUES ($1, $2, $3, $4)";
pub(super) const FIND_REFRESH: &str = "SELECT r.used_at, g.grant_id, g.client_id, g.user_id, g.scopes, g.auth_time, g.created_at, g.expires_at, g.revoked_at, g.token_generation \
    FROM refresh_tokens r JOIN signin_grants g ON g.tenant_id = r.tenant_id AND g.grant_id = r.grant_id \
    WHERE r.tenant_id = $1 AND r.token_hash = $2";
pub(super) const USE_REFRESH: &str = "UPDATE refresh_tokens SET used_at = $3 WHERE tenant_id = $1 AND token_hash = $2 AND used_at IS NULL";

pub(super) const FIND_CONSENT: &str =
    "SELECT scopes FROM signin_consents WHERE tenant_id = $1 AND user_id = $2 AND client_id = $3";
pub(super) const SAVE_CONSENT: &str = "INSERT INTO signin_consents (tenant_id, user_id, client_id, scopes, granted_at) VALUES ($1, $2, $3, $4, $5) \
    ON CONFLICT (tenant_id, user_id, client_id) DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at";
/// A user's consents, one row per client, in client order.
pub(super) const LIST_CONSENTS: &str = "SELECT client_id, scopes, granted_at FROM signin_consents \
    WHERE tenant_id = $1 AND user_id = $2 ORDER BY client_id";
pub(super) const DELETE_CONSENT: &str =
    "DELETE FROM signin_consents WHERE tenant_id = $1 AND user_id = $2 AND client_id = $3";

pub(super) const FIND_FAILURES: &str = "SELECT failures, last_failure_at FROM signin_failures WHERE tenant_id = $1 AND account_key = $2";
/// Counts a failure; a count whose last failure is older than `$4`
/// (the lock time) starts again from one.
pub(super) const ADD_FAILURE: &str = "INSERT INTO signin_failures (tenant_id, account_key, failures, last_failure_at) VALUES ($1, $2, 1, $3) \
    ON CONFLICT (tenant_id, account_key) DO UPDATE SET \
    failures = CASE WHEN signin_failures.last_failure_at < $4 THEN 1 ELSE signin_failures.failures + 1 END, \
    last_failure_at = excluded.last_failure_at";
pub(super) const CLEAR_FAILURES: &str =
    "DELETE FROM signin_failures WHERE tenant_id = $1 AND account_key = $2";

/// A row of [`FIND_REFRESH`]: the refresh token of `tenant` whose hash is
/// `hash`, with its grant.
pub(super) fn decode_refresh(
    r: &(impl DbRow + ?Sized),
    tenant: &TenantId,
    hash: &[u8],
) -> Result<RefreshToken> {
    let ts = |column: &str| Ok::<_, super::StoreError>(Timestamp::from_micros(r.int(column)?));
    Ok(RefreshToken {
        token_hash: hash.to_vec(),
        used: r.opt_int("used_at")?.is_some(),
        grant: Grant {
            tenant: tenant.clone(),
            grant_id: r.text("grant_id")?,
            client_id: ClientId::from_trusted(r.text("client_id")?),
            user_id: r.text("user_id")?,
            scopes: split_scopes(&r.text("scopes")?),
            auth_time: ts("auth_time")?,
            created_at: ts("created_at")?,
            expires_at: ts("expires_at")?,
            revoked: r.opt_int("revoked_at")?.is_some(),
            token_generation: r.int("token_generation")?,
        },
    })
}

/// The grant, consent and failure methods of `$Store`.
macro_rules! impl_signin_grants {
    ($Store:ident) => {
        mod signin_grants {
            use super::audit::record_event;
            use sqlx::Row as _;
            use $crate::domain::audit::AuditEvent;
            use $crate::domain::ids::{ClientId, TenantId};
            use $crate::domain::signin_records::{
                Code, Consent, Grant, RefreshToken, join_scopes, split_scopes,
            };
            use $crate::domain::time::Timestamp;
            use $crate::store::Result;
            use $crate::store::signin_grants as sql;

            fn ts(v: i64) -> Timestamp {
                Timestamp::from_micros(v)
            }

            impl super::$Store {
                /// Marks the code used and creates its grant (and first
                /// refresh token), in one transaction; `false` when another
                /// request used the code first (nothing is written then).
                pub(crate) async fn redeem_code(
                    &self,
                    code: &Code,
                    grant: &Grant,
                    refresh_hash: Option<&[u8]>,
                    now: Timestamp,
                ) -> Result<bool> {
                    let t = code.tenant.as_str();
                    let mut tx = self.begin_write().await?;
                    let used = sqlx::query(sql::USE_CODE)
                        .bind(t)
                        .bind(&code.code_hash)
                        .bind(now.micros())
                        .execute(&mut *tx)
                        .await?;
                    if used.rows_affected() != 1 {
                        return Ok(false);
                    }
                    sqlx::query(sql::INSERT_GRANT)
                        .bind(t)
                        .bind(&grant.grant_id)
                        .bind(grant.client_id.as_str())
                        .bind(&grant.user_id)
                        .bind(join_scopes(&grant.scopes))
                        .bind(grant.auth_time.micros())
                        .bind(grant.created_at.micros())
                        .bind(grant.expires_at.micros())
                        .bind(grant.token_generation)
                        .execute(&mut *tx)
                        .await?;
                    if let Some(h) = refresh_hash {
                        sqlx::query(sql::INSERT_REFRESH)
                            .bind(t)
                            .bind(h)
                            .bind(&grant.grant_id)
                            .bind(now.micros())
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok(true)
                }

                /// Revokes the grant and records `event`; `false` (and no
                /// event) when it was revoked already.
                pub(crate) async fn revoke_grant(
                    &self,
                    tenant: &TenantId,
                    grant_id: &str,
                    now: Timestamp,
                    event: &AuditEvent,
                ) -> Result<bool> {
                    let mut tx = self.begin_write().await?;
                    let revoked = sqlx::query(sql::REVOKE_GRANT)
                        .bind(tenant.as_str())
                        .bind(grant_id)
                        .bind(now.micros())
                        .execute(&mut *tx)
                        .await?;
                    let changed = revoked.rows_affected() == 1;
                    if changed {
                        record_event(&mut tx, event).await?;
                    }
                    tx.commit().await?;
                    Ok(changed)
                }

                pub(crate) async fn find_refresh_token(
                    &self,
                    tenant: &TenantId,
                    hash: &[u8],
                ) -> Result<Option<RefreshToken>> {
                    let row = sqlx::query(sql::FIND_REFRESH)
                        .bind(tenant.as_str())
                        .bind(hash)
                        .fetch_optional(&self.read)
                        .await?;
                    row.as_ref()
                        .map(|r| sql::decode_refresh(r, tenant, hash))
                        .transpose()
                }

                /// Uses `old` and stores `new` in its place, in one
                /// transaction; `false` when `old` was used already.
                pub(crate) async fn rotate_refresh_token(
                    &self,
                    tenant: &TenantId,
                    old: &[u8],
                    new: &[u8],
                    grant_id: &str,
                    now: Timestamp,
                ) -> Result<bool> {
                    let t = tenant.as_str();
                    let mut tx = self.begin_write().await?;
                    let used = sqlx::query(sql::USE_REFRESH)
                        .bind(t)
                        .bind(old)
                        .bind(now.micros())
                        .execute(&mut *tx)
                        .await?;
                    if used.rows_affected() != 1 {
                        return Ok(false);
                    }
                    sqlx::query(sql::INSERT_REFRESH)
                        .bind(t)
                        .bind(new)
                        .bind(grant_id)
                        .bind(now.micros())
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(true)
                }

                pub(crate) async fn find_consent(
                    &self,
                    tenant: &TenantId,
                    user_id: &str,
                    client: &ClientId,
                ) -> Result<Option<Vec<String>>> {
                    let row = sqlx::query(sql::FIND_CONSENT)
                        .bind(tenant.as_str())
                        .bind(user_id)
                        .bind(client.as_str())
                        .fetch_optional(&self.read)
                        .await?;
                    row.map(|r| Ok(split_scopes(&r.try_get::<String, _>("scopes")?)))
                        .transpose()
                }

                pub(crate) async fn list_consents(
                    &self,
                    tenant: &TenantId,
                    user_id: &str,
                ) -> Result<Vec<Consent>> {
                    let rows = sqlx::query(sql::LIST_CONSENTS)
                        .bind(tenant.as_str())
                        .bind(user_id)
                        .fetch_all(&self.read)
                        .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(Consent {
                                client_id: ClientId::from_trusted(
                                    r.try_get::<String, _>("client_id")?,
                                ),
                                scopes: split_scopes(&r.try_get::<String, _>("scopes")?),
                                granted_at: ts(r.try_get("granted_at")?),
                            })
                        })
                        .collect()
                }

                /// Adds `scopes` to what the user allowed the client.
                pub(crate) async fn save_consent(
                    &self,
                    tenant: &TenantId,
                    user_id: &str,
                    client: &ClientId,
                    scopes: &[String],
                    now: Timestamp,
                    event: &AuditEvent,
                ) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    let before = sqlx::query(sql::FIND_CONSENT)
                        .bind(tenant.as_str())
                        .bind(user_id)
                        .bind(client.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                    let mut all = match before {
                        Some(r) => split_scopes(&r.try_get::<String, _>("scopes")?),
                        None => Vec::new(),
                    };
                    for s in scopes {
                        if !all.contains(s) {
                            all.push(s.clone());
                        }
                    }
                    sqlx::query(sql::SAVE_CONSENT)
                        .bind(tenant.as_str())
                        .bind(user_id)
                        .bind(client.as_str())
                        .bind(join_scopes(&all))
                        .bind(now.micros())
                        .execute(&mut *tx)
                        .await?;
                    record_event(&mut tx, event).await?;
                    tx.commit().await?;
                    Ok(())
                }

                /// Forgets the consent and revokes what it let the client
                /// obtain; `false` when there was none.
                pub(crate) async fn revoke_consent(
                    &self,
                    tenant: &TenantId,
                    user_id: &str,
                    client: &ClientId,
                    now: Timestamp,
                    event: &AuditEvent,
                ) -> Result<bool> {
                    let mut tx = self.begin_write().await?;
                    let gone = sqlx::query(sql::DELETE_CONSENT)
                        .bind(tenant.as_str())
                        .bind(user_id)
                        .bind(client.as_str())
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(sql::REVOKE_USER_CLIENT_GRANTS)
                        .bind(tenant.as_str())
                        .bind(user_id)
                        .bind(client.as_str())
                        .bind(now.micros())
                        .execute(&mut *tx)
                        .await?;
                    // No consent, no change, no event.
                    if gone.rows_affected() == 1 {
                        record_event(&mut tx, event).await?;
                    }
                    tx.commit().await?;
                    Ok(gone.rows_affected() == 1)
                }

                pub(crate) async fn find_failures(
                    &self,
                    tenant: &TenantId,
                    key: &str,
                ) -> Result<Option<(i64, Timestamp)>> {
                    let row = sqlx::query(sql::FIND_FAILURES)
                        .bind(tenant.as_str())
                        .bind(key)
                        .fetch_optional(&self.read)
                        .await?;
                    row.map(|r| Ok((r.try_get("failures")?, ts(r.try_get("last_failure_at")?))))
                        .transpose()
                }

                /// Counts a failure and returns the new count.
                pub(crate) async fn add_failure(
                    &self,
                    tenant: &TenantId,
                    key: &str,
                    now: Timestamp,
                    reset_before: Timestamp,
                    event: &AuditEvent,
                ) -> Result<i64> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query(sql::ADD_FAILURE)
                        .bind(tenant.as_str())
                        .bind(key)
                        .bind(now.micros())
                        .bind(reset_before.micros())
                        .execute(&mut *tx)
                        .await?;
                    let n: i64 = sqlx::query(sql::FIND_FAILURES)
                        .bind(tenant.as_str())
                        .bind(key)
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get("failures")?;
                    record_event(&mut tx, event).await?;
                    tx.commit().await?;
                    Ok(n)
                }

                pub(crate) async fn clear_failures(
                    &self,
                    tenant: &TenantId,
                    key: &str,
                ) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query(sql::CLEAR_FAILURES)
                        .bind(tenant.as_str())
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }
            }
        }
    };
}

pub(super) use impl_signin_grants;
