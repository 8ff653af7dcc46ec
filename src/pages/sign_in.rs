//! The sign-in form (`POST /oauth/interaction/{id}/signin`, fields `email`,
//! `password`, `csrf`). A wrong email and a wrong password get the same
//! page after the same work (an unknown email is verified against a dummy
//! Argon2id hash; a disabled user's real hash is verified, then refused
//! alike). Failures are counted per account in the store (every instance
//! agrees) and per address in this process: answers slow down after a few,
//! and an account is refused for a while after 20 in a row, right password
//! included (a `429` page).

use super::interaction::{fault_page, read_form, sign_in_page};
use super::render::message;
use crate::domain::audit::{EventType, unknown_email_subject};
use crate::domain::ids::TenantId;
use crate::domain::session::{
    LOCK_AFTER_FAILURES, LOCK_SECS, address_failure_delay, failure_delay, is_locked,
};
use crate::domain::time::Timestamp;
use crate::domain::user::{UserKey, email_key};
use crate::http::RequestId;
use crate::oauth::interaction::{self, Browser, PageFault, Resumed};
use crate::ops::passwords;
use crate::state::AppState;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use std::net::SocketAddr;

/// The one answer to a wrong email, a wrong password or a disabled user.
const WRONG: &str = "The email or password is incorrect.";

/// The `429` page, with `Retry-After`.
fn refused(secs: u64) -> Response {
    let mut res = message(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many attempts",
        "Too many failed sign-ins. Wait a while, then try again.",
    );
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    res
}

/// Who failed to sign in: the user the email matched, if any; the request.
struct Attempt<'a> {
    user_id: Option<&'a str>,
    trace: &'a str,
}

/// Counts a failure for the account and the address (recording its audit
/// event: subject the user, or the typed email's hash when none matched),
/// waits as the count says, and answers: the form again, or the `429` page
/// once locked.
async fn failed(
    state: &AppState,
    r: &Resumed,
    key: &str,
    addr: Option<SocketAddr>,
    email: &str,
    who: &Attempt<'_>,
) -> Response {
    let now = Timestamp::now();
    let from_address = addr.map_or(0, |a| state.ops.signin_failures.record(a.ip()));
    let subject = who
        .user_id
        .map_or_else(|| unknown_email_subject(email), str::to_owned);
    let data = serde_json::json!({"userId": who.user_id, "clientId": r.client.client_id.as_str()});
    let event = r.origin(state, &subject, who.trace).event(
        EventType::UserSignInFailed,
        Some(&r.ix.tenant),
        &subject,
        now,
        data,
    );
    let count = match state
        .store
        .add_failure(&r.ix.tenant, key, now, now.plus_seconds(-LOCK_SECS), &event)
        .await
    {
        Ok(n) => n,
        Err(e) => return fault_page(&PageFault::Store(e)),
    };
    let delay = failure_delay(count).max(address_failure_delay(from_address));
    tokio::time::sleep(delay).await;
    if count >= LOCK_AFTER_FAILURES {
        return refused(LOCK_SECS.unsigned_abs());
    }
    sign_in_page(r, email, Some(WRONG))
}

/// Whether the account is locked now.
async fn locked(state: &AppState, tenant: &TenantId, key: &str) -> Result<bool, PageFault> {
    Ok(state
        .store
        .find_failures(tenant, key)
        .await?
        .is_some_and(|(n, last)| is_locked(n, last, Timestamp::now())))
}

pub async fn sign_in(
    State(state): State<AppState>,
    Path(ix): Path<String>,
    req: Request,
) -> Response {
    let addr = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let trace = req
        .extensions()
        .get::<RequestId>()
        .map_or_else(String::new, |id| id.as_str().to_owned());
    let browser = Browser::from_headers(&state, req.headers());
    let form = read_form(req.into_body()).await.unwrap_or_default();
    let field = |k: &str| form.get(k).map_or("", String::as_str);
    let r = match interaction::resume(&state, &ix, &browser, Some(field("csrf"))).await {
        Ok(r) => r,
        Err(f) => return fault_page(&f),
    };
    if !r.wants_sign_in() {
        return fault_page(&PageFault::Forbidden);
    }
    if let Some(secs) = addr.and_then(|a| state.ops.signin_failures.refused_for(a.ip())) {
        return refused(secs);
    }
    let email = field("email").trim().to_owned();
    let key = email_key(&email);
    match locked(&state, &r.ix.tenant, &key).await {
        Ok(true) => return refused(LOCK_SECS.unsigned_abs()),
        Ok(false) => {}
        Err(f) => return fault_page(&f),
    }
    let found = if email.is_empty() || email.len() > 320 {
        Ok(None)
    } else {
        state
            .store
            .find_sign_in_user(&r.ix.tenant, UserKey::Email(&email))
            .await
    };
    let found = match found {
        Ok(u) => u,
        Err(e) => return fault_page(&PageFault::Store(e)),
    };
    let hash = found.as_ref().map(|u| u.password_hash.clone());
    let matches = passwords::verify(field("password").to_owned(), hash).await;
    let attempt = Attempt {
        user_id: found.as_ref().map(|u| u.id.as_str()),
        trace: &trace,
    };
    let user = match &found {
        Some(u) if matches && u.status == crate::domain::user::UserStatus::Active => u,
        _ => return failed(&state, &r, &key, addr, &email, &attempt).await,
    };
    let full = match state.store.find_user(&r.ix.tenant, &user.id).await {
        Ok(Some(u)) => u,
        Ok(None) => return failed(&state, &r, &key, addr, &email, &attempt).await,
        Err(e) => return fault_page(&PageFault::Store(e)),
    };
    if let Err(e) = state.store.clear_failures(&r.ix.tenant, &key).await {
        return fault_page(&PageFault::Store(e));
    }
    match interaction::finish_sign_in(&state, &r, &full, Timestamp::now(), &trace).await {
        Ok(step) => super::render::redirect(step),
        Err(f) => fault_page(&f),
    }
}
