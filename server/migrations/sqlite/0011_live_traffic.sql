-- New clicks on a source, for the live event stream: the click drain writes a `traffic`
-- row in the same transaction as the clicks, at most one per source and advertiser every
-- few seconds (server/src/clicks/announce.rs), so a partner's or advertiser's open traffic
-- view loads its figures again as clicks arrive.
--
-- SQLite cannot change a CHECK constraint in place: the table is made again, and the three
-- triggers of 0006 that write to it with it (unchanged).
DROP TRIGGER live_source_changed;
DROP TRIGGER live_notification_created;
DROP TRIGGER live_collaboration_created;

CREATE TABLE live_events_new (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    at                BIGINT  NOT NULL, -- Unix ms
    kind              TEXT    NOT NULL CHECK (kind IN ('source', 'notification', 'collaboration', 'traffic')),
    traffic_source_id BIGINT,
    partner_id        BIGINT,           -- the source's owner
    account_id        BIGINT,           -- a notification's recipient; a collaboration's or traffic's advertiser
    status            TEXT,
    visibility        TEXT,
    was_listed        BIGINT  NOT NULL DEFAULT 0,
    is_listed         BIGINT  NOT NULL DEFAULT 0,
    verified          BIGINT  NOT NULL DEFAULT 0
);
INSERT INTO live_events_new SELECT * FROM live_events;
-- Ids keep counting from where they were: a browser resumes with Last-Event-ID.
DELETE FROM sqlite_sequence WHERE name = 'live_events_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'live_events_new', seq FROM sqlite_sequence WHERE name = 'live_events';
DROP TABLE live_events;
ALTER TABLE live_events_new RENAME TO live_events;
CREATE INDEX live_events_at ON live_events (at);
-- The drain's "announced lately?" check.
CREATE INDEX live_events_source_at ON live_events (traffic_source_id, at);

CREATE TRIGGER live_source_changed AFTER UPDATE OF status, visibility, verified_method ON traffic_sources
WHEN OLD.status IS NOT NEW.status OR OLD.visibility IS NOT NEW.visibility
  OR (OLD.verified_method IS NULL) <> (NEW.verified_method IS NULL)
BEGIN
    INSERT INTO live_events (at, kind, traffic_source_id, partner_id, status, visibility, was_listed, is_listed, verified)
    VALUES (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), 'source', NEW.id, NEW.partner_id,
            NEW.status, NEW.visibility,
            OLD.status = 'active' AND OLD.visibility = 'public',
            NEW.status = 'active' AND NEW.visibility = 'public',
            NEW.verified_method IS NOT NULL);
END;

CREATE TRIGGER live_notification_created AFTER INSERT ON notifications
BEGIN
    INSERT INTO live_events (at, kind, traffic_source_id, account_id)
    VALUES (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), 'notification',
            NEW.traffic_source_id, NEW.account_id);
END;

CREATE TRIGGER live_collaboration_created AFTER INSERT ON collaborations
BEGIN
    INSERT INTO live_events (at, kind, traffic_source_id, partner_id, account_id)
    SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), 'collaboration',
           s.id, s.partner_id, p.advertiser_id
    FROM traffic_sources s, programs p
    WHERE s.id = NEW.traffic_source_id AND p.id = NEW.program_id;
END;
