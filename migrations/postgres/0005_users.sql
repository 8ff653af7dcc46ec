-- Users (issue 13, contract §7). migrations/sqlite/0005 holds the same change.
--
-- A user belongs to one tenant; tenant_id leads every key. The email and the
-- subject are unique in the tenant, decided by the unique indexes below (an
-- insert or update that takes a used one fails there, never after a check).
CREATE TABLE users (
    tenant_id     TEXT COLLATE "C" NOT NULL REFERENCES tenants (tenant_id),
    user_id       TEXT COLLATE "C" NOT NULL,
    -- The user's subject: its id unless set (an upstream identity's subject).
    subject       TEXT COLLATE "C" NOT NULL,
    -- subject lowercased by the application, for case-insensitive filters.
    subject_key   TEXT COLLATE "C" NOT NULL,
    -- The email as written, and lowercased by the application: emails are
    -- unique and compared case-insensitively (sign-in, filters, sorting).
    email         TEXT COLLATE "C" NOT NULL,
    email_key     TEXT COLLATE "C" NOT NULL,
    name          TEXT COLLATE "C" NOT NULL,
    name_key      TEXT COLLATE "C" NOT NULL,
    -- 'active' or 'disabled'.
    status        TEXT COLLATE "C" NOT NULL,
    -- The roles as a JSON array of strings ([] or ["TenantAdmin"]).
    roles         TEXT COLLATE "C" NOT NULL,
    -- Argon2id PHC string; the password itself is never stored.
    password_hash TEXT COLLATE "C" NOT NULL,
    created_at    BIGINT           NOT NULL,
    updated_at    BIGINT           NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
);

CREATE UNIQUE INDEX users_email_key_unique ON users (tenant_id, email_key);
CREATE UNIQUE INDEX users_subject_unique   ON users (tenant_id, subject);

-- One index per sortable field, each ending in user_id (the tie-breaker), so
-- every keyset page is an index range scan in either direction.
CREATE INDEX users_by_created_at ON users (tenant_id, created_at, user_id);
CREATE INDEX users_by_updated_at ON users (tenant_id, updated_at, user_id);
CREATE INDEX users_by_name       ON users (tenant_id, name_key, user_id);
CREATE INDEX users_by_email      ON users (tenant_id, email_key, user_id);
CREATE INDEX users_by_status     ON users (tenant_id, status, user_id);
CREATE INDEX users_by_subject    ON users (tenant_id, subject_key, user_id);
