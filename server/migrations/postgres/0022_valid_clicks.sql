-- Valid and invalid clicks, and the channel each valid click came through (issue 30).
-- The drain's judge (server/src/clicks/judge.rs) sets these; only the signal's name is
-- stored (`gclid`, `utm_medium`, `referrer_search`, `own_site`…), never a query value.
ALTER TABLE click_events ADD COLUMN valid BIGINT NOT NULL DEFAULT 1;
ALTER TABLE click_events ADD COLUMN invalid_reason TEXT
    CHECK (invalid_reason IN ('bot', 'refused', 'prefetch', 'velocity', 'duplicate'));
ALTER TABLE click_events ADD COLUMN observed_channel TEXT;
ALTER TABLE click_events ADD COLUMN channel_signal TEXT;
-- Clicks stored before the judge: bots and refused clicks were already told apart.
UPDATE click_events SET valid = 0, invalid_reason = 'bot' WHERE bot <> 0;
UPDATE click_events SET valid = 0, invalid_reason = 'refused' WHERE bot = 0 AND outcome <> 'redirected';

-- The rollups gain the valid count and the new reasons (`bots` and `refused` were there).
-- From now on matched / mismatched / no_referrer count valid clicks only.
ALTER TABLE click_hourly ADD COLUMN valid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE click_hourly ADD COLUMN prefetch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE click_hourly ADD COLUMN duplicate BIGINT NOT NULL DEFAULT 0;
ALTER TABLE click_hourly ADD COLUMN velocity BIGINT NOT NULL DEFAULT 0;
UPDATE click_hourly SET valid = redirected;
ALTER TABLE click_daily ADD COLUMN valid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE click_daily ADD COLUMN prefetch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE click_daily ADD COLUMN duplicate BIGINT NOT NULL DEFAULT 0;
ALTER TABLE click_daily ADD COLUMN velocity BIGINT NOT NULL DEFAULT 0;
UPDATE click_daily SET valid = redirected;

-- Valid clicks per link, period, observed channel and signal ('' when none said it).
CREATE TABLE click_channels_daily (
    collaboration_id  BIGINT NOT NULL,
    day               BIGINT NOT NULL,
    traffic_source_id BIGINT NOT NULL,
    channel           TEXT   NOT NULL,
    signal_name       TEXT   NOT NULL,
    clicks            BIGINT NOT NULL,
    PRIMARY KEY (collaboration_id, day, channel, signal_name)
);
CREATE INDEX click_channels_daily_source ON click_channels_daily (traffic_source_id, day);
CREATE TABLE click_channels_hourly (
    collaboration_id  BIGINT NOT NULL,
    hour              BIGINT NOT NULL,
    traffic_source_id BIGINT NOT NULL,
    channel           TEXT   NOT NULL,
    signal_name       TEXT   NOT NULL,
    clicks            BIGINT NOT NULL,
    PRIMARY KEY (collaboration_id, hour, channel, signal_name)
);
CREATE INDEX click_channels_hourly_source ON click_channels_hourly (traffic_source_id, hour);
CREATE INDEX click_channels_hourly_hour ON click_channels_hourly (hour);
