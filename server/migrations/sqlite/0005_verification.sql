-- Ownership verification of a source's website (server/src/verify/).
-- verified_method is NULL unless a proof was found; verified_host is the host it was found
-- for, so an edit that moves the source to another host drops the mark.
ALTER TABLE traffic_sources ADD COLUMN verification_token TEXT;
ALTER TABLE traffic_sources ADD COLUMN verified_method TEXT CHECK (verified_method IN ('dns_txt', 'meta_tag', 'well_known_file'));
ALTER TABLE traffic_sources ADD COLUMN verified_host TEXT;
ALTER TABLE traffic_sources ADD COLUMN verified_at INTEGER;
ALTER TABLE traffic_sources ADD COLUMN verification_checked_at INTEGER;
ALTER TABLE traffic_sources ADD COLUMN verification_outcome TEXT;
-- 128 random bits for the sources that exist already; new ones get theirs on insert.
UPDATE traffic_sources SET verification_token = lower(hex(randomblob(16))) WHERE verification_token IS NULL;
-- The periodic re-check walks verified sources oldest check first.
CREATE INDEX ts_verified_checked ON traffic_sources (verification_checked_at, id) WHERE verified_method IS NOT NULL;

-- Every check, kept as evidence and as the rate limit's memory: counting rows here is what
-- lets several server instances agree on "one per source per 30 s, 20 per partner an hour".
CREATE TABLE verification_attempts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    traffic_source_id INTEGER NOT NULL REFERENCES traffic_sources (id),
    partner_id        INTEGER NOT NULL REFERENCES accounts (id),
    at                INTEGER NOT NULL,
    kind              TEXT    NOT NULL CHECK (kind IN ('manual', 'recheck')),
    method            TEXT,             -- the proof found, NULL when none
    outcome           TEXT              -- in words; NULL while the check runs
);
CREATE INDEX va_source ON verification_attempts (traffic_source_id, at);
CREATE INDEX va_partner ON verification_attempts (partner_id, at);
