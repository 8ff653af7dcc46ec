-- Token service (issue 5): signing-key rotation, client-assertion replay
-- protection, access-token revocation. migrations/postgres holds the same change.

-- A rotated key is published at once but signs only from activates_at on, so
-- that every instance (and every cached JWKS) knows it before tokens carry it.
-- Keys from before this migration were active from their creation.
ALTER TABLE signing_keys ADD COLUMN activates_at INTEGER NOT NULL DEFAULT 0;
UPDATE signing_keys SET activates_at = created_at;
-- The longest access-token lifetime (seconds) any instance used while this key
-- could sign; it tells how long the public key must stay in the JWKS after the
-- key stops signing. Each instance raises it before it signs with the key.
-- Keys from before this migration signed with an unknown lifetime: assume the
-- largest that `--token-ttl` accepts.
ALTER TABLE signing_keys ADD COLUMN max_token_ttl INTEGER NOT NULL DEFAULT 31536000;

-- The jti of every private_key_jwt client assertion accepted, kept until the
-- assertion expires (plus the clock leeway), so a replay is refused by every
-- instance sharing the database. The primary key is the replay check: the
-- insert either takes the jti or conflicts.
CREATE TABLE client_assertion_jtis (
    tenant_id  TEXT    NOT NULL,
    client_id  TEXT    NOT NULL,
    jti        TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, client_id, jti)
);
-- Expired rows are pruned per tenant by the statement that records a new jti.
CREATE INDEX client_assertion_jtis_by_expiry ON client_assertion_jtis (tenant_id, expires_at);

-- Access tokens revoked before their expiry (RFC 7009). Checked by the same
-- query that checks the token's client still exists; pruned after expiry.
CREATE TABLE revoked_tokens (
    tenant_id  TEXT    NOT NULL,
    client_id  TEXT    NOT NULL,
    jti        TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, client_id, jti)
);
CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (tenant_id, expires_at);
