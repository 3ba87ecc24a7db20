-- Bookkeeping beside the chain. Nothing here is hashed or needed to verify the log; all of it
-- can be rebuilt or dropped without touching `events`.

-- Commands already decided, by the id of the first event they produced (a client may choose it),
-- so that a retried command returns its original events instead of being decided again.
CREATE TABLE commands (
    event_id  BLOB    PRIMARY KEY,        -- UUID (16 bytes)
    digest    BLOB    NOT NULL,           -- SHA-256 of the canonical request (actor, effective_at, command)
    first_seq INTEGER NOT NULL,
    last_seq  INTEGER NOT NULL
);

-- Snapshots of the folded projections, so start-up does not replay the whole log. A snapshot
-- is a cache: it is used only when it decodes and its state hash matches.
CREATE TABLE snapshots (
    seq        INTEGER PRIMARY KEY,       -- the last event folded into it
    state_hash BLOB    NOT NULL,
    body       BLOB    NOT NULL,          -- the state as JSON
    created_us INTEGER NOT NULL
);

-- Signed checkpoints the ledger issued (C2SP tlog-checkpoint notes). Kept for good: an auditor
-- may ask for the one at any size it was shown.
CREATE TABLE checkpoints (
    size       INTEGER PRIMARY KEY,
    root       BLOB    NOT NULL,
    note       TEXT    NOT NULL,
    created_us INTEGER NOT NULL
);
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'govledger: issued checkpoints are kept as issued (UPDATE refused)'); END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'govledger: issued checkpoints are kept as issued (DELETE refused)'); END;
