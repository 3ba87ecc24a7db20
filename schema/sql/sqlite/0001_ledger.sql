-- The ledger. One row per event; `body` holds the exact RFC 8785 canonical bytes that were
-- hashed, never a re-serialisation. The other columns are copies of members of the body, kept
-- for indexing and filtering; `verify` checks that they agree with the body.
CREATE TABLE events (
    seq          INTEGER PRIMARY KEY,      -- 1-based, gapless, global order (rowid alias)
    id           BLOB    NOT NULL,         -- UUID (16 bytes); clients may choose it for retries
    stream       TEXT    NOT NULL,
    version      INTEGER NOT NULL,         -- per stream, from 1
    type         TEXT    NOT NULL,
    actor        TEXT    NOT NULL,
    basis        TEXT    NOT NULL,
    effective_us INTEGER NOT NULL,         -- effective_at as microseconds since the Unix epoch
    recorded_us  INTEGER NOT NULL,         -- recorded_at as microseconds since the Unix epoch
    hash         BLOB    NOT NULL,         -- SHA-256(body)
    body         BLOB    NOT NULL,
    CONSTRAINT events_id_unique UNIQUE (id),
    CONSTRAINT events_stream_version_unique UNIQUE (stream, version)
);

-- The head of the chain: every append reads and advances it inside the write transaction.
CREATE TABLE ledger_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash BLOB    NOT NULL
);
INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, zeroblob(32));

-- Perfect subtrees of the RFC 9162 Merkle tree above the leaves: node (level, idx) covers
-- leaves [idx * 2^level, (idx + 1) * 2^level). Leaves (level 0) are SHA-256(0x00 || body) and
-- are recomputed from `events`, so they are not stored twice.
CREATE TABLE merkle_nodes (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB    NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- Append-only, enforced by the database itself and not only by the code above it.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'govledger: events are append-only (UPDATE refused)'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'govledger: events are append-only (DELETE refused)'); END;
CREATE TRIGGER events_gapless BEFORE INSERT ON events
WHEN NEW.seq IS NOT (SELECT coalesce(max(seq), 0) FROM events) + 1
BEGIN SELECT RAISE(ABORT, 'govledger: seq must follow the last event (gapless)'); END;
CREATE TRIGGER merkle_nodes_no_update BEFORE UPDATE ON merkle_nodes
BEGIN SELECT RAISE(ABORT, 'govledger: merkle nodes are append-only (UPDATE refused)'); END;
CREATE TRIGGER merkle_nodes_no_delete BEFORE DELETE ON merkle_nodes
BEGIN SELECT RAISE(ABORT, 'govledger: merkle nodes are append-only (DELETE refused)'); END;
CREATE TRIGGER ledger_head_forward BEFORE UPDATE ON ledger_head
WHEN NEW.seq < OLD.seq
BEGIN SELECT RAISE(ABORT, 'govledger: the ledger head only moves forward'); END;
CREATE TRIGGER ledger_head_no_delete BEFORE DELETE ON ledger_head
BEGIN SELECT RAISE(ABORT, 'govledger: the ledger head cannot be deleted'); END;
