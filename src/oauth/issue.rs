//! The access token of the `client_credentials` and user-impersonation
//! grants: the scopes to grant ([`grant_scopes`]), whom the token is for and
//! what it is issued on, the signing of the RFC 9068 JWT and the token
//! response ([`TokenResponse`], `Cache-Control: no-store`, never a refresh
//! token) that the sign-in grants answer too.

use crate::domain::client::GrantType;
use crate::domain::client_record::AuthClient;
use crate::domain::ids::random_alnum;
use crate::domain::secret::REDACTED;
use crate::domain::time::Timestamp;
use crate::domain::token_liveness::Credential;
use crate::domain::validate::MAX_SCOPES;
use crate::http::{CorsClient, OAuthError, no_store};
use crate::signing::{ACCESS_TOKEN_TYPE, AccessClaims, Actor};
use crate::state::AppState;
use axum::Json;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
    /// The token's `exp` as an RFC 3339 UTC timestamp, as the reference
    /// token endpoint returns it (contract §5).
    pub expires_at: String,
    pub scope: String,
}

/// Everything but the access token.
impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &REDACTED)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("expires_at", &self.expires_at)
            .field("scope", &self.scope)
            .finish()
    }
}

impl TokenResponse {
    /// A bearer token answer; `exp` in Unix seconds.
    pub fn new(access_token: String, expires_in: i64, exp: i64, scope: String) -> TokenResponse {
        TokenResponse {
            access_token,
            token_type: "bearer".into(),
            expires_in,
            expires_at: Timestamp::from_unix_seconds(exp).to_rfc3339(),
            scope,
        }
    }
}

/// The scopes to grant: the requested ones if all are allowed, else all allowed.
pub(super) fn grant_scopes(
    requested: Option<&str>,
    allowed: &[String],
) -> Result<Vec<String>, OAuthError> {
    let Some(req) = requested else {
        return Ok(allowed.to_vec());
    };
    // Counted before any scope is looked at (contract §4, "Caps").
    if req
        .split(' ')
        .filter(|s| !s.is_empty())
        .nth(MAX_SCOPES)
        .is_some()
    {
        return Err(OAuthError::invalid_scope(format!(
            "at most {MAX_SCOPES} scopes may be requested"
        )));
    }
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

/// Whom a token is for: the client itself, or a user (with the client as
/// the actor, in impersonation).
pub(super) struct Subject {
    pub sub: String,
    pub act: Option<Actor>,
}

/// What a token is issued on, so it dies with it (`domain::token_liveness`).
pub(super) struct IssuedOn<'a> {
    pub grant: GrantType,
    pub client: &'a AuthClient,
    pub credential: &'a Credential,
}

/// Signs an access token and answers the token response
/// (`Cache-Control: no-store`, never a refresh token).
pub(super) fn issue_access_token(
    state: &AppState,
    on: &IssuedOn<'_>,
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
        client_id: on.client.client_id.to_string(),
        scope: scopes.join(" "),
        tenant_id: on.client.tenant_id.to_string(),
        gty: Some(on.grant.as_str().to_owned()),
        cred: Some(on.credential.claim()),
        r#gen: Some(on.client.token_generation),
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
        .insert(CorsClient(on.client.client_id.clone()));
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_access_token() {
        let r = TokenResponse {
            access_token: "eyJhbGciOi.secret.sig".into(),
            token_type: "bearer".into(),
            expires_in: 60,
            expires_at: String::new(),
            scope: "a".into(),
        };
        let shown = format!("{r:?}");
        assert!(!shown.contains("eyJ"), "{shown}");
        assert!(shown.contains(REDACTED), "{shown}");
    }

    #[test]
    fn scopes_default_to_all_and_reject_unknown() {
        let allowed = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(grant_scopes(None, &allowed).unwrap(), allowed);
        assert_eq!(
            grant_scopes(Some("b b"), &allowed).unwrap(),
            vec!["b".to_owned()]
        );
        assert!(grant_scopes(Some("a c"), &allowed).is_err());
        let many: Vec<String> = (0..MAX_SCOPES).map(|i| format!("s{i}")).collect();
        assert_eq!(
            grant_scopes(Some(&many.join(" ")), &many).unwrap().len(),
            MAX_SCOPES
        );
        let too_many = format!("{} extra", many.join(" "));
        let err = grant_scopes(Some(&too_many), &many).unwrap_err();
        assert_eq!(err.code, "invalid_scope");
        assert!(err.description.contains("at most 100"), "{err}");
    }
}
