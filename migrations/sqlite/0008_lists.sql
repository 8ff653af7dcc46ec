-- Lists of every resource on the shared list engine (issues 17 and 13's
-- users list). migrations/postgres/0008 holds the same change.
--
-- The users' sort orders already have their indexes (0005: tenant, sort
-- column, user_id); this adds the per-tenant user counter, so that
-- `totalResults` of an unfiltered users list reads one row instead of
-- counting the tenant's index entries. A trigger keeps it exact in the same
-- transaction as every write of users, whichever path writes them.
ALTER TABLE tenants ADD COLUMN user_count INTEGER NOT NULL DEFAULT 0;
UPDATE tenants SET user_count = (SELECT count(*) FROM users u WHERE u.tenant_id = tenants.tenant_id);

CREATE TRIGGER users_after_insert AFTER INSERT ON users BEGIN
    UPDATE tenants SET user_count = user_count + 1 WHERE tenant_id = new.tenant_id;
END;

CREATE TRIGGER users_after_delete AFTER DELETE ON users BEGIN
    UPDATE tenants SET user_count = user_count - 1 WHERE tenant_id = old.tenant_id;
END;
