//! Users as a listable table (contract §7): the columns of their filter
//! attributes and sort orders, the row decoder, and the tenant's user
//! counter. Each order has its index on (tenant, sort column, user id) from
//! migration 0005; SQLite's own planner chooses among them (users give no
//! planning hints).

use super::Result;
use super::list_table::{AttrColumn, Column, DbRow, ListTable};
use super::users::decode_user;
use crate::domain::user::User;
use crate::domain::user_list::UserSort;
use crate::filter::UserAttr;

impl AttrColumn for UserAttr {
    /// `status` is stored in lowercase; the `*_key` columns hold the
    /// `to_lowercase()` of email, name and subject, kept by every write.
    fn column(self) -> Column {
        match self {
            UserAttr::Email => Column::LowercasedKey("email_key"),
            UserAttr::Name => Column::LowercasedKey("name_key"),
            UserAttr::Subject => Column::LowercasedKey("subject_key"),
            UserAttr::Status => Column::Value("status"),
            UserAttr::CreatedAt => Column::Value("created_at"),
        }
    }
}

impl ListTable for User {
    const TABLE: &'static str = "users";
    const TENANT_COLUMN: &'static str = "tenant_id";
    const ID_COLUMN: &'static str = "user_id";
    /// What `decode_user` reads; never the password hash.
    const COLUMNS: &'static str =
        "user_id, subject, email, name, status, roles, created_at, updated_at";

    fn sort_column(field: UserSort) -> &'static str {
        match field {
            UserSort::Name => "name_key",
            UserSort::Email => "email_key",
            UserSort::Status => "status",
            UserSort::CreatedAt => "created_at",
            UserSort::UpdatedAt => "updated_at",
        }
    }

    fn decode(row: &dyn DbRow) -> Result<User> {
        decode_user(row)
    }

    /// The tenant's user counter (kept by triggers, migration 0008), which
    /// is O(1) where `COUNT(*)` reads an index entry per user.
    fn count_all_sql() -> String {
        "SELECT user_count FROM tenants WHERE tenant_id = $1".to_owned()
    }
}
