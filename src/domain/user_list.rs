//! Users as a listable resource (contract §7): their sort fields and a
//! user's place in each order (the filter attributes are
//! `filter::UserAttr`).

use super::list_query::{Listing, Sort, SortField, SortKey};
use super::user::User;
use crate::filter::UserAttr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserSort {
    Name,
    Email,
    Status,
    CreatedAt,
    UpdatedAt,
}

impl SortField for UserSort {
    const ALL: &'static [UserSort] = &[
        UserSort::Name,
        UserSort::Email,
        UserSort::Status,
        UserSort::CreatedAt,
        UserSort::UpdatedAt,
    ];
    const DEFAULT: Sort<UserSort> = Sort {
        field: UserSort::CreatedAt,
        descending: true,
    };

    fn wire_name(self) -> &'static str {
        match self {
            UserSort::Name => "name",
            UserSort::Email => "email",
            UserSort::Status => "status",
            UserSort::CreatedAt => "createdAt",
            UserSort::UpdatedAt => "updatedAt",
        }
    }
}

impl Listing for User {
    type Attr = UserAttr;
    type Sort = UserSort;

    fn row_id(&self) -> &str {
        self.id.as_str()
    }

    /// Names and emails sort by their lowercased keys, as they compare.
    fn sort_key(&self, field: UserSort) -> SortKey {
        match field {
            UserSort::Name => SortKey::Text(self.name_key()),
            UserSort::Email => SortKey::Text(self.email_key()),
            UserSort::Status => SortKey::Text(self.status.as_str().to_owned()),
            UserSort::CreatedAt => SortKey::Int(self.created_at.micros()),
            UserSort::UpdatedAt => SortKey::Int(self.updated_at.micros()),
        }
    }
}
