-- The gapless check once per INSERT statement instead of once per row. The per-row PL/pgSQL
-- trigger ran a function and a max(seq) look-up for every event: about 12 µs a row, measured
-- by inserting 200,000 rows with and without it (0.68 s against 3.16 s), a fifth of an
-- append's time on this backend. An AFTER ... FOR EACH STATEMENT trigger sees the statement's
-- rows as a transition table and checks the same invariant for all of them at once: they are
-- consecutive seqs, the first follows the last event before them, and none is below or above
-- them (so nothing was inserted out of turn). A statement that fails the check aborts, and its
-- rows with it.
DROP TRIGGER events_gapless ON events;
DROP FUNCTION govledger_events_gapless();

CREATE FUNCTION govledger_events_gapless() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lo BIGINT;
    hi BIGINT;
    n BIGINT;
    before BIGINT;
    last BIGINT;
BEGIN
    SELECT min(seq), max(seq), count(*) INTO lo, hi, n FROM inserted;
    IF n = 0 THEN
        RETURN NULL;
    END IF;
    SELECT coalesce(max(seq), 0) INTO before FROM events WHERE seq < lo;
    SELECT max(seq) INTO last FROM events;
    IF hi - lo + 1 <> n OR before <> lo - 1 OR last <> hi THEN
        RAISE EXCEPTION 'govledger: seq % does not follow the last event % (gapless)', lo, before
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER events_gapless AFTER INSERT ON events
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION govledger_events_gapless();
