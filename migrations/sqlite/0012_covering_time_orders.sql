-- The two time orders' indexes carry every column a filter may name (issue
-- 17): a filtered page that walks `createdAt` (the default order) or
-- `updatedAt` tests each row against the filter from the index entry and
-- reads the table only for the rows it returns (SQLite's deferred seek), and
-- the planner's probes along a walk read the index alone. `clientName sw
-- "x"` on a million clients walks about 700 entries for its 20 matches,
-- each a table lookup before. Keys and order are unchanged: the added columns
-- follow `client_id`, which already makes each key unique. The other orders
-- keep their indexes; PostgreSQL reads the heap row of every index entry it
-- filters, so migrations/postgres/0012 changes nothing.
DROP INDEX clients_by_created_at;
CREATE INDEX clients_by_created_at ON clients
    (tenant_id, created_at, client_id, name_key, app_type, updated_at);
DROP INDEX clients_by_updated_at;
CREATE INDEX clients_by_updated_at ON clients
    (tenant_id, updated_at, client_id, name_key, app_type, created_at);
