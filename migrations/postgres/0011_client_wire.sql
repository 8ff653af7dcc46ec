-- A client's answer kept ready (issue 17); migrations/sqlite/0011 explains
-- it and holds the SQLite side. `wire` is read only while `wire_at` equals
-- `updated_at`.
ALTER TABLE clients ADD COLUMN wire TEXT;
ALTER TABLE clients ADD COLUMN wire_at BIGINT;
