//! Who is signed in, and what happens next for them: the browser's live
//! session (single sign-on within a tenant), whether consent must be asked,
//! and the authorization code that ends a sign-in. Used by the
//! authorization endpoint and by the interaction's finishing steps.

use super::browser::Browser;
use super::redirects::with_query;
use crate::domain::authorize::{Prompt, granted_scopes, needs_consent};
use crate::domain::client::ConsentMethod;
use crate::domain::client_record::AuthClient;
use crate::domain::handles::{Handle, NewHandle};
use crate::domain::ids::{TenantId, UserId, random_alnum};
use crate::domain::signin_records::{AuthRequest, Code, Session, SignedIn};
use crate::domain::time::Timestamp;
use crate::domain::user::User;
use crate::state::AppState;
use crate::store::StoreError;

/// How long an authorization code is valid (contract §8).
pub const CODE_TTL_SECS: i64 = 60;

/// The live session of `browser` in `tenant`, with its active user.
pub(super) async fn current_session(
    state: &AppState,
    browser: &Browser,
    tenant: &TenantId,
) -> Result<Option<(Session, User)>, StoreError> {
    let Some(handle) = browser.session.as_deref().and_then(Handle::parse) else {
        return Ok(None);
    };
    if &handle.tenant != tenant {
        return Ok(None);
    }
    let Some(session) = state.store.find_session(tenant, &handle.hash).await? else {
        return Ok(None);
    };
    let now = Timestamp::now();
    if !state
        .settings
        .sessions
        .is_live(session.auth_time, session.last_seen, now)
    {
        return Ok(None);
    }
    let Some(user) = find_user(state, tenant, &session.user_id).await? else {
        return Ok(None);
    };
    if !user.is_active() {
        return Ok(None);
    }
    state.store.touch_session(tenant, &handle.hash, now).await?;
    Ok(Some((session, user)))
}

pub(super) async fn find_user(
    state: &AppState,
    tenant: &TenantId,
    id: &str,
) -> Result<Option<User>, StoreError> {
    match UserId::parse(id) {
        Some(id) => state.store.find_user(tenant, &id).await,
        None => Ok(None),
    }
}

/// The scopes the user would be granted, and whether consent must be asked.
pub(super) async fn consent_needed(
    state: &AppState,
    client: &AuthClient,
    request: &AuthRequest,
    user: &User,
) -> Result<(Vec<String>, bool), StoreError> {
    let granted = granted_scopes(&request.scopes, user.is_tenant_admin());
    let method = client.config.connection_config.consent_method;
    let remembered = if method == ConsentMethod::Trusted {
        None
    } else {
        state
            .store
            .find_consent(&client.tenant_id, user.id.as_str(), &client.client_id)
            .await?
    };
    let prompt = Prompt {
        consent: request.prompt_consent,
        ..Prompt::default()
    };
    let ask = needs_consent(method, remembered.as_deref(), &granted, prompt);
    Ok((granted, ask))
}

pub(super) fn signed_in(s: &Session) -> SignedIn {
    SignedIn {
        user_id: s.user_id.clone(),
        auth_time: s.auth_time,
        session_hash: s.session_hash.clone(),
    }
}

/// Issues a code for a signed-in user and returns the success redirect;
/// ends `finished_ix` in the same transaction.
pub(super) async fn issue_code(
    state: &AppState,
    client: &AuthClient,
    request: &AuthRequest,
    who: &SignedIn,
    granted: Vec<String>,
    finished_ix: Option<&[u8]>,
) -> Result<String, StoreError> {
    let now = Timestamp::now();
    let handle = NewHandle::generate(&client.tenant_id);
    let code = Code {
        tenant: client.tenant_id.clone(),
        code_hash: handle.hash,
        grant_id: random_alnum(32),
        client_id: client.client_id.clone(),
        user_id: who.user_id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        code_challenge: request.code_challenge.clone(),
        nonce: request.nonce.clone(),
        scopes: granted,
        auth_time: who.auth_time,
        expires_at: now.plus_seconds(CODE_TTL_SECS),
        used: false,
        token_generation: client.token_generation,
    };
    state.store.insert_code(&code, finished_ix, now).await?;
    Ok(with_query(
        &request.redirect_uri,
        &[
            ("code", Some(&handle.plain)),
            ("state", request.state.as_deref()),
            ("iss", Some(state.settings.issuer())),
        ],
    ))
}
