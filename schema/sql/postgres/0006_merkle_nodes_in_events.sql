-- The Merkle nodes move into the row of the event that completes them (issue 16 item 3).
--
-- Appending leaf n - 1 (event seq n) completes exactly the perfect subtrees (level l,
-- idx (n >> l) - 1) for l = 1 ..= trailing_zeros(n), and no other. Each event row now keeps
-- their hashes, level 1 first, 32 bytes each (NULL for an odd seq, which completes none), so
-- an append inserts one row per event into one heap and its indexes, where it inserted one
-- more per node into a second table and its primary key. The nodes are now append-only,
-- gapless and head-bounded by the very triggers and keys of `events`: removing a node means
-- removing its event.
ALTER TABLE events ADD COLUMN nodes BYTEA;

-- The move is refused, and the migration with it, when the stored nodes say the log was
-- changed outside govledger: a node beyond the head (a tail removed with the head moved
-- back) has no row to move into and would vanish, and an event's nodes that are not levels
-- 1 to k without a gap would shift into each other's places. Run `govledger verify` with the
-- version before this one to see what happened.
DO $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM merkle_nodes m, ledger_head h
        WHERE h.id = 1 AND m.level >= 1 AND ((m.idx + 1) << m.level::integer) > h.seq
    ) THEN
        RAISE EXCEPTION 'govledger migration 0006: a stored Merkle node lies beyond the ledger head; the ledger was changed outside govledger: run `govledger verify` with the previous version';
    END IF;
    IF EXISTS (
        SELECT 1 FROM merkle_nodes WHERE level >= 1
        GROUP BY (idx + 1) << level::integer
        HAVING min(level) <> 1 OR max(level) <> count(*)
    ) THEN
        RAISE EXCEPTION 'govledger migration 0006: an event is missing one of its Merkle nodes below another; the ledger was changed outside govledger: run `govledger verify` with the previous version';
    END IF;
END $$;

-- The nodes already stored move into their rows (the append-only trigger is lifted inside
-- this migration's transaction and restored before it commits).
ALTER TABLE events DISABLE TRIGGER events_append_only;
UPDATE events SET nodes = moved.hashes
FROM (
    SELECT (idx + 1) << level::integer AS seq,
           string_agg(hash, ''::bytea ORDER BY level) AS hashes
    FROM merkle_nodes
    WHERE level >= 1
    GROUP BY 1
) AS moved
WHERE events.seq = moved.seq;
ALTER TABLE events ENABLE TRIGGER events_append_only;

DROP TABLE merkle_nodes;
