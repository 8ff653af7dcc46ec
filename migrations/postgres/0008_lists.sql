-- Lists of every resource on the shared list engine (issues 17 and 13's
-- users list). migrations/sqlite/0008 holds the same change.
--
-- The users' sort orders already have their indexes (0005: tenant, sort
-- column, user_id); this adds the per-tenant user counter, so that
-- `totalResults` of an unfiltered users list reads one row instead of
-- counting the tenant's index entries. A trigger keeps it exact in the same
-- transaction as every write of users, whichever path writes them.
ALTER TABLE tenants ADD COLUMN user_count BIGINT NOT NULL DEFAULT 0;
UPDATE tenants t SET user_count = (SELECT count(*) FROM users u WHERE u.tenant_id = t.tenant_id);

CREATE FUNCTION registrar_count_users() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE tenants SET user_count = user_count + 1 WHERE tenant_id = NEW.tenant_id;
    ELSE
        UPDATE tenants SET user_count = user_count - 1 WHERE tenant_id = OLD.tenant_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_count AFTER INSERT OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION registrar_count_users();

-- `co` and `ew` on a user's email, name or subject cannot use a B-tree
-- index; pg_trgm's GIN indexes serve `LIKE '%…%'` on their lowercased keys.
-- As in 0003, a server without pg_trgm keeps working: those filters scan.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX users_email_trigrams ON users USING gin (email_key gin_trgm_ops);
    CREATE INDEX users_name_trigrams ON users USING gin (name_key gin_trgm_ops);
    CREATE INDEX users_subject_trigrams ON users USING gin (subject_key gin_trgm_ops);
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm unavailable (%): substring filters on users will scan', SQLERRM;
END
$$;
