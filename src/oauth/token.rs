//! `POST /oauth/token`: client authentication, then the grant: the
//! `client_credentials` grant here, user impersonation in
//! `impersonation.rs` (both issue RFC 9068 JWT access tokens through
//! [`issue_access_token`] in `issue.rs`), the code and refresh grants of
//! people signing in in `code_grant.rs` and `refresh_grant.rs`.

use super::client_auth::{authenticate_request, identify_client, named_client};
use super::issue::{IssuedOn, Subject, grant_scopes, issue_access_token};
use super::params::Params;
use crate::domain::audit::Origin;
use crate::domain::client::GrantType;
use crate::domain::token_liveness::{AUTHORIZATION_CODE, REFRESH_TOKEN};
use crate::http::paths::TOKEN_PATH;
use crate::http::{CorsClient, OAuthError, Remote, RequestId};
use crate::state::AppState;
use axum::Extension;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

pub async fn token(
    State(state): State<AppState>,
    remote: Remote,
    request: Option<Extension<RequestId>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let p = match Params::read(&headers, body).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let trace = request.map_or_else(String::new, |Extension(id)| id.as_str().to_owned());
    let mut res = match issue(&state, remote, &trace, &headers, &p).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    // CORS: the answer is about the client named (or, below, authenticated).
    if res.extensions().get::<CorsClient>().is_none()
        && let Some(id) = named_client(&headers, &p)
    {
        res.extensions_mut().insert(CorsClient(id));
    }
    res
}

async fn issue(
    state: &AppState,
    remote: Remote,
    trace: &str,
    headers: &HeaderMap,
    p: &Params,
) -> Result<Response, OAuthError> {
    let grant = p
        .get("grant_type")
        .ok_or_else(|| OAuthError::invalid_request("grant_type is required"))?;
    if grant == AUTHORIZATION_CODE || grant == REFRESH_TOKEN {
        return sign_in_grant(state, remote, trace, headers, p, grant).await;
    }
    // Also counts the request against the client's own rate limit, so
    // nobody else can spend its allowance.
    let authenticated = match authenticate_request(state, headers, p, TOKEN_PATH, remote.0).await {
        Ok(a) => a,
        Err(e) if grant == GrantType::UserImpersonation.as_str() => {
            return Err(super::impersonation::public_client_refusal(state, p)
                .await
                .unwrap_or(e));
        }
        Err(e) => return Err(e),
    };
    if grant == GrantType::UserImpersonation.as_str() {
        return super::impersonation::grant(state, &authenticated, p).await;
    }
    if grant != GrantType::ClientCredentials.as_str() {
        return Err(OAuthError::unsupported_grant_type(format!(
            "supported grant types: {AUTHORIZATION_CODE}, {REFRESH_TOKEN}, {}, {}",
            GrantType::ClientCredentials.as_str(),
            GrantType::UserImpersonation.as_str()
        )));
    }
    let client = &authenticated.client;
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
    let issued_on = IssuedOn {
        grant: GrantType::ClientCredentials,
        client,
        credential: &authenticated.credential,
    };
    issue_access_token(state, &issued_on, subject, &scopes)
}

/// The code and refresh grants: the client authenticates, or a public
/// client names itself; every answer, refusals included, is about it (CORS).
/// A grant they revoke (a reused code or refresh token) is the client's
/// change, in this request (`origin`).
async fn sign_in_grant(
    state: &AppState,
    remote: Remote,
    trace: &str,
    headers: &HeaderMap,
    p: &Params,
    grant: &str,
) -> Result<Response, OAuthError> {
    let client = identify_client(state, headers, p, TOKEN_PATH, remote.0).await?;
    let id = client.client.client_id.as_str();
    let source = format!("{}{TOKEN_PATH}", state.settings.public_url);
    let origin = Origin::request(id, id, trace, source);
    let answer = if grant == AUTHORIZATION_CODE {
        super::code_grant::exchange(state, &client, p, &origin).await
    } else {
        super::refresh_grant::refresh(state, &client, p, &origin).await
    };
    let mut res = answer.unwrap_or_else(IntoResponse::into_response);
    res.extensions_mut()
        .insert(CorsClient(client.client.client_id.clone()));
    Ok(res)
}
