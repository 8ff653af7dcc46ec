//! Clients as a listable resource: their sort fields, a client as a page
//! holds it ([`ListedClient`]) and its place in each order (the filter
//! attributes are `filter::ClientAttr`).

use super::client_record::ClientRecord;
use super::ids::ClientId;
use super::list_query::{Listing, Sort, SortField, SortKey};
use super::time::Timestamp;
use crate::filter::ClientAttr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientSort {
    ClientId,
    ClientName,
    AppType,
    CreatedAt,
    UpdatedAt,
}

impl SortField for ClientSort {
    const ALL: &'static [ClientSort] = &[
        ClientSort::ClientId,
        ClientSort::ClientName,
        ClientSort::AppType,
        ClientSort::CreatedAt,
        ClientSort::UpdatedAt,
    ];
    const DEFAULT: Sort<ClientSort> = Sort {
        field: ClientSort::CreatedAt,
        descending: true,
    };

    fn wire_name(self) -> &'static str {
        match self {
            ClientSort::ClientId => "clientId",
            ClientSort::ClientName => "clientName",
            ClientSort::AppType => "appType",
            ClientSort::CreatedAt => "createdAt",
            ClientSort::UpdatedAt => "updatedAt",
        }
    }
}

/// A client on a list page: its place in every order, and its answer.
#[derive(Debug, Clone)]
pub struct ListedClient {
    pub client_id: ClientId,
    /// `clientName` lowercased, as names are ordered.
    pub name_key: String,
    pub app_type: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub shown: Shown,
}

/// What a page shows of a client.
#[derive(Debug, Clone)]
pub enum Shown {
    /// Its answer as the store keeps it for the client's current state
    /// (`client_view::wire_text`), copied as it is.
    Stored(String),
    /// The client itself, where the store keeps no answer for its current
    /// state (it was written before answers were kept, or by hand).
    Record(Box<ClientRecord>),
}

impl Listing for ListedClient {
    type Attr = ClientAttr;
    type Sort = ClientSort;

    fn row_id(&self) -> &str {
        self.client_id.as_str()
    }

    fn sort_key(&self, field: ClientSort) -> SortKey {
        match field {
            ClientSort::ClientId => SortKey::Text(self.client_id.as_str().to_owned()),
            ClientSort::ClientName => SortKey::Text(self.name_key.clone()),
            ClientSort::AppType => SortKey::Text(self.app_type.clone()),
            ClientSort::CreatedAt => SortKey::Int(self.created_at.micros()),
            ClientSort::UpdatedAt => SortKey::Int(self.updated_at.micros()),
        }
    }
}
