-- Witness cosignatures (c2sp.org/tlog-cosignature) the log collected for the checkpoints it
-- issued. The checkpoint's note stays exactly as the log signed it; a checkpoint is served as
-- that note followed by the lines kept here for its size. Append-only like the checkpoints: a
-- cosignature, once received, is a witness's statement about what it saw.
-- (Numbered 0005 on both backends: PostgreSQL has a 0004 SQLite does not need.)
CREATE TABLE cosignatures (
    size        INTEGER NOT NULL REFERENCES checkpoints (size),
    witness     TEXT    NOT NULL,         -- the witness's key name
    key_id      INTEGER NOT NULL,         -- its cosignature key id (type byte 0x04)
    timestamp   INTEGER NOT NULL,         -- the cosignature's time, POSIX seconds
    line        TEXT    NOT NULL,         -- the signature line as the witness sent it, no newline
    received_us INTEGER NOT NULL,
    PRIMARY KEY (size, witness, key_id)
);
-- The last size each witness cosigned: the old size of the next request to it.
CREATE INDEX cosignatures_by_witness ON cosignatures (witness, key_id, size);
CREATE TRIGGER cosignatures_no_update BEFORE UPDATE ON cosignatures
BEGIN SELECT RAISE(ABORT, 'govledger: cosignatures are kept as received (UPDATE refused)'); END;
CREATE TRIGGER cosignatures_no_delete BEFORE DELETE ON cosignatures
BEGIN SELECT RAISE(ABORT, 'govledger: cosignatures are kept as received (DELETE refused)'); END;
