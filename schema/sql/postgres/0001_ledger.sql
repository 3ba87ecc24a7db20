-- The ledger. One row per event; `body` holds the exact RFC 8785 canonical bytes that were
-- hashed (bytea, never jsonb: jsonb reorders keys). The other columns are copies of members of
-- the body, kept for indexing and filtering; `verify` checks that they agree with the body.
CREATE TABLE events (
    seq          BIGINT PRIMARY KEY,       -- 1-based, gapless, global order (no sequence)
    id           UUID   NOT NULL,          -- clients may choose it for idempotent retries
    stream       TEXT   NOT NULL,
    version      BIGINT NOT NULL,          -- per stream, from 1
    type         TEXT   NOT NULL,
    actor        TEXT   NOT NULL,
    basis        TEXT   NOT NULL,
    effective_us BIGINT NOT NULL,          -- effective_at as microseconds since the Unix epoch
    recorded_us  BIGINT NOT NULL,          -- recorded_at as microseconds since the Unix epoch
    hash         BYTEA  NOT NULL,          -- SHA-256(body)
    body         BYTEA  NOT NULL,
    CONSTRAINT events_id_unique UNIQUE (id),
    CONSTRAINT events_stream_version_unique UNIQUE (stream, version)
);

-- The head of the chain. Every append locks this one row FOR UPDATE in a READ COMMITTED
-- transaction, so appends from any number of processes are serialized, seq stays gapless and
-- commit order equals seq order.
CREATE TABLE ledger_head (
    id   SMALLINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash BYTEA  NOT NULL
);
INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

-- Perfect subtrees of the RFC 9162 Merkle tree above the leaves: node (level, idx) covers
-- leaves [idx * 2^level, (idx + 1) * 2^level). Leaves are recomputed from `events`.
CREATE TABLE merkle_nodes (
    level SMALLINT NOT NULL,
    idx   BIGINT   NOT NULL,
    hash  BYTEA    NOT NULL,
    PRIMARY KEY (level, idx)
);

-- Append-only, enforced by the database itself and not only by the code above it.
CREATE FUNCTION govledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'govledger: % is append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION govledger_refuse_change();
CREATE TRIGGER merkle_nodes_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON merkle_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION govledger_refuse_change();

CREATE FUNCTION govledger_events_gapless() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq IS DISTINCT FROM (SELECT coalesce(max(seq), 0) FROM events) + 1 THEN
        RAISE EXCEPTION 'govledger: seq % does not follow the last event (gapless)', NEW.seq
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER events_gapless BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION govledger_events_gapless();

CREATE FUNCTION govledger_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.seq < OLD.seq THEN
        RAISE EXCEPTION 'govledger: the ledger head only moves forward'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER ledger_head_forward BEFORE UPDATE OR DELETE ON ledger_head
    FOR EACH ROW EXECUTE FUNCTION govledger_head_forward();
