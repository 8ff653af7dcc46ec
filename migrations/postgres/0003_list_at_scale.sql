-- List queries at scale (issue 3): an O(1) unfiltered count and an index for
-- substring filters on names. migrations/sqlite/0003 holds the same change.

-- Number of clients of the tenant: `totalResults` without a filter reads it
-- instead of counting a million index entries. A trigger keeps it, so every
-- path that writes clients keeps it exact in the same transaction. Concurrent
-- creates in one tenant queue on its row until commit; creates are
-- rate-limited (Tier 2), so the queue stays short.
ALTER TABLE tenants ADD COLUMN client_count BIGINT NOT NULL DEFAULT 0;
UPDATE tenants t SET client_count = (SELECT count(*) FROM clients c WHERE c.tenant_id = t.tenant_id);

CREATE FUNCTION registrar_count_clients() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE tenants SET client_count = client_count + 1 WHERE tenant_id = NEW.tenant_id;
    ELSE
        UPDATE tenants SET client_count = client_count - 1 WHERE tenant_id = OLD.tenant_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER clients_count AFTER INSERT OR DELETE ON clients
    FOR EACH ROW EXECUTE FUNCTION registrar_count_clients();

-- `co` and `ew` on clientName cannot use a B-tree index; pg_trgm's GIN index
-- serves `name_key LIKE '%…%'` directly. pg_trgm ships with PostgreSQL
-- (contrib) and is a trusted extension, but a server may lack it or forbid
-- it: then substring filters scan, and everything else works unchanged.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX clients_name_trigrams ON clients USING gin (name_key gin_trgm_ops);
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm unavailable (%): substring filters on clientName will scan', SQLERRM;
END
$$;
