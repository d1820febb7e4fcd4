-- The click ledger: one row per click on a tracking link (HEAD requests aside), written by
-- the drain from the click journal (server/src/clicks/). Idempotent by click_id, so a
-- journal replayed after a crash counts nothing twice. No raw IP and no full referring URL
-- is ever stored: only the referrer's host and a daily-salted visitor hash.
CREATE TABLE click_events (
    click_id          TEXT    NOT NULL,
    at                BIGINT  NOT NULL,
    collaboration_id  BIGINT  NOT NULL REFERENCES collaborations (id),
    traffic_source_id BIGINT  NOT NULL,
    program_id        BIGINT  NOT NULL,
    partner_id        BIGINT  NOT NULL,
    advertiser_id     BIGINT  NOT NULL,
    outcome           TEXT    NOT NULL CHECK (outcome IN ('redirected', 'refused_paused', 'refused_blocked')),
    referrer_host     TEXT,
    referrer_class    TEXT    NOT NULL CHECK (referrer_class IN ('match', 'mismatch', 'none')),
    bot               BIGINT  NOT NULL,
    visitor_hash      TEXT    NOT NULL,
    -- A unique key of a partitioned table must hold the partition key; click ids are random
    -- and a replayed click carries its original time, so this is unique by click_id.
    PRIMARY KEY (click_id, at)
) PARTITION BY RANGE (at);
-- One partition per UTC day (click_events_dYYYYMMDD), made by the drain before it writes
-- into a day; retention drops whole partitions.

-- Rollups, kept up to date by the drain in the transaction that inserts the events.
-- Counts are of human clicks, except `bots`. `visitors` counts a visitor of a link once a
-- day, in the hour of their first click.
CREATE TABLE click_hourly (
    collaboration_id  BIGINT  NOT NULL REFERENCES collaborations (id),
    hour              BIGINT  NOT NULL, -- Unix ms at the start of the UTC hour
    traffic_source_id BIGINT  NOT NULL,
    redirected        BIGINT  NOT NULL,
    refused           BIGINT  NOT NULL,
    bots              BIGINT  NOT NULL,
    matched           BIGINT  NOT NULL,
    mismatched        BIGINT  NOT NULL,
    no_referrer       BIGINT  NOT NULL,
    visitors          BIGINT  NOT NULL,
    PRIMARY KEY (collaboration_id, hour)
);
CREATE INDEX click_hourly_source ON click_hourly (traffic_source_id, hour);

-- The same per UTC day: what lists read for their 30-day figures.
CREATE TABLE click_daily (
    collaboration_id  BIGINT  NOT NULL REFERENCES collaborations (id),
    day               BIGINT  NOT NULL, -- Unix ms at the start of the UTC day
    traffic_source_id BIGINT  NOT NULL,
    redirected        BIGINT  NOT NULL,
    refused           BIGINT  NOT NULL,
    bots              BIGINT  NOT NULL,
    matched           BIGINT  NOT NULL,
    mismatched        BIGINT  NOT NULL,
    no_referrer       BIGINT  NOT NULL,
    visitors          BIGINT  NOT NULL,
    PRIMARY KEY (collaboration_id, day)
);
CREATE INDEX click_daily_source ON click_daily (traffic_source_id, day);

-- Human clicks per referring host and day, for a source's top referrers.
CREATE TABLE click_referrers_daily (
    traffic_source_id BIGINT  NOT NULL,
    day               BIGINT  NOT NULL,
    host              TEXT    NOT NULL,
    matches           BIGINT  NOT NULL, -- 1 when the host is on the declared site
    clicks            BIGINT  NOT NULL,
    PRIMARY KEY (traffic_source_id, day, host)
);

-- Visitors already counted for a link on a day; pruned with the events.
CREATE TABLE click_visitors (
    collaboration_id BIGINT NOT NULL,
    day              BIGINT NOT NULL,
    visitor_hash     TEXT   NOT NULL,
    PRIMARY KEY (collaboration_id, day, visitor_hash)
);

-- One random salt per UTC day, shared by every instance; deleted once the day is over, so
-- a visitor hash can no longer be linked to an address.
CREATE TABLE visitor_salts (
    day  BIGINT NOT NULL PRIMARY KEY,
    salt TEXT   NOT NULL
);
