-- Substring search keyed by tenant (issues 12 and 17); migrations/sqlite/0009
-- holds the SQLite side. The pg_trgm GIN indexes of 0003 and 0008 held every
-- tenant's names under one key per trigram, so a search's index scan read
-- (and its row estimate counted) every tenant's matches. btree_gin lets the
-- same GIN index lead with tenant_id: the scan intersects the caller's
-- tenant entry with the trigram entries, so only the caller's rows come out.
-- btree_gin ships with PostgreSQL (contrib) and is a trusted extension; a
-- server without it keeps the indexes of 0003 and 0008 unchanged.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS btree_gin;
    CREATE INDEX clients_name_trigrams_by_tenant ON clients
        USING gin (tenant_id, name_key gin_trgm_ops);
    DROP INDEX IF EXISTS clients_name_trigrams;
    CREATE INDEX users_email_trigrams_by_tenant ON users
        USING gin (tenant_id, email_key gin_trgm_ops);
    CREATE INDEX users_name_trigrams_by_tenant ON users
        USING gin (tenant_id, name_key gin_trgm_ops);
    CREATE INDEX users_subject_trigrams_by_tenant ON users
        USING gin (tenant_id, subject_key gin_trgm_ops);
    DROP INDEX IF EXISTS users_email_trigrams;
    DROP INDEX IF EXISTS users_name_trigrams;
    DROP INDEX IF EXISTS users_subject_trigrams;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'btree_gin or pg_trgm unavailable (%): substring indexes stay shared by tenants', SQLERRM;
END
$$;
