-- Human clicks per referring host and hour, for a source's top referrers over the last
-- 24 hours (the daily table cannot answer a window that starts mid-day). Written by the
-- drain in the same transaction as the other rollups; pruned with the raw events, since
-- only the short hourly view reads it.
CREATE TABLE click_referrers_hourly (
    traffic_source_id BIGINT  NOT NULL,
    hour              BIGINT  NOT NULL, -- Unix ms at the start of the UTC hour
    host              TEXT    NOT NULL,
    matches           BIGINT  NOT NULL, -- 1 when the host is on the declared site
    clicks            BIGINT  NOT NULL,
    PRIMARY KEY (traffic_source_id, hour, host)
);
CREATE INDEX click_referrers_hourly_hour ON click_referrers_hourly (hour);
