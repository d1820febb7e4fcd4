-- New clicks on a source, for the live event stream: the click drain writes a `traffic`
-- row in the same transaction as the clicks, at most one per source and advertiser every
-- few seconds (server/src/clicks/announce.rs), so a partner's or advertiser's open traffic
-- view loads its figures again as clicks arrive.
ALTER TABLE live_events DROP CONSTRAINT live_events_kind_check;
ALTER TABLE live_events ADD CONSTRAINT live_events_kind_check
    CHECK (kind IN ('source', 'notification', 'collaboration', 'traffic'));
-- The drain's "announced lately?" check.
CREATE INDEX live_events_source_at ON live_events (traffic_source_id, at);

-- The drain's rows wake every instance at commit, as the triggers' rows do (0006).
CREATE FUNCTION live_events_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('live_events', '');
    RETURN NULL;
END $$;
CREATE TRIGGER live_events_inserted AFTER INSERT ON live_events
    FOR EACH STATEMENT EXECUTE FUNCTION live_events_inserted();
