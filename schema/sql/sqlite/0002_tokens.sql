-- Bearer tokens for the HTTP API. Only SHA-256 of the whole token string is kept; the secret
-- is shown once when issued. Revoking sets `revoked_at_us` (an UPDATE of this side table, not
-- of the ledger: issuing and revoking are also recorded as events on the stream `tokens`).
CREATE TABLE tokens (
    id            TEXT    PRIMARY KEY,     -- the public part of the token, `glt_<id>_…`
    person        TEXT    NOT NULL,        -- the person the token acts for
    role          TEXT    NOT NULL CHECK (role IN ('auditor', 'admin')),
    secret_sha256 BLOB    NOT NULL CHECK (length(secret_sha256) = 32),
    created_at_us INTEGER NOT NULL,        -- microseconds since the Unix epoch
    revoked_at_us INTEGER                  -- NULL while the token is valid
) WITHOUT ROWID;

-- A revoked token stays revoked.
CREATE TRIGGER tokens_revocation_is_final BEFORE UPDATE ON tokens
WHEN OLD.revoked_at_us IS NOT NULL
    OR NEW.id IS NOT OLD.id OR NEW.person IS NOT OLD.person OR NEW.role IS NOT OLD.role
    OR NEW.secret_sha256 IS NOT OLD.secret_sha256 OR NEW.created_at_us IS NOT OLD.created_at_us
BEGIN SELECT RAISE(ABORT, 'govledger: a token can only be revoked, once'); END;

-- No extra indexes on `events` for the filters of `GET /v1/events`: measured, five of them
-- halved append throughput. Filters scan in seq order inside a bounded window per page
-- (see src/http/events.rs), so no request can scan the whole table.
