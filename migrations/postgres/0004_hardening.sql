-- Hardening (issue 12): tokens that die with their credentials, and the
-- revocation of every token of one client. migrations/sqlite/0004 holds the
-- same change.

-- Each secret gets an opaque id, which access tokens carry (claim `cred`) to
-- name the credential that obtained them: once the secret is deleted, its
-- tokens are refused. Never the hint (shown to admins) nor the hash.
-- Secrets from before this migration get random ids; tokens issued before it
-- carry none and are refused (they are at most `--token-ttl` old).
ALTER TABLE client_secrets ADD COLUMN secret_id TEXT COLLATE "C" NOT NULL DEFAULT '';
UPDATE client_secrets SET secret_id = replace(gen_random_uuid()::text, '-', '') WHERE secret_id = '';

-- Moves forward each time the client's tokens are revoked at once
-- (`POST …/actions/revoke-tokens`); tokens carry the value they were issued
-- under (claim `gen`) and are refused once it is older. A counter rather
-- than a time, so a token issued in the same second as a revocation, but
-- after it, is never caught by it.
ALTER TABLE clients ADD COLUMN token_generation BIGINT NOT NULL DEFAULT 0;
