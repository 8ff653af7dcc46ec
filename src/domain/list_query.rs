//! The list query of the clients API as the domain states it: sort fields,
//! keyset positions, the query and the page it answers. The store turns a
//! [`ListQuery`] into SQL; the API turns request parameters into one.

use super::client_record::ClientRecord;
use super::ids::TenantId;
use crate::filter::Filter;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    ClientId,
    ClientName,
    AppType,
    CreatedAt,
    UpdatedAt,
}

impl SortField {
    pub const ALL: [SortField; 5] = [
        SortField::ClientId,
        SortField::ClientName,
        SortField::AppType,
        SortField::CreatedAt,
        SortField::UpdatedAt,
    ];

    pub fn wire_name(self) -> &'static str {
        match self {
            SortField::ClientId => "clientId",
            SortField::ClientName => "clientName",
            SortField::AppType => "appType",
            SortField::CreatedAt => "createdAt",
            SortField::UpdatedAt => "updatedAt",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub field: SortField,
    pub descending: bool,
}

/// The value of the sort column at a cursor position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortKey {
    Text(String),
    Int(i64),
}

impl SortKey {
    pub fn of(record: &ClientRecord, field: SortField) -> SortKey {
        match field {
            SortField::ClientId => SortKey::Text(record.client_id.as_str().to_owned()),
            SortField::ClientName => SortKey::Text(record.config.name_key()),
            SortField::AppType => SortKey::Text(record.config.app_type.as_str().to_owned()),
            SortField::CreatedAt => SortKey::Int(record.created_at.micros()),
            SortField::UpdatedAt => SortKey::Int(record.updated_at.micros()),
        }
    }
}

/// Where a page starts: strictly after (or before) the row with this sort key
/// and client id, in the query's order; `inclusive` also takes that row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub forward: bool,
    pub inclusive: bool,
    pub key: SortKey,
    pub client_id: String,
}

pub struct ListQuery<'a> {
    pub tenant: &'a TenantId,
    pub filter: Option<&'a Filter>,
    pub sort: Sort,
    pub limit: u32,
    pub position: Option<Position>,
    pub count_total: bool,
}

/// One page, in the query's order, and whether rows exist beyond each end.
pub struct ListPage {
    pub items: Vec<ClientRecord>,
    pub has_before: bool,
    pub has_after: bool,
    pub total: Option<i64>,
}
