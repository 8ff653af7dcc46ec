//! The claims of the access tokens this server issues (RFC 9068), which the
//! key ring signs and verifies.

use serde::{Deserialize, Serialize};

/// JOSE `typ` of access tokens (RFC 9068 §2.1).
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// The actor of a delegated token (RFC 8693 §4.1): who acts for the
/// subject. In a user-impersonation token it is the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub sub: String,
}

/// Claims of an access token (RFC 9068 §2.2, plus `tenant_id`). A user's
/// token has the user's id as `sub`; `auth_time` (when the user signed in,
/// Unix seconds) and `act` (the client acting for the user, in
/// impersonation) appear only when they apply.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub client_id: String,
    pub scope: String,
    pub tenant_id: String,
    /// The grant type that issued the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gty: Option<String>,
    /// The credential that obtained it (`domain::token_liveness::Credential`):
    /// an opaque id, never a secret's hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cred: Option<String>,
    /// The client's token generation when it was issued; a revocation of
    /// all the client's tokens moves the generation past it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#gen: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<Actor>,
    /// The sign-in grant a user token was issued under (an exchanged code
    /// and its refresh tokens): revoking the grant refuses the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<String>,
}

impl AccessClaims {
    /// Whether the token was issued for a user rather than to its client
    /// alone: its subject is not its client.
    pub fn is_user_token(&self) -> bool {
        self.sub != self.client_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(act: Option<Actor>, auth_time: Option<i64>) -> AccessClaims {
        AccessClaims {
            sub: "u".into(),
            client_id: "c".into(),
            auth_time,
            act,
            ..Default::default()
        }
    }

    #[test]
    fn auth_time_and_act_appear_only_when_set() {
        let plain = serde_json::to_value(claims(None, None)).unwrap();
        assert!(plain.get("act").is_none() && plain.get("auth_time").is_none());
        let actor = Some(Actor { sub: "c".into() });
        let user = serde_json::to_value(claims(actor, Some(5))).unwrap();
        assert_eq!(user["act"], serde_json::json!({"sub": "c"}));
        assert_eq!(user["auth_time"], 5);
        let back: AccessClaims = serde_json::from_value(plain).unwrap();
        assert!(back.act.is_none() && back.auth_time.is_none());
        assert!(back.is_user_token(), "sub u is not client c");
    }
}
