-- Staff's review queue (server/src/db/review.rs).
-- `site` is the registrable domain a source's URL declares (Public Suffix List, computed by
-- the server): '' on a shared platform, where a domain says nothing about the partner, and
-- NULL until the server has computed it (rows older than this migration are filled in the
-- background at start-up). Duplicate claims are sources of several partners on one site.
ALTER TABLE traffic_sources ADD COLUMN site TEXT;
ALTER TABLE traffic_sources ADD COLUMN reviewed_at BIGINT;
CREATE INDEX ts_site ON traffic_sources (site, partner_id) WHERE site IS NOT NULL AND site <> '';
CREATE INDEX ts_site_missing ON traffic_sources (id) WHERE site IS NULL;

-- The reasons a source needs a look that hold now, each since the moment it appeared. A
-- reason that persists keeps its time, so marking a source reviewed hides it until a new
-- reason appears (or this one clears and comes back).
CREATE TABLE review_reasons (
    traffic_source_id BIGINT NOT NULL REFERENCES traffic_sources (id),
    reason            TEXT   NOT NULL,
    raised_at         BIGINT NOT NULL,
    detail            TEXT,
    PRIMARY KEY (traffic_source_id, reason)
);
CREATE INDEX review_reasons_reason ON review_reasons (reason, raised_at);

-- The queue itself, derived from the above for each source whenever its reasons, its review
-- or its status change: one row per pending reason and one more under reason '*', each with
-- the source's whole risk, so that the queue and every reason filter read one index in
-- risk order and stop after a page, at a million sources as at ten.
CREATE TABLE review_queue (
    reason            TEXT   NOT NULL,
    risk              BIGINT NOT NULL,
    raised_at         BIGINT NOT NULL,
    traffic_source_id BIGINT NOT NULL REFERENCES traffic_sources (id),
    PRIMARY KEY (reason, traffic_source_id)
);
CREATE INDEX review_queue_order ON review_queue (reason, risk, raised_at, traffic_source_id);
CREATE INDEX review_queue_source ON review_queue (traffic_source_id);
