//! Wire types of the management API: the JSON the reference defines.

pub use crate::domain::client_view::{ClientResponse, SecretHint};
use serde::{Deserialize, Serialize};

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

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse<'a> {
    pub data: Vec<ClientResponse<'a>>,
    pub links: Links,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_results: Option<i64>,
}
