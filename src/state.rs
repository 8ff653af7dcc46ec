//! The application state: every handle a request can reach (store, signing
//! keys, settings, the cursor key, the per-process operational state), in one
//! `Arc` that every middleware and extractor clones per request. No globals.
//!
//! Lower layers never see [`AppState`]: `ops/` reads its own view,
//! [`OpsState`], which axum derives from it (`FromRef`).

use crate::audit::AuditSettings;
use crate::domain::key_wrap::{self, Kek, server_secret_aad};
use crate::domain::session::SessionLifetimes;
use crate::domain::time::Timestamp;
use crate::ops::{Ops, OpsConfig, OpsState};
use crate::signing::{KeyRing, at_rest};
use crate::store::Store;
use aws_lc_rs::hmac;
use axum::extract::FromRef;
use std::sync::Arc;

/// Settings the request handlers need.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Base of absolute links and the token issuer, without a trailing slash.
    pub public_url: String,
    /// Lifetime of access tokens, in seconds.
    pub token_ttl: i64,
    /// Most clients one tenant may have.
    pub max_clients_per_tenant: u64,
    /// The key under which private keys are stored (`None`: in plain).
    pub key_encryption_key: Option<Arc<Kek>>,
    /// Retention and webhook delivery of the audit log.
    pub audit: AuditSettings,
    /// Idle and absolute lifetimes of sign-in sessions.
    pub sessions: SessionLifetimes,
}

impl Default for Settings {
    /// The documented defaults; an empty `public_url` means "not set".
    fn default() -> Self {
        Settings {
            public_url: String::new(),
            token_ttl: 21_600,
            max_clients_per_tenant: DEFAULT_MAX_CLIENTS_PER_TENANT,
            key_encryption_key: None,
            audit: AuditSettings::default(),
            sessions: SessionLifetimes::default(),
        }
    }
}

/// Default of `--max-clients-per-tenant`.
pub const DEFAULT_MAX_CLIENTS_PER_TENANT: u64 = 100_000;

impl Settings {
    pub fn issuer(&self) -> &str {
        &self.public_url
    }
    /// Access tokens are for this server's own management API.
    pub fn audience(&self) -> &str {
        &self.public_url
    }
}

/// Everything a request handler can reach.
#[derive(Clone)]
pub struct AppState(Arc<AppStateInner>);

/// The fields of [`AppState`], reached through `Deref`.
pub struct AppStateInner {
    pub store: Store,
    pub keys: KeyRing,
    pub settings: Arc<Settings>,
    pub cursor_key: Arc<hmac::Key>,
    /// Rate limits, metrics and server limits of this process.
    pub ops: Arc<Ops>,
    /// What `ops/` routes see of all this.
    ops_view: OpsState,
}

impl AppState {
    /// Loads (or creates on first start) the server's keys from the store.
    /// The state has no rate limits and the default server limits until
    /// [`AppState::with_ops`] sets others (`serve` does, from its options).
    pub async fn new(store: Store, settings: Settings) -> anyhow::Result<AppState> {
        let kek = settings.key_encryption_key.clone();
        at_rest::prepare(&store, kek.as_deref()).await?;
        let keys =
            KeyRing::load_or_create_with(store.clone(), settings.token_ttl, kek.clone()).await?;
        let cursor_secret = cursor_secret(&store, kek.as_deref()).await?;
        let cursor_key = Arc::new(hmac::Key::new(hmac::HMAC_SHA256, &cursor_secret));
        Ok(AppState::assemble(
            store,
            keys,
            Arc::new(settings),
            cursor_key,
            &OpsConfig::default(),
        ))
    }

    /// Replaces the operational settings (rate limits, server limits) and
    /// starts from fresh counters.
    #[must_use]
    pub fn with_ops(self, config: &OpsConfig) -> AppState {
        let s = &*self.0;
        AppState::assemble(
            s.store.clone(),
            s.keys.clone(),
            s.settings.clone(),
            s.cursor_key.clone(),
            config,
        )
    }

    fn assemble(
        store: Store,
        keys: KeyRing,
        settings: Arc<Settings>,
        cursor_key: Arc<hmac::Key>,
        config: &OpsConfig,
    ) -> AppState {
        let ops = Arc::new(Ops::new(config));
        let ops_view = OpsState::new(ops.clone(), store.clone(), &settings.public_url);
        AppState(Arc::new(AppStateInner {
            store,
            keys,
            settings,
            cursor_key,
            ops,
            ops_view,
        }))
    }
}

/// Name of the cursor MAC key in `server_secrets`.
pub const CURSOR_SECRET: &str = "cursor-hmac-sha256";

/// The cursor MAC key: created (encrypted under `kek` when there is one) by
/// the first instance, read by the others.
async fn cursor_secret(store: &Store, kek: Option<&Kek>) -> anyhow::Result<Vec<u8>> {
    let mut fresh = vec![0u8; 32];
    aws_lc_rs::rand::fill(&mut fresh)
        .map_err(|_| anyhow::anyhow!("system random number generator failed"))?;
    let aad = server_secret_aad(CURSOR_SECRET);
    let fresh = key_wrap::wrap(kek, &fresh, &aad)?;
    let stored = store
        .server_secret(CURSOR_SECRET, fresh, Timestamp::now())
        .await?;
    key_wrap::unwrap(kek, &stored, &aad)
        .map_err(|e| anyhow::anyhow!("the stored cursor key cannot be opened: {e}"))
}

impl std::ops::Deref for AppState {
    type Target = AppStateInner;
    fn deref(&self) -> &AppStateInner {
        &self.0
    }
}

impl FromRef<AppState> for OpsState {
    fn from_ref(state: &AppState) -> OpsState {
        state.ops_view.clone()
    }
}
