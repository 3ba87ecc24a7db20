-- Witness cosignatures (c2sp.org/tlog-cosignature) the log collected for the checkpoints it
-- issued. The checkpoint's note stays exactly as the log signed it; a checkpoint is served as
-- that note followed by the lines kept here for its size. Append-only like the checkpoints: a
-- cosignature, once received, is a witness's statement about what it saw.
CREATE TABLE cosignatures (
    size        BIGINT NOT NULL REFERENCES checkpoints (size),
    witness     TEXT   NOT NULL,          -- the witness's key name
    key_id      BIGINT NOT NULL,          -- its cosignature key id (type byte 0x04)
    timestamp   BIGINT NOT NULL,          -- the cosignature's time, POSIX seconds
    line        TEXT   NOT NULL,          -- the signature line as the witness sent it, no newline
    received_us BIGINT NOT NULL,
    PRIMARY KEY (size, witness, key_id)
);
-- The last size each witness cosigned: the old size of the next request to it.
CREATE INDEX cosignatures_by_witness ON cosignatures (witness, key_id, size);
CREATE TRIGGER cosignatures_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON cosignatures
    FOR EACH STATEMENT EXECUTE FUNCTION govledger_refuse_change();
