//! The user-impersonation grant (`urn:qlik:oauth:user-impersonation`,
//! contract §9): a trusted `web` client, already authenticated as in §5,
//! obtains an access token for one of its tenant's active users. The token's
//! `sub` is the user's id and `act` names the client (RFC 8693); no refresh
//! token is issued.

use super::client_auth::Authenticated;
use super::issue::{IssuedOn, Subject, grant_scopes, issue_access_token};
use super::params::Params;
use crate::domain::client::{AppType, ConsentMethod, GrantType};
use crate::domain::client_record::AuthClient;
use crate::domain::ids::ClientId;
use crate::domain::scopes;
use crate::domain::user::{Role, UserStatus};
use crate::domain::user_lookup::{Target, UserLookup};
use crate::http::OAuthError;
use crate::signing::Actor;
use crate::state::AppState;
use axum::response::Response;

/// Whether `client` may impersonate users: a `web` client allowing the
/// grant whose consent method is `trusted`.
fn check_client(client: &AuthClient) -> Result<(), OAuthError> {
    let c = &client.config;
    if c.app_type != AppType::Web {
        return Err(OAuthError::unauthorized_client(
            "only web clients may impersonate users",
        ));
    }
    if !c.allows_grant(GrantType::UserImpersonation) {
        return Err(OAuthError::unauthorized_client(
            "the client may not use the user-impersonation grant",
        ));
    }
    if c.connection_config.consent_method != ConsentMethod::Trusted {
        return Err(OAuthError::unauthorized_client(
            "only clients whose consentMethod is trusted may impersonate users",
        ));
    }
    Ok(())
}

/// The answer to a `spa` or `native` client asking for this grant without
/// credentials (public clients have none): `unauthorized_client`, since
/// such a client may never impersonate. `None` when `client_id` names no
/// such client, and the caller's `invalid_client` stands.
pub async fn public_client_refusal(state: &AppState, p: &Params) -> Option<OAuthError> {
    let id = ClientId::parse(p.get("client_id")?)?;
    let client = state.store.find_auth_client(&id).await.ok()??;
    matches!(client.config.app_type, AppType::Spa | AppType::Native)
        .then(|| OAuthError::unauthorized_client("public clients may not impersonate users"))
}

/// Answers the grant for an authenticated `client`.
pub async fn grant(
    state: &AppState,
    authenticated: &Authenticated,
    p: &Params,
) -> Result<Response, OAuthError> {
    let client = &authenticated.client;
    check_client(client)?;
    let lookup = p
        .get("user_lookup")
        .ok_or_else(|| OAuthError::invalid_request("user_lookup is required"))?;
    let lookup = UserLookup::parse(lookup).map_err(OAuthError::invalid_request)?;
    let requested = grant_scopes(p.get("scope"), client.config.scopes())?;
    let no_user = || OAuthError::invalid_grant("no active user matches user_lookup in the tenant");
    let Target::Key(key) = lookup.target() else {
        return Err(no_user());
    };
    let user = state
        .store
        .find_sign_in_user(&client.tenant_id, key.as_key())
        .await?
        .filter(|u| u.status == UserStatus::Active)
        .ok_or_else(no_user)?;
    let is_admin = user.roles.contains(&Role::TenantAdmin);
    let granted = scopes::for_user(requested, is_admin);
    let subject = Subject {
        sub: user.id.to_string(),
        act: Some(Actor {
            sub: client.client_id.to_string(),
        }),
    };
    let issued_on = IssuedOn {
        grant: GrantType::UserImpersonation,
        client,
        credential: &authenticated.credential,
    };
    issue_access_token(state, &issued_on, subject, &granted)
}
