-- Bearer tokens for the HTTP API. Only SHA-256 of the whole token string is kept; the secret
-- is shown once when issued. Revoking sets `revoked_at_us` (an UPDATE of this side table, not
-- of the ledger: issuing and revoking are also recorded as events on the stream `tokens`).
CREATE TABLE tokens (
    id            TEXT   PRIMARY KEY,      -- the public part of the token, `glt_<id>_…`
    person        TEXT   NOT NULL,         -- the person the token acts for
    role          TEXT   NOT NULL CHECK (role IN ('auditor', 'admin')),
    secret_sha256 BYTEA  NOT NULL CHECK (length(secret_sha256) = 32),
    created_at_us BIGINT NOT NULL,         -- microseconds since the Unix epoch
    revoked_at_us BIGINT                   -- NULL while the token is valid
);

-- A revoked token stays revoked; nothing but revoked_at_us ever changes.
CREATE FUNCTION govledger_token_revoke_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.revoked_at_us IS NOT NULL
        OR NEW.id IS DISTINCT FROM OLD.id OR NEW.person IS DISTINCT FROM OLD.person
        OR NEW.role IS DISTINCT FROM OLD.role OR NEW.secret_sha256 IS DISTINCT FROM OLD.secret_sha256
        OR NEW.created_at_us IS DISTINCT FROM OLD.created_at_us THEN
        RAISE EXCEPTION 'govledger: a token can only be revoked, once'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tokens_revocation_is_final BEFORE UPDATE ON tokens
    FOR EACH ROW EXECUTE FUNCTION govledger_token_revoke_only();

-- No extra indexes on `events` for the filters of `GET /v1/events`: measured, five of them
-- halved append throughput. Filters scan in seq order inside a bounded window per page
-- (see src/http/events.rs), so no request can scan the whole table.
