//! The records of a sign-in as the store keeps them: a paused authorization
//! request (interaction), a session, an authorization code, a grant and its
//! refresh tokens. Bearer values appear only as hashes.

use super::ids::{ClientId, TenantId};
use super::time::Timestamp;
use serde::{Deserialize, Serialize};

/// A validated authorization request, kept while the pages run and bound
/// into the code it ends with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub prompt_login: bool,
    pub prompt_consent: bool,
    pub login_hint: Option<String>,
}

/// A paused authorization request.
#[derive(Debug, Clone)]
pub struct Interaction {
    pub tenant: TenantId,
    pub ix_hash: Vec<u8>,
    pub binding_hash: Vec<u8>,
    pub csrf: String,
    pub client_id: ClientId,
    pub request: AuthRequest,
    /// Set once the user gave the password: who, when, with which session.
    pub signed_in: Option<SignedIn>,
    pub expires_at: Timestamp,
}

/// A successful sign-in: the user and when the password was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub user_id: String,
    pub auth_time: Timestamp,
    pub session_hash: Vec<u8>,
}

/// A stored session.
#[derive(Debug, Clone)]
pub struct Session {
    pub tenant: TenantId,
    pub session_hash: Vec<u8>,
    pub user_id: String,
    pub auth_time: Timestamp,
    pub last_seen: Timestamp,
}

/// An authorization code as stored.
#[derive(Debug, Clone)]
pub struct Code {
    pub tenant: TenantId,
    pub code_hash: Vec<u8>,
    pub grant_id: String,
    pub client_id: ClientId,
    pub user_id: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub nonce: Option<String>,
    pub scopes: Vec<String>,
    pub auth_time: Timestamp,
    pub expires_at: Timestamp,
    pub used: bool,
    /// The client's token generation when the code was issued.
    pub token_generation: i64,
}

/// What an exchanged code (or a refresh) issues under: the grant.
#[derive(Debug, Clone)]
pub struct Grant {
    pub tenant: TenantId,
    pub grant_id: String,
    pub client_id: ClientId,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub auth_time: Timestamp,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub revoked: bool,
    /// Its code's token generation: the tokens it issues carry it as `gen`.
    pub token_generation: i64,
}

/// A refresh token as stored, with its grant.
#[derive(Debug, Clone)]
pub struct RefreshToken {
    pub token_hash: Vec<u8>,
    pub used: bool,
    pub grant: Grant,
}

/// What a user allowed a client (every consent given, united).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub client_id: ClientId,
    pub scopes: Vec<String>,
    pub granted_at: Timestamp,
}

/// Scopes as one column: space-separated, as in OAuth.
pub fn join_scopes(scopes: &[String]) -> String {
    scopes.join(" ")
}

pub fn split_scopes(s: &str) -> Vec<String> {
    s.split(' ')
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}
