//! Clients as a listable table: the columns of their filter attributes and
//! sort orders, the row decoder, their secrets as a page's details, the
//! tenant's client counter, and the hints SQLite's planner uses (the sort
//! indexes, the per-tenant trigram index over names and the index of their
//! reversed tails, migrations 0001, 0003, 0009 and 0010).

use super::Result;
use super::list_table::{AttrColumn, Column, DbRow, ListTable, SqlitePlanning, Trigrams};
use super::shared::{decode_client, decode_secret};
use crate::domain::client_list::{ClientSort, ListedClient, Shown};
use crate::domain::ids::ClientId;
use crate::domain::time::Timestamp;
use crate::filter::{ClientAttr, CompareOp};

impl AttrColumn for ClientAttr {
    /// `client_id` and `app_type` are stored in lowercase; `name_key` holds
    /// `client_name.to_lowercase()`.
    fn column(self) -> Column {
        match self {
            ClientAttr::ClientId => Column::Value("client_id"),
            ClientAttr::ClientName => Column::LowercasedKey("name_key"),
            ClientAttr::AppType => Column::Value("app_type"),
            ClientAttr::CreatedAt => Column::Value("created_at"),
            ClientAttr::UpdatedAt => Column::Value("updated_at"),
        }
    }

    /// Names end-matched by `ew` through `clients_by_name_tail`.
    fn tail_column(self) -> Option<&'static str> {
        (self == ClientAttr::ClientName).then_some("name_tail")
    }
}

impl ListTable for ListedClient {
    const TABLE: &'static str = "clients";
    const TENANT_COLUMN: &'static str = "tenant_id";
    const ID_COLUMN: &'static str = "client_id";
    /// The client's answer where the store keeps one for its current state
    /// (migration 0011), else its configuration to draw it from.
    const COLUMNS: &'static str = "client_id, name_key, app_type, created_at, updated_at, secret_count, \
         CASE WHEN wire_at = updated_at THEN wire END AS wire, \
         CASE WHEN wire_at = updated_at THEN NULL ELSE config END AS config";

    fn sort_column(field: ClientSort) -> &'static str {
        match field {
            ClientSort::ClientId => "client_id",
            ClientSort::ClientName => "name_key",
            ClientSort::AppType => "app_type",
            ClientSort::CreatedAt => "created_at",
            ClientSort::UpdatedAt => "updated_at",
        }
    }

    /// A client with its answer, or without its secrets where the store
    /// keeps no answer ([`ListTable::details_sql`] then reads them).
    fn decode(row: &dyn DbRow) -> Result<ListedClient> {
        let shown = match row.opt_text("wire")? {
            Some(wire) => Shown::Stored(wire),
            None => Shown::Record(Box::new(decode_client(row)?.0)),
        };
        Ok(ListedClient {
            client_id: ClientId::from_trusted(row.text("client_id")?),
            name_key: row.text("name_key")?,
            app_type: row.text("app_type")?,
            created_at: Timestamp::from_micros(row.int("created_at")?),
            updated_at: Timestamp::from_micros(row.int("updated_at")?),
            shown,
        })
    }

    /// The tenant's client counter (kept by triggers, migration 0003), which
    /// is O(1) where `COUNT(*)` reads an index entry per client.
    fn count_all_sql() -> String {
        "SELECT client_count FROM tenants WHERE tenant_id = $1".to_owned()
    }

    fn has_details(item: &ListedClient, row: &dyn DbRow) -> Result<bool> {
        Ok(matches!(item.shown, Shown::Record(_)) && row.int("secret_count")? > 0)
    }

    /// The secrets' metadata of `n` clients, oldest first.
    fn details_sql(n: usize) -> Option<String> {
        let mut sql = String::from(
            "SELECT client_id, hint, created_at, created_by FROM client_secrets WHERE tenant_id = $1 AND client_id IN (",
        );
        for i in 0..n {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", i + 2));
        }
        sql.push_str(") ORDER BY created_at, hint");
        Some(sql)
    }

    fn attach_detail(items: &mut [ListedClient], row: &dyn DbRow) -> Result<()> {
        let owner = row.text("client_id")?;
        for item in items.iter_mut().filter(|c| c.client_id.as_str() == owner) {
            if let Shown::Record(record) = &mut item.shown {
                record.secrets.push(decode_secret(row)?);
            }
        }
        Ok(())
    }

    fn sqlite_planning() -> Option<SqlitePlanning<ListedClient>> {
        Some(SqlitePlanning {
            sort_index,
            attr_index: |attr, op| match op {
                CompareOp::Ew => attr.tail_column().map(|_| "clients_by_name_tail"),
                _ => Some(sort_index(sort_of(attr))),
            },
            filter_columns: "client_id, app_type, name_key, created_at, updated_at",
            trigrams: Some(Trigrams {
                attr: ClientAttr::ClientName,
                index_table: "client_name_trigram_index",
                docs_table: "client_name_search",
                id_index: "sqlite_autoindex_clients_1",
            }),
        })
    }
}

/// The SQLite index that holds an order: `INDEXED BY` names it. The primary
/// key's index is SQLite's automatic one, numbered after the table's first
/// key constraint.
fn sort_index(field: ClientSort) -> &'static str {
    match field {
        ClientSort::ClientId => "sqlite_autoindex_clients_1",
        ClientSort::ClientName => "clients_by_name",
        ClientSort::AppType => "clients_by_app_type",
        ClientSort::CreatedAt => "clients_by_created_at",
        ClientSort::UpdatedAt => "clients_by_updated_at",
    }
}

/// The order whose index serves a range condition on an attribute.
fn sort_of(attr: ClientAttr) -> ClientSort {
    match attr {
        ClientAttr::ClientId => ClientSort::ClientId,
        ClientAttr::ClientName => ClientSort::ClientName,
        ClientAttr::AppType => ClientSort::AppType,
        ClientAttr::CreatedAt => ClientSort::CreatedAt,
        ClientAttr::UpdatedAt => ClientSort::UpdatedAt,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secrets_of_a_page_take_one_placeholder_per_client() {
        assert_eq!(
            ListedClient::details_sql(3).as_deref(),
            Some(
                "SELECT client_id, hint, created_at, created_by FROM client_secrets \
                 WHERE tenant_id = $1 AND client_id IN ($2, $3, $4) ORDER BY created_at, hint"
            )
        );
    }
}
