//! Tokens for a signed-in user, from the code and refresh grants: the RFC
//! 9068 access token (`sub` = the user's id, `auth_time`, the grant id
//! `gid`, and what it dies with: `gty`, `cred`, `gen`, as every token of
//! this server), the OpenID Connect ID token with `openid`, and the refresh
//! token with `offline_access`.

use super::issue::TokenResponse;
use super::params::Params;
use crate::domain::audit::{EventType, Origin};
use crate::domain::authorize::has_scope;
use crate::domain::client_record::AuthClient;
use crate::domain::handles::Handle;
use crate::domain::ids::{ClientId, TenantId, random_alnum};
use crate::domain::time::Timestamp;
use crate::domain::token_liveness::Credential;
use crate::domain::user::User;
use crate::http::{OAuthError, no_store};
use crate::signing::{ACCESS_TOKEN_TYPE, AccessClaims};
use crate::state::AppState;
use axum::Json;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::json;

/// JOSE `typ` of ID tokens.
pub const ID_TOKEN_TYPE: &str = "JWT";

/// What a grant issues under.
pub struct Issue<'a> {
    pub client: &'a AuthClient,
    pub user: &'a User,
    pub grant_id: &'a str,
    /// `authorization_code` or `refresh_token`.
    pub grant_type: &'a str,
    /// What authenticated the request.
    pub credential: &'a Credential,
    /// The grant's token generation.
    pub generation: i64,
    pub scopes: &'a [String],
    pub auth_time: Timestamp,
    pub nonce: Option<&'a str>,
    /// The new refresh token, when one is issued.
    pub refresh_token: Option<String>,
}

/// Claims of an ID token (OpenID Connect Core §2, §5.1).
#[derive(Debug, Serialize)]
pub struct IdClaims<'a> {
    pub iss: &'a str,
    pub sub: &'a str,
    pub aud: &'a str,
    pub exp: i64,
    pub iat: i64,
    pub auth_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<&'a str>,
    pub at_hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
}

/// `at_hash`: the left half of the SHA-256 of the access token, base64url
/// (OpenID Connect Core §3.1.3.6, for ES256).
pub fn at_hash(access_token: &str) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&d.as_ref()[..16])
}

/// Signs the tokens of `issue` and answers them (`Cache-Control: no-store`).
pub fn respond(state: &AppState, issue: &Issue<'_>) -> Result<Response, OAuthError> {
    let now = Timestamp::now();
    let ttl = state.settings.token_ttl;
    let sub = issue.user.id.as_str();
    let claims = AccessClaims {
        iss: state.settings.issuer().to_owned(),
        sub: sub.to_owned(),
        aud: state.settings.audience().to_owned(),
        exp: now.plus_seconds(ttl).unix_seconds(),
        iat: now.unix_seconds(),
        jti: random_alnum(32),
        client_id: issue.client.client_id.to_string(),
        scope: issue.scopes.join(" "),
        tenant_id: issue.client.tenant_id.to_string(),
        gty: Some(issue.grant_type.to_owned()),
        cred: Some(issue.credential.claim()),
        r#gen: Some(issue.generation),
        auth_time: Some(issue.auth_time.unix_seconds()),
        act: None,
        gid: Some(issue.grant_id.to_owned()),
    };
    let access_token = state
        .keys
        .sign(ACCESS_TOKEN_TYPE, &claims)
        .map_err(|e| OAuthError::server_error(&e))?;
    let id_token = if has_scope(issue.scopes, "openid") {
        let id = IdClaims {
            iss: state.settings.issuer(),
            sub,
            aud: issue.client.client_id.as_str(),
            exp: claims.exp,
            iat: claims.iat,
            auth_time: issue.auth_time.unix_seconds(),
            nonce: issue.nonce,
            at_hash: at_hash(&access_token),
            email: has_scope(issue.scopes, "email").then_some(issue.user.email.as_str()),
            name: has_scope(issue.scopes, "profile").then_some(issue.user.name.as_str()),
        };
        Some(
            state
                .keys
                .sign(ID_TOKEN_TYPE, &id)
                .map_err(|e| OAuthError::server_error(&e))?,
        )
    } else {
        None
    };
    let base = TokenResponse::new(access_token, ttl, claims.exp, claims.scope);
    let mut body = serde_json::to_value(base).map_err(|e| OAuthError::server_error(&e.into()))?;
    if let Some(obj) = body.as_object_mut() {
        if let Some(r) = &issue.refresh_token {
            obj.insert("refresh_token".into(), r.clone().into());
        }
        if let Some(t) = id_token {
            obj.insert("id_token".into(), t.into());
        }
    }
    let mut res = Json(body).into_response();
    no_store(&mut res);
    Ok(res)
}

/// The handle of the bearer value a grant presents in parameter `name` (a
/// code, a refresh token), when it parses and names the client's tenant:
/// absent is `invalid_request`, anything else `invalid_grant` ("the `what`
/// is invalid", the answer for an unknown value too).
pub(super) fn presented_handle(
    p: &Params,
    name: &str,
    what: &str,
    client: &AuthClient,
) -> Result<Handle, OAuthError> {
    let raw = p
        .get(name)
        .ok_or_else(|| OAuthError::invalid_request(format!("{name} is required")))?;
    match Handle::parse(raw) {
        Some(handle) if handle.tenant == client.tenant_id => Ok(handle),
        _ => Err(OAuthError::invalid_grant(format!("the {what} is invalid"))),
    }
}

/// A sign-in grant to revoke, and why (`data.reason` of its event).
pub(super) struct GrantRevocation<'a> {
    pub tenant: &'a TenantId,
    pub grant_id: &'a str,
    pub client: &'a ClientId,
    pub user_id: &'a str,
    /// `revoked` (RFC 7009), `refresh-token-reused`, `code-reused`,
    /// `no-longer-stands`.
    pub reason: &'static str,
}

/// Revokes the grant (its refresh tokens and the access tokens issued under
/// it) with its `com.registrar.token.revoked` event, in one transaction:
/// subject the client, `data` the grant id (never a token); no event when
/// the grant was revoked already. `true` when this call revoked it.
pub(super) async fn revoke_grant(
    state: &AppState,
    origin: &Origin,
    r: &GrantRevocation<'_>,
    now: Timestamp,
) -> Result<bool, OAuthError> {
    let data = json!({
        "grantId": r.grant_id,
        "clientId": r.client.as_str(),
        "userId": r.user_id,
        "reason": r.reason,
    });
    let event = origin.event(
        EventType::TokenRevoked,
        Some(r.tenant),
        r.client.as_str(),
        now,
        data,
    );
    let revoked = state
        .store
        .revoke_grant(r.tenant, r.grant_id, now, &event)
        .await?;
    Ok(revoked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_is_the_left_half_of_sha256() {
        // OpenID Connect Core, Appendix A.3 (ID token with at_hash, RS256 /
        // SHA-256 example): the access token and its at_hash.
        assert_eq!(
            at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }
}
