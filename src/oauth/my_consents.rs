//! A signed-in person's own consents (contract §8: an allowed set of scopes
//! is remembered until the user or an admin revokes it): what the browser's
//! session user allowed each client, and the revocation of one of them,
//! which also revokes the grants it led to. The pages (`pages::consents`)
//! draw them; this side knows no HTML.
//!
//! The revocation form carries a CSRF token bound to the session: an HMAC
//! of the session's hash under the server's MAC key, with a label of its
//! own, so it is useless in another browser and for anything else.

use super::browser::Browser;
use super::session::current_session;
use crate::domain::audit::{EventType, Origin};
use crate::domain::handles::Handle;
use crate::domain::ids::{ClientId, TenantId};
use crate::domain::signin_records::Consent;
use crate::domain::time::Timestamp;
use crate::domain::user::User;
use crate::http::paths::MY_CONSENTS_PATH;
use crate::state::AppState;
use crate::store::StoreError;
use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Keeps these MACs apart from every other use of the key.
const CSRF_LABEL: &[u8] = b"registrar my-consents csrf v1\0";

/// One consent, with its client's name (`None` once the client is gone).
#[derive(Debug)]
pub struct ConsentLine {
    pub consent: Consent,
    pub client_name: Option<String>,
}

/// What the session's user allowed, and the token its forms carry.
#[derive(Debug)]
pub struct MyConsents {
    pub user: User,
    pub consents: Vec<ConsentLine>,
    pub csrf: String,
}

/// How a revocation ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Revoked {
    Done,
    /// No live session in this browser.
    NotSignedIn,
    /// The CSRF token is missing or not this session's.
    Forbidden,
}

fn labelled(session_hash: &[u8]) -> Vec<u8> {
    let mut data = CSRF_LABEL.to_vec();
    data.extend_from_slice(session_hash);
    data
}

fn csrf_of(state: &AppState, session_hash: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(hmac::sign(&state.cursor_key, &labelled(session_hash)).as_ref())
}

/// Compared in constant time by `hmac::verify`.
fn csrf_matches(state: &AppState, session_hash: &[u8], sent: &str) -> bool {
    let Ok(sent) = URL_SAFE_NO_PAD.decode(sent) else {
        return false;
    };
    hmac::verify(&state.cursor_key, &labelled(session_hash), &sent).is_ok()
}

/// The browser's live session: its tenant (the one its cookie names), its
/// hash and its user.
struct SignedIn {
    tenant: TenantId,
    session_hash: Vec<u8>,
    user: User,
}

async fn signed_in(state: &AppState, browser: &Browser) -> Result<Option<SignedIn>, StoreError> {
    let Some(handle) = browser.session.as_deref().and_then(Handle::parse) else {
        return Ok(None);
    };
    Ok(current_session(state, browser, &handle.tenant)
        .await?
        .map(|(session, user)| SignedIn {
            tenant: handle.tenant,
            session_hash: session.session_hash,
            user,
        }))
}

/// The consents of the browser's signed-in user; `None` without a session.
pub async fn list(state: &AppState, browser: &Browser) -> Result<Option<MyConsents>, StoreError> {
    let Some(SignedIn {
        tenant,
        session_hash,
        user,
    }) = signed_in(state, browser).await?
    else {
        return Ok(None);
    };
    let mut consents = Vec::new();
    for consent in state.store.list_consents(&tenant, user.id.as_str()).await? {
        let client_name = state
            .store
            .find_auth_client(&consent.client_id)
            .await?
            .filter(|c| c.tenant_id == tenant)
            .map(|c| c.config.client_name);
        consents.push(ConsentLine {
            consent,
            client_name,
        });
    }
    Ok(Some(MyConsents {
        user,
        consents,
        csrf: csrf_of(state, &session_hash),
    }))
}

/// Revokes the signed-in user's consent for `client` (nothing when there
/// is none), with the grants it led to.
pub async fn revoke(
    state: &AppState,
    browser: &Browser,
    csrf: &str,
    client: &str,
    trace: &str,
) -> Result<Revoked, StoreError> {
    let Some(me) = signed_in(state, browser).await? else {
        return Ok(Revoked::NotSignedIn);
    };
    if !csrf_matches(state, &me.session_hash, csrf) {
        return Ok(Revoked::Forbidden);
    }
    if let Some(client) = ClientId::parse(client) {
        let (user, now) = (me.user.id.as_str(), Timestamp::now());
        let source = format!("{}{MY_CONSENTS_PATH}", state.settings.public_url);
        let data = serde_json::json!({"userId": user, "clientId": client.as_str()});
        let event = Origin::person(user, None, trace, source).event(
            EventType::ConsentRevoked,
            Some(&me.tenant),
            user,
            now,
            data,
        );
        state
            .store
            .revoke_consent(&me.tenant, user, &client, now, &event)
            .await?;
    }
    Ok(Revoked::Done)
}
