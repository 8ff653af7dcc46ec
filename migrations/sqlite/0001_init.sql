-- Registrar schema (SQLite). migrations/postgres holds the same schema for PostgreSQL;
-- land every change in both folders.
--
-- Timestamps are INTEGER microseconds since the Unix epoch (UTC): they compare and sort
-- exactly, and keyset cursors can carry them without any format round-trip.
-- Tenant-owned tables have tenant_id as the first column of their primary key, so the
-- schema can be distributed by tenant without rewriting queries.

CREATE TABLE tenants (
    tenant_id  TEXT    NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

-- Global directory of every client id ever issued. The token endpoint is not
-- tenant-scoped (a client authenticates with its id alone), so it finds the
-- client's tenant here. Rows are kept after deletion (deleted_at set) so that
-- an id is never issued twice.
CREATE TABLE client_directory (
    client_id  TEXT    NOT NULL PRIMARY KEY,
    tenant_id  TEXT    NOT NULL,
    deleted_at INTEGER
);

CREATE TABLE clients (
    tenant_id    TEXT    NOT NULL REFERENCES tenants (tenant_id),
    client_id    TEXT    NOT NULL,
    app_type     TEXT    NOT NULL,
    client_name  TEXT    NOT NULL,
    -- client_name lowercased by the application: filters compare names
    -- case-insensitively and sorting must agree with them, on both backends.
    name_key     TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    -- Number of rows in client_secrets for this client. The secret limit is
    -- enforced by a conditional UPDATE of this counter, which serialises
    -- concurrent secret creation on the client row in every backend.
    secret_count INTEGER NOT NULL DEFAULT 0,
    -- The admin-writable configuration as JSON (domain::client::ClientConfig).
    config       TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, client_id)
);

-- One index per sortable field, each ending in client_id (the tie-breaker), so
-- every keyset page is an index range scan in either direction.
CREATE INDEX clients_by_created_at ON clients (tenant_id, created_at, client_id);
CREATE INDEX clients_by_updated_at ON clients (tenant_id, updated_at, client_id);
CREATE INDEX clients_by_name       ON clients (tenant_id, name_key, client_id);
CREATE INDEX clients_by_app_type   ON clients (tenant_id, app_type, client_id);

CREATE TABLE client_secrets (
    tenant_id   TEXT    NOT NULL,
    client_id   TEXT    NOT NULL,
    hint        TEXT    NOT NULL,
    -- SHA-256 of the secret; the secret itself is never stored.
    secret_hash BLOB    NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, client_id, hint),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, client_id) ON DELETE CASCADE
);

-- Access-token signing keys (server-wide, not tenant-owned). The newest signs;
-- all are published in the JWKS.
CREATE TABLE signing_keys (
    kid         TEXT    NOT NULL PRIMARY KEY,
    algorithm   TEXT    NOT NULL,
    private_key BLOB    NOT NULL,
    public_jwk  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- Server-wide secrets such as the cursor MAC key, shared by every instance.
CREATE TABLE server_secrets (
    name       TEXT    NOT NULL PRIMARY KEY,
    value      BLOB    NOT NULL,
    created_at INTEGER NOT NULL
);
