//! Wire types of the management API: the JSON the reference defines.

use crate::domain::client::ClientConfig;
use crate::domain::client_record::{ClientRecord, SecretInfo};
use crate::domain::secret::REDACTED;
use crate::domain::time::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SecretHint {
    pub hint: String,
    pub created_at: String,
    pub created_by: String,
}

impl From<&SecretInfo> for SecretHint {
    fn from(s: &SecretInfo) -> Self {
        Self {
            hint: s.hint.clone(),
            created_at: s.created_at.to_rfc3339(),
            created_by: s.created_by.clone(),
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
    pub client_secrets: Option<Vec<SecretHint>>,
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

/// 201 body of `POST …/client-secrets`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretCreated {
    pub hint: String,
    pub client_id: String,
    pub created_at: String,
    pub created_by: String,
    pub client_secret: String,
}

/// Everything but the secret.
impl std::fmt::Debug for SecretCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretCreated")
            .field("hint", &self.hint)
            .field("client_id", &self.client_id)
            .field("created_at", &self.created_at)
            .field("created_by", &self.created_by)
            .field("client_secret", &REDACTED)
            .finish()
    }
}

/// 202 body of a `PATCH` that generated a secret.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchSecret {
    pub client_secret: String,
}

impl std::fmt::Debug for PatchSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PatchSecret")
            .field("client_secret", &REDACTED)
            .finish()
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Link {
    pub href: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Links {
    #[serde(rename = "self")]
    pub self_: Link,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<Link>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev: Option<Link>,
}

/// A page of any list: `data` holds the items' wire forms.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse<T> {
    pub data: Vec<T>,
    pub links: Links,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_results: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::ClientId;
    use crate::domain::validate::{Mode, parse_config};

    const SECRET: &str = "hunter2hunter2hunter2";

    #[test]
    fn debug_of_every_body_that_carries_a_secret_hides_it() {
        let config = parse_config(
            &serde_json::json!({"appType": "web", "clientName": "c"}),
            Mode::Create,
        )
        .unwrap();
        let record = ClientRecord::created(
            ClientId::from_trusted("c"),
            config,
            Timestamp::from_micros(0),
            None,
        );
        let mut created = ClientResponse::new(&record);
        created.client_secret = Some(SECRET);
        let secret = SecretCreated {
            hint: "hint1".into(),
            client_id: "c".into(),
            created_at: String::new(),
            created_by: "me".into(),
            client_secret: SECRET.into(),
        };
        let patched = PatchSecret {
            client_secret: SECRET.into(),
        };
        for shown in [
            format!("{created:?}"),
            format!("{secret:?}"),
            format!("{patched:?}"),
        ] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains(REDACTED), "{shown}");
        }
    }
}
