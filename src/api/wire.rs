//! Wire types of the management API: the JSON the reference defines.

use crate::domain::client::ClientConfig;
use crate::domain::client_record::{ClientRecord, SecretInfo};
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
#[derive(Debug, Serialize)]
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
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretCreated {
    pub hint: String,
    pub client_id: String,
    pub created_at: String,
    pub created_by: String,
    pub client_secret: String,
}

/// 202 body of a `PATCH` that generated a secret.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchSecret {
    pub client_secret: String,
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
