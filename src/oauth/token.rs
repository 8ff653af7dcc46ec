//! `POST /oauth/token`: client authentication, then the grant: the
//! `client_credentials` grant here, user impersonation in
//! `impersonation.rs` (both issue RFC 9068 JWT access tokens through
//! [`issue_access_token`]), and the sign-in grants, `authorization_code` in
//! `code_grant.rs` and `refresh_token` in `refresh_grant.rs`.

use super::client_auth::{authenticate_request, identify_client};
use super::params::Params;
use crate::domain::client::GrantType;
use crate::domain::client_record::AuthClient;
use crate::domain::ids::random_alnum;
use crate::domain::time::Timestamp;
use crate::http::paths::TOKEN_PATH;
use crate::http::{CorsClient, OAuthError, no_store};
use crate::signing::{ACCESS_TOKEN_TYPE, AccessClaims, Actor};
use crate::state::AppState;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
    /// Unix seconds, like the token's `exp`: client libraries such as
    /// Authlib and oauthlib read `expires_at` as an integer timestamp.
    pub expires_at: i64,
    pub scope: String,
}

impl TokenResponse {
    pub fn new(access_token: String, expires_in: i64, exp: i64, scope: String) -> TokenResponse {
        TokenResponse {
            access_token,
            token_type: "bearer".into(),
            expires_in,
            expires_at: exp,
            scope,
        }
    }
}

/// The grants of people signing in, whose public clients name themselves
/// with `client_id` alone.
const AUTHORIZATION_CODE: &str = "authorization_code";
const REFRESH_TOKEN: &str = "refresh_token";

/// The scopes to grant: the requested ones if all are allowed, else all allowed.
pub(super) fn grant_scopes(
    requested: Option<&str>,
    allowed: &[String],
) -> Result<Vec<String>, OAuthError> {
    let Some(req) = requested else {
        return Ok(allowed.to_vec());
    };
    let mut out: Vec<String> = Vec::new();
    for s in req.split(' ').filter(|s| !s.is_empty()) {
        if !allowed.iter().any(|a| a == s) {
            return Err(OAuthError::invalid_scope(format!(
                "scope `{}` is not allowed for this client",
                s.chars().take(64).collect::<String>()
            )));
        }
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    Ok(out)
}

pub async fn token(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let p = match Params::read(&headers, body).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let mut res = match issue(&state, &headers, &p).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    // CORS: the answer is about the client named (or, below, authenticated).
    if res.extensions().get::<CorsClient>().is_none()
        && let Some(id) = p
            .get("client_id")
            .and_then(crate::domain::ids::ClientId::parse)
    {
        res.extensions_mut().insert(CorsClient(id));
    }
    res
}

async fn issue(state: &AppState, headers: &HeaderMap, p: &Params) -> Result<Response, OAuthError> {
    let grant = p
        .get("grant_type")
        .ok_or_else(|| OAuthError::invalid_request("grant_type is required"))?;
    if grant == AUTHORIZATION_CODE || grant == REFRESH_TOKEN {
        return sign_in_grant(state, headers, p, grant).await;
    }
    let client = match authenticate_request(state, headers, p, TOKEN_PATH).await {
        Ok(c) => c,
        Err(e) if grant == GrantType::UserImpersonation.as_str() => {
            return Err(super::impersonation::public_client_refusal(state, p)
                .await
                .unwrap_or(e));
        }
        Err(e) => return Err(e),
    };
    // Counted per authenticated client, so nobody else can spend its allowance.
    state
        .ops
        .rate_limits
        .check_token_client(client.client_id.as_str())
        .map_err(|l| OAuthError::rate_limited(l.retry_after_secs(), l.per_minute))?;
    if grant == GrantType::UserImpersonation.as_str() {
        return super::impersonation::grant(state, &client, p).await;
    }
    if grant != GrantType::ClientCredentials.as_str() {
        return Err(OAuthError::unsupported_grant_type(format!(
            "supported grant types: {AUTHORIZATION_CODE}, {REFRESH_TOKEN}, {}, {}",
            GrantType::ClientCredentials.as_str(),
            GrantType::UserImpersonation.as_str()
        )));
    }
    if !client.config.allows_grant(GrantType::ClientCredentials) {
        return Err(OAuthError::unauthorized_client(
            "the client may not use the client_credentials grant",
        ));
    }
    let scopes = grant_scopes(p.get("scope"), client.config.scopes())?;
    let subject = Subject {
        sub: client.client_id.to_string(),
        act: None,
    };
    issue_access_token(state, &client, subject, &scopes)
}

/// The code and refresh grants: the client authenticates, or a public
/// client names itself; every answer, refusals included, is about it (CORS).
async fn sign_in_grant(
    state: &AppState,
    headers: &HeaderMap,
    p: &Params,
    grant: &str,
) -> Result<Response, OAuthError> {
    let client = identify_client(state, headers, p, TOKEN_PATH).await?;
    state
        .ops
        .rate_limits
        .check_token_client(client.client_id.as_str())
        .map_err(|l| OAuthError::rate_limited(l.retry_after_secs(), l.per_minute))?;
    let answer = if grant == AUTHORIZATION_CODE {
        super::code_grant::exchange(state, &client, p).await
    } else {
        super::refresh_grant::refresh(state, &client, p).await
    };
    let mut res = answer.unwrap_or_else(IntoResponse::into_response);
    res.extensions_mut()
        .insert(CorsClient(client.client_id.clone()));
    Ok(res)
}

/// Whom a token is for: the client itself, or a user (with the client as
/// the actor, in impersonation).
pub(super) struct Subject {
    pub sub: String,
    pub act: Option<Actor>,
}

/// Signs an access token for `client` and answers the token response
/// (`Cache-Control: no-store`, never a refresh token).
pub(super) fn issue_access_token(
    state: &AppState,
    client: &AuthClient,
    subject: Subject,
    scopes: &[String],
) -> Result<Response, OAuthError> {
    let now = Timestamp::now();
    let ttl = state.settings.token_ttl;
    let exp = now.plus_seconds(ttl);
    let claims = AccessClaims {
        iss: state.settings.issuer().to_owned(),
        sub: subject.sub,
        aud: state.settings.audience().to_owned(),
        exp: exp.unix_seconds(),
        iat: now.unix_seconds(),
        jti: random_alnum(32),
        client_id: client.client_id.to_string(),
        scope: scopes.join(" "),
        tenant_id: client.tenant_id.to_string(),
        auth_time: None,
        act: subject.act,
        gid: None,
    };
    let access_token = state
        .keys
        .sign(ACCESS_TOKEN_TYPE, &claims)
        .map_err(|e| OAuthError::server_error(&e))?;
    let body = TokenResponse::new(access_token, ttl, claims.exp, claims.scope);
    let mut res = Json(body).into_response();
    no_store(&mut res);
    res.extensions_mut()
        .insert(CorsClient(client.client_id.clone()));
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_default_to_all_and_reject_unknown() {
        let allowed = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(grant_scopes(None, &allowed).unwrap(), allowed);
        assert_eq!(
            grant_scopes(Some("b b"), &allowed).unwrap(),
            vec!["b".to_owned()]
        );
        assert!(grant_scopes(Some("a c"), &allowed).is_err());
    }
}
