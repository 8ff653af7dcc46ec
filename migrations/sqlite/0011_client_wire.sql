-- A client's answer kept ready (issue 17): `wire` is the JSON object a GET or
-- a list page shows for the client (domain::client_view::wire_text), written
-- by every write that changes the client or its secrets, and `wire_at` the
-- `updated_at` it was written for. Every such change moves `updated_at`, so
-- a `wire` whose `wire_at` differs from `updated_at` (or a NULL one: clients
-- written before this migration, or by hand) is not read; the client is then
-- decoded from `config` and its secrets as before. migrations/postgres/0011
-- holds the PostgreSQL side.
ALTER TABLE clients ADD COLUMN wire TEXT;
ALTER TABLE clients ADD COLUMN wire_at INTEGER;
