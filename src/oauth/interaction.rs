//! The interaction: an authorization request paused while a person signs in
//! or consents, stored so any instance can resume it. This is the narrow
//! interface between the protocol and the pages (`pages/`): [`start`] (from
//! the authorization endpoint), [`show`] (what page to draw), and the
//! finishing steps [`finish_sign_in`] ("user X signed in at T") and
//! [`finish_consent`] ("user X allowed / denied"). The pages never see a
//! code, and this module never draws a page.

use super::cookies::{BROWSER, CookiePolicy, SESSION};
use super::redirects::{Redirected, Step, error_location};
use super::session::{consent_needed, current_session, find_user, issue_code, signed_in};
// The pages take the browser they hand over from here.
pub use super::browser::Browser;
use crate::domain::audit::{EventType, Origin};
use crate::domain::authorize::{Prompt, granted_scopes};
use crate::domain::client_record::AuthClient;
use crate::domain::handles::{Handle, NewHandle};
use crate::domain::ids::random_alnum;
use crate::domain::redirect::form_action_source;
use crate::domain::secret::hash_secret;
use crate::domain::signin_records::{AuthRequest, Interaction, SignedIn};
use crate::domain::time::Timestamp;
use crate::domain::user::User;
use crate::http::paths::INTERACTION_PATH;
use crate::state::AppState;
use crate::store::StoreError;
use subtle::ConstantTimeEq as _;

/// How long a paused request waits for the person.
pub const INTERACTION_TTL_SECS: i64 = 15 * 60;

/// Why the authorization request cannot go on.
#[derive(Debug)]
pub enum StartError {
    Redirect(Redirected),
    Store(StoreError),
}

impl From<StoreError> for StartError {
    fn from(e: StoreError) -> Self {
        StartError::Store(e)
    }
}

/// Why a page cannot be shown or a form not accepted.
#[derive(Debug)]
pub enum PageFault {
    /// No such interaction, or it expired: start again from the application.
    Expired,
    /// Another browser's interaction, or a missing or wrong CSRF token.
    Forbidden,
    Store(StoreError),
}

impl From<StoreError> for PageFault {
    fn from(e: StoreError) -> Self {
        PageFault::Store(e)
    }
}

/// What the pages show of a client.
#[derive(Debug, Clone)]
pub struct ClientView {
    pub name: String,
    pub logo_uri: Option<String>,
    pub client_uri: Option<String>,
    /// CSP `form-action` sources: the redirect URI the forms end at.
    pub form_actions: Vec<String>,
}

/// The page an interaction needs now.
#[derive(Debug, Clone)]
pub enum View {
    SignIn { login_hint: Option<String> },
    Consent { scopes: Vec<String> },
}

/// An interaction resumed by its browser, with what its pages show.
#[derive(Debug)]
pub struct Resumed {
    /// The interaction id as the browser presented it.
    pub plain: String,
    pub ix: Interaction,
    pub client: AuthClient,
    pub view: View,
    pub csrf: String,
    pub client_view: ClientView,
}

/// Starts (or, with a live session and nothing to ask, finishes at once) an
/// authorization request whose parameters are valid.
pub async fn start(
    state: &AppState,
    client: &AuthClient,
    request: AuthRequest,
    prompt: Prompt,
    browser: &Browser,
) -> Result<Step, StartError> {
    let session = current_session(state, browser, &client.tenant_id).await?;
    let session = session.filter(|_| !prompt.login);
    if prompt.none {
        let Some((session, user)) = session else {
            return Err(StartError::Redirect(Redirected::new(
                "login_required",
                "the user is not signed in",
            )));
        };
        let (granted, ask) = consent_needed(state, client, &request, &user).await?;
        if ask {
            return Err(StartError::Redirect(Redirected::new(
                "consent_required",
                "the user has not consented",
            )));
        }
        let who = signed_in(&session);
        return Ok(Step::to(
            issue_code(state, client, &request, &who, granted, None).await?,
        ));
    }
    if let Some((session, user)) = &session {
        let (granted, ask) = consent_needed(state, client, &request, user).await?;
        if !ask {
            let who = signed_in(session);
            return Ok(Step::to(
                issue_code(state, client, &request, &who, granted, None).await?,
            ));
        }
    }
    pause(
        state,
        client,
        request,
        session.map(|(s, _)| signed_in(&s)),
        browser,
    )
    .await
}

