//! Clients as a listable resource: their sort fields and a client's place in
//! each order (the filter attributes are `filter::ClientAttr`).

use super::client_record::ClientRecord;
use super::list_query::{Listing, Sort, SortField, SortKey};
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

impl Listing for ClientRecord {
    type Attr = ClientAttr;
    type Sort = ClientSort;

    fn row_id(&self) -> &str {
        self.client_id.as_str()
    }

    fn sort_key(&self, field: ClientSort) -> SortKey {
        match field {
            ClientSort::ClientId => SortKey::Text(self.client_id.as_str().to_owned()),
            ClientSort::ClientName => SortKey::Text(self.config.name_key()),
            ClientSort::AppType => SortKey::Text(self.config.app_type.as_str().to_owned()),
            ClientSort::CreatedAt => SortKey::Int(self.created_at.micros()),
            ClientSort::UpdatedAt => SortKey::Int(self.updated_at.micros()),
        }
    }
}
