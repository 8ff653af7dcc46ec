//! A stored client as the rest of the program sees it: its configuration,
//! timestamps and the public metadata of its secrets; and the shapes in which
//! a new client goes into the store and a client comes out for authentication.

use super::client::ClientConfig;
use super::ids::{ClientId, TenantId};
use super::secret::NewSecret;
use super::time::Timestamp;

/// A stored client with its secrets' public metadata.
#[derive(Debug, Clone)]
pub struct ClientRecord {
    pub client_id: ClientId,
    pub config: ClientConfig,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub secrets: Vec<SecretInfo>,
}

/// What may be shown of a secret: never its value or hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInfo {
    pub hint: String,
    pub created_at: Timestamp,
    pub created_by: String,
}

/// A client and its secrets' hashes and ids, as client authentication
/// needs them.
#[derive(Clone)]
pub struct AuthClient {
    pub tenant_id: TenantId,
    pub client_id: ClientId,
    pub config: ClientConfig,
    pub secrets: Vec<AuthSecret>,
    /// The client's token generation now (see `domain::token_liveness`).
    pub token_generation: i64,
}

/// One secret as client authentication needs it.
#[derive(Clone)]
pub struct AuthSecret {
    /// Its opaque id (what a token names as its credential).
    pub id: String,
    /// Its SHA-256.
    pub hash: Vec<u8>,
}

/// Everything but the secret hashes, which it only counts.
impl std::fmt::Debug for AuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthClient")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("config", &self.config)
            .field(
                "secrets",
                &format_args!("<{} redacted>", self.secrets.len()),
            )
            .field("token_generation", &self.token_generation)
            .finish()
    }
}

/// A new client to insert, with its first secret if it gets one.
pub struct NewClient<'a> {
    pub client_id: &'a ClientId,
    pub config: &'a ClientConfig,
    pub now: Timestamp,
    /// The secret drawn by [`super::patch_plan::secret_to_draw`], and who
    /// created it (`createdBy`).
    pub first_secret: Option<(&'a NewSecret, &'a str)>,
}

impl ClientRecord {
    /// The client as a change at `updated_at` leaves it, with `config` and
    /// `secrets`, which it orders as the store reads them (oldest first,
    /// then by hint).
    pub fn changed(
        &self,
        config: ClientConfig,
        updated_at: Timestamp,
        mut secrets: Vec<SecretInfo>,
    ) -> ClientRecord {
        secrets.sort_by(|a, b| (a.created_at, &a.hint).cmp(&(b.created_at, &b.hint)));
        ClientRecord {
            client_id: self.client_id.clone(),
            config,
            created_at: self.created_at,
            updated_at,
            secrets,
        }
    }

    /// The record of a client just created with `first_secret`.
    pub fn created(
        client_id: ClientId,
        config: ClientConfig,
        now: Timestamp,
        first_secret: Option<(&NewSecret, &str)>,
    ) -> ClientRecord {
        ClientRecord {
            client_id,
            config,
            created_at: now,
            updated_at: now,
            secrets: first_secret
                .map(|(s, by)| SecretInfo {
                    hint: s.hint.clone(),
                    created_at: now,
                    created_by: by.to_owned(),
                })
                .into_iter()
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::validate::{Mode, parse_config};

    #[test]
    fn auth_client_debug_hides_the_secret_hashes() {
        let config = parse_config(
            &serde_json::json!({"appType": "web", "clientName": "c"}),
            Mode::Create,
        )
        .unwrap();
        let hash = crate::domain::secret::hash_secret("s3cr3t");
        let client = AuthClient {
            tenant_id: TenantId::from_trusted("t"),
            client_id: ClientId::from_trusted("c"),
            config,
            secrets: vec![AuthSecret {
                id: "sid".into(),
                hash: hash.clone(),
            }],
            token_generation: 0,
        };
        let shown = format!("{client:?}");
        assert!(shown.contains("<1 redacted>"), "{shown}");
        assert!(!shown.contains(&format!("{hash:?}")), "{shown}");
    }
}
