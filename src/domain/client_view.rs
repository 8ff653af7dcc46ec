//! A client as the management API shows it: the JSON of every answer that
//! carries a client, and the `data` of the audit events about one (so an
//! event shows a client exactly as a `GET` would have).

use super::client::ClientConfig;
use super::client_record::{ClientRecord, SecretInfo};
use super::ids::ClientId;
use super::secret::REDACTED;
use super::time::Timestamp;
use serde::Serialize;
use serde_json::{Value, json};

/// A secret's metadata as a client shows it, borrowed from the record.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SecretHint<'a> {
    pub hint: &'a str,
    pub created_at: Timestamp,
    pub created_by: &'a str,
}

impl<'a> From<&'a SecretInfo> for SecretHint<'a> {
    fn from(s: &'a SecretInfo) -> Self {
        Self {
            hint: &s.hint,
            created_at: s.created_at,
            created_by: &s.created_by,
        }
    }
}

/// A client as every endpoint returns it. `clientSecret` is only ever set in
/// the 201 answer to a create.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientResponse<'a> {
    pub client_id: &'a str,
    #[serde(flatten)]
    pub config: &'a ClientConfig,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secrets: Option<Vec<SecretHint<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<&'a str>,
}

/// Everything but the secret of a create's answer.
impl std::fmt::Debug for ClientResponse<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientResponse")
            .field("client_id", &self.client_id)
            .field("config", &self.config)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .field("client_secrets", &self.client_secrets)
            .field("client_secret", &self.client_secret.map(|_| REDACTED))
            .finish()
    }
}

impl<'a> ClientResponse<'a> {
    pub fn new(record: &'a ClientRecord) -> Self {
        // Web clients always show their (possibly empty) list of secret hints,
        // so callers can rely on the field; other types never have secrets.
        let show = record.config.supports_secrets() || !record.secrets.is_empty();
        Self {
            client_id: record.client_id.as_str(),
            config: &record.config,
            created_at: record.created_at,
            updated_at: record.updated_at,
            client_secrets: show.then(|| record.secrets.iter().map(SecretHint::from).collect()),
            client_secret: None,
        }
    }
}

/// The client as a JSON value, never with a secret (an audit event's `data`).
pub fn client_json(record: &ClientRecord) -> Value {
    serde_json::to_value(ClientResponse::new(record)).unwrap_or(Value::Null)
}

/// A secret's metadata as the API shows it, never its value: the answer to
/// `POST …/client-secrets` without `clientSecret` (an audit event's `data`).
pub fn secret_json(client: &ClientId, info: &SecretInfo) -> Value {
    json!({
        "hint": info.hint,
        "clientId": client.as_str(),
        "createdAt": info.created_at.to_rfc3339(),
        "createdBy": info.created_by,
    })
}
