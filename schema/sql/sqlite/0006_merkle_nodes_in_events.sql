-- The Merkle nodes move into the row of the event that completes them (issue 16 item 3).
--
-- Appending leaf n - 1 (event seq n) completes exactly the perfect subtrees (level l,
-- idx (n >> l) - 1) for l = 1 ..= trailing_zeros(n), and no other. Each event row now keeps
-- their hashes, level 1 first, 32 bytes each (NULL for an odd seq, which completes none), so
-- an append writes one row per event where it wrote one more per node into a second B-tree
-- keyed (level, idx): the nodes of one append landed on one page per level, and a commit
-- wrote about twice the pages of the same bodies alone (BENCHMARKS.md, session 7). The nodes
-- are now append-only, gapless and head-bounded by the very triggers and keys of `events`:
-- removing a node means removing its event.
ALTER TABLE events ADD COLUMN nodes BLOB;

-- The move is refused, and the migration with it, when the stored nodes say the log was
-- changed outside govledger: a node beyond the head (a tail removed with the head moved
-- back) has no row to move into and would vanish, and an event's nodes that are not levels
-- 1 to k without a gap would shift into each other's places. Run `govledger verify` with the
-- version before this one to see what happened.
CREATE TEMP TABLE govledger_0006_refusals (reason TEXT NOT NULL);
CREATE TEMP TRIGGER govledger_0006_refuse BEFORE INSERT ON govledger_0006_refusals
BEGIN SELECT RAISE(ABORT, 'govledger migration 0006: the stored Merkle nodes do not fit the events (a node beyond the ledger head, or an event missing one of its nodes below another); the ledger was changed outside govledger: run `govledger verify` with the previous version'); END;
INSERT INTO govledger_0006_refusals (reason)
SELECT 'beyond the head' FROM merkle_nodes m, ledger_head h
WHERE h.id = 1 AND m.level >= 1 AND ((m.idx + 1) << m.level) > h.seq
UNION ALL
SELECT 'a gap' FROM merkle_nodes WHERE level >= 1
GROUP BY (idx + 1) << level HAVING min(level) <> 1 OR max(level) <> count(*);
DROP TABLE govledger_0006_refusals;

-- The nodes already stored move into their rows (the append-only trigger is lifted for this
-- one statement and restored as it was).
DROP TRIGGER events_no_update;
UPDATE events SET nodes = moved.hashes
FROM (
    SELECT (idx + 1) << level AS seq,
           unhex(group_concat(hex(hash), '' ORDER BY level)) AS hashes
    FROM merkle_nodes
    WHERE level >= 1
    GROUP BY 1
) AS moved
WHERE events.seq = moved.seq;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'govledger: events are append-only (UPDATE refused)'); END;

DROP TRIGGER merkle_nodes_no_update;
DROP TRIGGER merkle_nodes_no_delete;
DROP TABLE merkle_nodes;