/// Stores the interaction, bound to the browser, and sends the browser to
/// its page.
async fn pause(
    state: &AppState,
    client: &AuthClient,
    request: AuthRequest,
    signed_in: Option<SignedIn>,
    browser: &Browser,
) -> Result<Step, StartError> {
    let policy = CookiePolicy::for_public_url(&state.settings.public_url);
    let mut cookies = Vec::new();
    let binding = match browser.binding.as_deref().filter(|b| b.len() == 32) {
        Some(b) => b.to_owned(),
        None => {
            let b = random_alnum(32);
            cookies.push(policy.set(BROWSER, &b, None));
            b
        }
    };
    let now = Timestamp::now();
    let handle = NewHandle::generate(&client.tenant_id);
    let ix = Interaction {
        tenant: client.tenant_id.clone(),
        ix_hash: handle.hash,
        binding_hash: hash_secret(&binding),
        csrf: random_alnum(32),
        client_id: client.client_id.clone(),
        request,
        signed_in,
        expires_at: now.plus_seconds(INTERACTION_TTL_SECS),
    };
    state.store.insert_interaction(&ix, now).await?;
    Ok(Step {
        location: format!(
            "{}{INTERACTION_PATH}/{}",
            state.settings.public_url, handle.plain
        ),
        cookies,
    })
}

/// Resumes the interaction `ix` for `browser`: it must exist, be live and
/// belong to this browser; `csrf` (from a form) must match when given.
pub async fn resume(
    state: &AppState,
    plain: &str,
    browser: &Browser,
    csrf: Option<&str>,
) -> Result<Resumed, PageFault> {
    let handle = Handle::parse(plain).ok_or(PageFault::Expired)?;
    let found = state
        .store
        .find_interaction(&handle.tenant, &handle.hash)
        .await?;
    let ix = found
        .filter(|i| i.expires_at > Timestamp::now())
        .ok_or(PageFault::Expired)?;
    let bound = browser
        .binding
        .as_deref()
        .is_some_and(|b| bool::from(hash_secret(b).ct_eq(&ix.binding_hash)));
    if !bound {
        return Err(PageFault::Forbidden);
    }
    if let Some(c) = csrf
        && !bool::from(c.as_bytes().ct_eq(ix.csrf.as_bytes()))
    {
        return Err(PageFault::Forbidden);
    }
    let client = state
        .store
        .find_auth_client(&ix.client_id)
        .await?
        .filter(|c| c.tenant_id == ix.tenant)
        .ok_or(PageFault::Expired)?;
    let view = match &ix.signed_in {
        None => View::SignIn {
            login_hint: ix.request.login_hint.clone(),
        },
        Some(who) => {
            let user = find_user(state, &ix.tenant, &who.user_id)
                .await?
                .ok_or(PageFault::Expired)?;
            View::Consent {
                scopes: granted_scopes(&ix.request.scopes, user.is_tenant_admin()),
            }
        }
    };
    let app_type = client.config.app_type;
    let client_view = ClientView {
        name: client.config.client_name.clone(),
        logo_uri: client.config.logo_uri.clone(),
        client_uri: client.config.client_uri.clone(),
        form_actions: form_action_source(&ix.request.redirect_uri, app_type)
            .into_iter()
            .collect(),
    };
    Ok(Resumed {
        plain: plain.to_owned(),
        csrf: ix.csrf.clone(),
        ix,
        client,
        view,
        client_view,
    })
}

