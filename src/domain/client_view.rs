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

/// The client's answer as JSON text, never with a secret: what the store keeps
/// beside a client (its `wire` column) and a `GET` or a list page then copies
/// as it is. Pinned by `tests::the_stored_answer_is_pinned`: a change to it
/// needs a migration that empties the column.
pub fn wire_text(record: &ClientRecord) -> serde_json::Result<String> {
    serde_json::to_string(&ClientResponse::new(record))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::validate::{Mode, parse_config};

    /// The stored answers of existing clients were written by this function:
    /// if this text changes, add a migration that sets `clients.wire` to
    /// NULL (the clients are then decoded from their configuration until
    /// their next change) and update it here.
    #[test]
    fn the_stored_answer_is_pinned() {
        let config = parse_config(
            &json!({
                "appType": "web", "clientName": "Pinned \"app\"", "description": "d",
                "redirectUris": ["https://a.example/cb"], "allowedScopes": ["read"],
                "allowedGrantTypes": ["client_credentials"],
                "allowedAuthMethods": ["client_secret"],
            }),
            Mode::Create,
        )
        .unwrap();
        let mut record = ClientRecord {
            client_id: ClientId::from_trusted("abc"),
            config,
            created_at: Timestamp::from_micros(1_700_000_000_000_001),
            updated_at: Timestamp::from_micros(1_700_000_000_000_002),
            secrets: vec![SecretInfo {
                hint: "h1".into(),
                created_at: Timestamp::from_micros(1_700_000_000_000_001),
                created_by: "admin".into(),
            }],
        };
        assert_eq!(
            wire_text(&record).unwrap(),
            r#"{"clientId":"abc","appType":"web","clientName":"Pinned \"app\"","description":"d","redirectUris":["https://a.example/cb"],"allowedScopes":["read"],"allowedGrantTypes":["client_credentials"],"allowedAuthMethods":["client_secret"],"connectionConfig":{"consentMethod":"required"},"createdAt":"2023-11-14T22:13:20.000001Z","updatedAt":"2023-11-14T22:13:20.000002Z","clientSecrets":[{"hint":"h1","createdAt":"2023-11-14T22:13:20.000001Z","createdBy":"admin"}]}"#
        );
        record.secrets.clear();
        let shown: Value = serde_json::from_str(&wire_text(&record).unwrap()).unwrap();
        assert_eq!(
            shown,
            serde_json::to_value(ClientResponse::new(&record)).unwrap()
        );
    }
}
