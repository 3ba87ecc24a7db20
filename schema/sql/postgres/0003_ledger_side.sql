-- Bookkeeping beside the chain. Nothing here is hashed or needed to verify the log; all of it
-- can be rebuilt or dropped without touching `events`.

-- Commands already decided, by the id of the first event they produced (a client may choose it),
-- so that a retried command returns its original events instead of being decided again.
CREATE TABLE commands (
    event_id  UUID   PRIMARY KEY,
    digest    BYTEA  NOT NULL,            -- SHA-256 of the canonical request (actor, effective_at, command)
    first_seq BIGINT NOT NULL,
    last_seq  BIGINT NOT NULL
);

-- Snapshots of the folded projections, so start-up does not replay the whole log. A snapshot
-- is a cache: it is used only when it decodes and its state hash matches.
CREATE TABLE snapshots (
    seq        BIGINT PRIMARY KEY,        -- the last event folded into it
    state_hash BYTEA  NOT NULL,
    body       BYTEA  NOT NULL,           -- the state as JSON
    created_us BIGINT NOT NULL
);

-- Signed checkpoints the ledger issued (C2SP tlog-checkpoint notes). Kept for good.
CREATE TABLE checkpoints (
    size       BIGINT PRIMARY KEY,
    root       BYTEA  NOT NULL,
    note       TEXT   NOT NULL,
    created_us BIGINT NOT NULL
);
CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION govledger_refuse_change();
