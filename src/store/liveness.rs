//! The statements of a token's liveness (contract §5: a token dies with
//! what it was issued on): what the store says of a token's client now, and
//! the revocation of every token of one client; `impl_liveness!` runs them on
//! one backend (see `shared.rs`). The decision is `domain::token_liveness`.

use super::{Result, decode_config};
use crate::domain::token_liveness::{ClientFacts, LiveFacts};
use sqlx::{ColumnIndex, Decode, Row, Type};

/// The token's client (its configuration and token generation, one row per
/// secret with the secret's id, or one row with a NULL id), whether the
/// token (`$3`) was revoked, whether its user (`$4`; empty for a client's
/// own token) exists and is active, and a `TenantAdmin`, and whether its
/// sign-in grant (`$5`; empty for a token of no sign-in) exists and was not
/// revoked; no row when the client is gone.
pub(super) const TOKEN_FACTS: &str = "SELECT c.config, c.token_generation, s.secret_id, \
            EXISTS (SELECT 1 FROM revoked_tokens r \
                    WHERE r.tenant_id = $1 AND r.client_id = $2 AND r.jti = $3) AS revoked, \
            EXISTS (SELECT 1 FROM users u \
                    WHERE u.tenant_id = $1 AND u.user_id = $4 AND u.status = 'active') AS user_active, \
            EXISTS (SELECT 1 FROM users u \
                    WHERE u.tenant_id = $1 AND u.user_id = $4 AND u.status = 'active' \
                    AND u.roles LIKE '%\"TenantAdmin\"%') AS user_admin, \
            EXISTS (SELECT 1 FROM signin_grants g \
                    WHERE g.tenant_id = $1 AND g.grant_id = $5 AND g.revoked_at IS NULL) AS grant_live \
     FROM clients c LEFT JOIN client_secrets s ON s.tenant_id = c.tenant_id AND s.client_id = c.client_id \
     WHERE c.tenant_id = $1 AND c.client_id = $2";

/// Refuses every token the client holds now: they carry an older
/// generation. No row changes when the client does not exist.
pub(super) const REVOKE_CLIENT_TOKENS: &str = "UPDATE clients SET token_generation = token_generation + 1 \
     WHERE tenant_id = $1 AND client_id = $2";

/// The rows of [`TOKEN_FACTS`].
pub(super) fn decode_token_facts<R>(rows: &[R]) -> Result<LiveFacts>
where
    R: Row,
    for<'c> &'c str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<String>: Decode<'r, R::Database> + Type<R::Database>,
{
    let Some(first) = rows.first() else {
        return Ok(LiveFacts {
            client: None,
            revoked: false,
            user_active: false,
            user_admin: false,
            grant_live: false,
        });
    };
    let mut secret_ids = Vec::with_capacity(rows.len());
    for r in rows {
        secret_ids.extend(r.try_get::<Option<String>, _>("secret_id")?);
    }
    Ok(LiveFacts {
        client: Some(ClientFacts {
            config: decode_config(&first.try_get::<String, _>("config")?)?,
            secret_ids,
            token_generation: first.try_get("token_generation")?,
        }),
        revoked: first.try_get("revoked")?,
        user_active: first.try_get("user_active")?,
        user_admin: first.try_get("user_admin")?,
        grant_live: first.try_get("grant_live")?,
    })
}

/// The liveness methods of `$Store`.
macro_rules! impl_liveness {
    ($Store:ident) => {
        mod liveness {
            use super::audit::record_event;
            use $crate::domain::audit::{EventType, Origin};
            use $crate::domain::ids::{ClientId, TenantId, UserId};
            use $crate::domain::time::Timestamp;
            use $crate::domain::token_liveness::LiveFacts;
            use $crate::store::liveness::{REVOKE_CLIENT_TOKENS, TOKEN_FACTS, decode_token_facts};
            use $crate::store::{Result, StoreError};

            impl super::$Store {
                pub(crate) async fn token_facts(
                    &self,
                    tenant: &TenantId,
                    client: &ClientId,
                    jti: &str,
                    user: Option<&UserId>,
                    grant: Option<&str>,
                ) -> Result<LiveFacts> {
                    let rows = sqlx::query(TOKEN_FACTS)
                        .bind(tenant.as_str())
                        .bind(client.as_str())
                        .bind(jti)
                        .bind(user.map_or("", UserId::as_str))
                        .bind(grant.unwrap_or(""))
                        .fetch_all(&self.read)
                        .await?;
                    decode_token_facts(&rows)
                }

                pub(crate) async fn revoke_client_tokens(
                    &self,
                    tenant: &TenantId,
                    client: &ClientId,
                    now: Timestamp,
                    origin: &Origin,
                ) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    let done = sqlx::query(REVOKE_CLIENT_TOKENS)
                        .bind(tenant.as_str())
                        .bind(client.as_str())
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    let data = serde_json::json!({"clientId": client.as_str()});
                    let event = origin.event(
                        EventType::ClientTokensRevoked,
                        Some(tenant),
                        client.as_str(),
                        now,
                        data,
                    );
                    record_event(&mut tx, &event).await?;
                    tx.commit().await?;
                    Ok(())
                }
            }
        }
    };
}

pub(super) use impl_liveness;
