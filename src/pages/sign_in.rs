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
use crate::domain::ids::TenantId;
use crate::domain::session::{
    LOCK_AFTER_FAILURES, LOCK_SECS, address_failure_delay, failure_delay, is_locked,
};
use crate::domain::time::Timestamp;
use crate::domain::user::{UserKey, email_key};
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

/// Counts a failure for the account and the address, waits as the count
/// says, and answers: the form again, or the `429` page once locked.
async fn failed(
    state: &AppState,
    r: &Resumed,
    key: &str,
    addr: Option<SocketAddr>,
    email: &str,
) -> Response {
    let now = Timestamp::now();
    let from_address = addr.map_or(0, |a| state.ops.signin_failures.record(a.ip()));
    let count = match state
        .store
        .add_failure(&r.ix.tenant, key, now, now.plus_seconds(-LOCK_SECS))
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
    let user = match found {
        Some(u) if matches && u.status == crate::domain::user::UserStatus::Active => u,
        _ => return failed(&state, &r, &key, addr, &email).await,
    };
    let full = match state.store.find_user(&r.ix.tenant, &user.id).await {
        Ok(Some(u)) => u,
        Ok(None) => return failed(&state, &r, &key, addr, &email).await,
        Err(e) => return fault_page(&PageFault::Store(e)),
    };
    if let Err(e) = state.store.clear_failures(&r.ix.tenant, &key).await {
        return fault_page(&PageFault::Store(e));
    }
    match interaction::finish_sign_in(&state, &r, &full, Timestamp::now()).await {
        Ok(step) => super::render::redirect(step),
        Err(f) => fault_page(&f),
    }
}
