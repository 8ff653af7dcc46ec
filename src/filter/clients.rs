//! The filter schema of OAuth clients: the attributes a client list's
//! `filter` may name, and a client's values as the evaluator reads them.

use super::attribute::{Attribute, Record, Value, ValueKind};

/// A filterable attribute of an OAuth client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAttr {
    ClientId,
    ClientName,
    AppType,
    CreatedAt,
    UpdatedAt,
}

impl Attribute for ClientAttr {
    const ALL: &'static [ClientAttr] = &[
        ClientAttr::ClientId,
        ClientAttr::ClientName,
        ClientAttr::AppType,
        ClientAttr::CreatedAt,
        ClientAttr::UpdatedAt,
    ];

    fn name(self) -> &'static str {
        match self {
            ClientAttr::ClientId => "clientId",
            ClientAttr::ClientName => "clientName",
            ClientAttr::AppType => "appType",
            ClientAttr::CreatedAt => "createdAt",
            ClientAttr::UpdatedAt => "updatedAt",
        }
    }

    fn kind(self) -> ValueKind {
        match self {
            ClientAttr::ClientId | ClientAttr::ClientName | ClientAttr::AppType => ValueKind::Text,
            ClientAttr::CreatedAt | ClientAttr::UpdatedAt => ValueKind::Timestamp,
        }
    }
}

/// The filterable fields of one client, borrowed from wherever it lives.
#[derive(Debug, Clone, Copy)]
pub struct ClientFields<'a> {
    pub client_id: &'a str,
    pub client_name: &'a str,
    pub app_type: &'a str,
    /// Creation instant in microseconds since the Unix epoch (UTC).
    pub created_at_us: i64,
    /// Last update instant in microseconds since the Unix epoch (UTC).
    pub updated_at_us: i64,
}

impl Record<ClientAttr> for ClientFields<'_> {
    /// Every attribute of a client always has a value.
    fn value(&self, attr: ClientAttr) -> Option<Value<'_>> {
        Some(match attr {
            ClientAttr::ClientId => Value::Text(self.client_id),
            ClientAttr::ClientName => Value::Text(self.client_name),
            ClientAttr::AppType => Value::Text(self.app_type),
            ClientAttr::CreatedAt => Value::Timestamp(self.created_at_us),
            ClientAttr::UpdatedAt => Value::Timestamp(self.updated_at_us),
        })
    }
}
