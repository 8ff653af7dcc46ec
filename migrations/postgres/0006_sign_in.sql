-- Sign-in (issue 13, contract §8): paused authorization requests, sessions,
-- authorization codes, grants with their refresh tokens, consents and failed
-- sign-ins. Everything a sign-in needs is here, so any instance continues a
-- sign-in another began. Bearer values (interaction ids, session cookies,
-- codes, refresh tokens) are stored only as SHA-256 hashes; each handle
-- starts with its tenant id, so every row sits under its tenant.
-- migrations/sqlite holds the same change.

-- An authorization request paused while the sign-in and consent pages run.
-- `binding_hash` ties it to the browser that made the request (a cookie);
-- `csrf` is the token the pages' forms carry (useless without that cookie).
-- `request` is the validated request as JSON. After the password step,
-- `user_id`, `auth_time` and `session_hash` say who signed in.
CREATE TABLE signin_interactions (
    tenant_id    TEXT COLLATE "C" NOT NULL,
    ix_hash      BYTEA   NOT NULL,
    binding_hash BYTEA   NOT NULL,
    csrf         TEXT COLLATE "C" NOT NULL,
    client_id    TEXT COLLATE "C" NOT NULL,
    request      TEXT COLLATE "C" NOT NULL,
    user_id      TEXT,
    auth_time    BIGINT ,
    session_hash BYTEA,
    expires_at   BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, ix_hash)
);
CREATE INDEX signin_interactions_by_expiry ON signin_interactions (tenant_id, expires_at);

-- A signed-in browser (single sign-on to every client of the tenant).
-- `auth_time` is when the password was given (the absolute lifetime counts
-- from it), `last_seen` its last use (the idle lifetime counts from it).
CREATE TABLE signin_sessions (
    tenant_id    TEXT COLLATE "C" NOT NULL,
    session_hash BYTEA   NOT NULL,
    user_id      TEXT COLLATE "C" NOT NULL,
    auth_time    BIGINT  NOT NULL,
    last_seen    BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, session_hash)
);
CREATE INDEX signin_sessions_by_user ON signin_sessions (tenant_id, user_id);
CREATE INDEX signin_sessions_by_last_seen ON signin_sessions (tenant_id, last_seen);

-- An authorization code: single use (`used_at`), valid until `expires_at`,
-- bound to its client, redirect URI, PKCE challenge, nonce, scopes, user and
-- sign-in. `grant_id` names the grant its exchange creates, so a second use
-- revokes what the first one issued. `token_generation` is the client's
-- token generation when the code was issued: a revocation of the client's
-- tokens (issue 12) refuses what the code would give.
CREATE TABLE authorization_codes (
    tenant_id      TEXT COLLATE "C" NOT NULL,
    code_hash      BYTEA   NOT NULL,
    grant_id       TEXT COLLATE "C" NOT NULL,
    client_id      TEXT COLLATE "C" NOT NULL,
    user_id        TEXT COLLATE "C" NOT NULL,
    redirect_uri   TEXT COLLATE "C" NOT NULL,
    code_challenge TEXT,
    nonce          TEXT,
    scopes         TEXT COLLATE "C" NOT NULL,
    auth_time      BIGINT  NOT NULL,
    token_generation BIGINT NOT NULL,
    expires_at     BIGINT  NOT NULL,
    used_at        BIGINT ,
    PRIMARY KEY (tenant_id, code_hash)
);
CREATE INDEX authorization_codes_by_expiry ON authorization_codes (tenant_id, expires_at);

-- What one exchanged code produced: its access tokens carry `gid`, its
-- refresh tokens are the family. Revoking the grant (code reuse, refresh
-- reuse, a revoked consent) refuses both at once. `token_generation` is
-- its code's: once the client's tokens are revoked, the family is refused.
CREATE TABLE signin_grants (
    tenant_id  TEXT COLLATE "C" NOT NULL,
    grant_id   TEXT COLLATE "C" NOT NULL,
    client_id  TEXT COLLATE "C" NOT NULL,
    user_id    TEXT COLLATE "C" NOT NULL,
    scopes     TEXT COLLATE "C" NOT NULL,
    auth_time  BIGINT  NOT NULL,
    token_generation BIGINT NOT NULL,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    revoked_at BIGINT ,
    PRIMARY KEY (tenant_id, grant_id)
);
CREATE INDEX signin_grants_by_user ON signin_grants (tenant_id, user_id);

-- Refresh tokens, rotated on every use: a used one (`used_at` set) that is
-- presented again revokes its grant.
CREATE TABLE refresh_tokens (
    tenant_id  TEXT COLLATE "C" NOT NULL,
    token_hash BYTEA   NOT NULL,
    grant_id   TEXT COLLATE "C" NOT NULL,
    created_at BIGINT  NOT NULL,
    used_at    BIGINT ,
    PRIMARY KEY (tenant_id, token_hash)
);
CREATE INDEX refresh_tokens_by_grant ON refresh_tokens (tenant_id, grant_id);

-- Scopes a user allowed a client (the union of every consent), until revoked.
CREATE TABLE signin_consents (
    tenant_id  TEXT COLLATE "C" NOT NULL,
    user_id    TEXT COLLATE "C" NOT NULL,
    client_id  TEXT COLLATE "C" NOT NULL,
    scopes     TEXT COLLATE "C" NOT NULL,
    granted_at BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, user_id, client_id)
);

-- Consecutive failed sign-ins per account (the lowercased email typed, so
-- unknown emails are counted alike), shared by every instance.
CREATE TABLE signin_failures (
    tenant_id       TEXT COLLATE "C" NOT NULL,
    account_key     TEXT COLLATE "C" NOT NULL,
    failures        BIGINT  NOT NULL,
    last_failure_at BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, account_key)
);
