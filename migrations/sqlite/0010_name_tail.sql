-- "Ends with" as an index range (issue 17): `clientName ew "…"` was a
-- LIKE '%…' that no index serves, and the trigram index cannot tell where a
-- substring sits, so a rare suffix made of common trigrams ("portal #7" among
-- names like "portal #7x") read the whole tenant. name_tail holds the last 16
-- characters of name_key, last first (store::list_table::TAIL_CHARS), and its
-- index turns a suffix into a prefix range; the LIKE still decides.
-- migrations/postgres/0010 holds the PostgreSQL side.
--
-- A virtual generated column: every writer (the server, `tenant create`, a
-- hand-written INSERT) gets it right, and only the index stores it. SQLite
-- has no reverse(); substr with a negative start counts characters from the
-- end, and past the start of a shorter name gives ''.
ALTER TABLE clients ADD COLUMN name_tail TEXT GENERATED ALWAYS AS (
    substr(name_key, -1, 1) || substr(name_key, -2, 1) || substr(name_key, -3, 1) || substr(name_key, -4, 1) ||
    substr(name_key, -5, 1) || substr(name_key, -6, 1) || substr(name_key, -7, 1) || substr(name_key, -8, 1) ||
    substr(name_key, -9, 1) || substr(name_key, -10, 1) || substr(name_key, -11, 1) || substr(name_key, -12, 1) ||
    substr(name_key, -13, 1) || substr(name_key, -14, 1) || substr(name_key, -15, 1) || substr(name_key, -16, 1)
) VIRTUAL;

CREATE INDEX clients_by_name_tail ON clients (tenant_id, name_tail, client_id);