/// "User `user` signed in at `at`": opens their session (the cookie is in
/// the step) and goes on to consent, or back to the client with a code.
pub async fn finish_sign_in(
    state: &AppState,
    r: &Resumed,
    user: &User,
    at: Timestamp,
    trace: &str,
) -> Result<Step, PageFault> {
    let tenant = &r.ix.tenant;
    let session = NewHandle::generate(tenant);
    let who = SignedIn {
        user_id: user.id.to_string(),
        auth_time: at,
        session_hash: session.hash.clone(),
    };
    let lifetimes = state.settings.sessions;
    let stale_before = at.plus_seconds(-lifetimes.idle_secs.max(lifetimes.max_secs));
    let client = r.client.client_id.as_str();
    let data = serde_json::json!({"userId": who.user_id, "clientId": client, "authTime": at});
    let event = r.origin(state, &who.user_id, trace).event(
        EventType::UserSignedIn,
        Some(tenant),
        &who.user_id,
        at,
        data,
    );
    state
        .store
        .sign_in_interaction(tenant, &r.ix.ix_hash, &who, stale_before, &event)
        .await?;
    let policy = CookiePolicy::for_public_url(&state.settings.public_url);
    let cookie = policy.set(SESSION, &session.plain, Some(lifetimes.max_secs));
    let (granted, ask) = consent_needed(state, &r.client, &r.ix.request, user).await?;
    let location = if ask {
        // The same interaction, now at its consent page.
        r.ix_url(state)
    } else {
        issue_code(
            state,
            &r.client,
            &r.ix.request,
            &who,
            granted,
            Some(&r.ix.ix_hash),
        )
        .await?
    };
    Ok(Step {
        location,
        cookies: vec![cookie],
    })
}

/// "User X allowed" (remembered for the client) or "denied"
/// (`access_denied`); either ends the interaction.
pub async fn finish_consent(
    state: &AppState,
    r: &Resumed,
    allow: bool,
    trace: &str,
) -> Result<Step, PageFault> {
    let who = r.ix.signed_in.clone().ok_or(PageFault::Expired)?;
    let request = &r.ix.request;
    if !allow {
        state
            .store
            .delete_interaction(&r.ix.tenant, &r.ix.ix_hash)
            .await?;
        let e = Redirected::new("access_denied", "the user denied the request");
        return Ok(Step::to(error_location(
            state,
            &request.redirect_uri,
            request.state.as_deref(),
            &e,
        )));
    }
    let View::Consent { scopes } = &r.view else {
        return Err(PageFault::Forbidden);
    };
    let now = Timestamp::now();
    let client = &r.client.client_id;
    let data =
        serde_json::json!({"userId": who.user_id, "clientId": client.as_str(), "scopes": scopes});
    let event = r.origin(state, &who.user_id, trace).event(
        EventType::ConsentGranted,
        Some(&r.ix.tenant),
        &who.user_id,
        now,
        data,
    );
    state
        .store
        .save_consent(&r.ix.tenant, &who.user_id, client, scopes, now, &event)
        .await?;
    let location = issue_code(
        state,
        &r.client,
        request,
        &who,
        scopes.clone(),
        Some(&r.ix.ix_hash),
    )
    .await?;
    Ok(Step::to(location))
}

impl Resumed {
    /// The origin of what the person `sub` does on this interaction's
    /// pages (request `trace`), for its audit event.
    pub fn origin(&self, state: &AppState, sub: &str, trace: &str) -> Origin {
        let source = format!("{}{INTERACTION_PATH}", state.settings.public_url);
        Origin::person(sub, Some(self.client.client_id.as_str()), trace, source)
    }
    /// Whether the interaction waits for a password (else for consent).
    pub fn wants_sign_in(&self) -> bool {
        matches!(self.view, View::SignIn { .. })
    }
    /// The page of this interaction.
    fn ix_url(&self, state: &AppState) -> String {
        format!(
            "{}{INTERACTION_PATH}/{}",
            state.settings.public_url, self.plain
        )
    }
}
