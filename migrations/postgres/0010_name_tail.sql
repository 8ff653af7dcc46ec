-- "Ends with" as an index range (issue 17); migrations/sqlite/0010 explains
-- it and holds the SQLite side. name_tail is the last 16 characters of
-- name_key, last first (store::list_table::TAIL_CHARS), compared by bytes
-- like name_key; `clientName ew "…"` adds a prefix range of it to its LIKE.
ALTER TABLE clients ADD COLUMN name_tail TEXT COLLATE "C"
    GENERATED ALWAYS AS (reverse(right(name_key, 16))) STORED;

CREATE INDEX clients_by_name_tail ON clients (tenant_id, name_tail, client_id);
