-- What changed, for the live event stream (GET /api/events). Triggers write a row in the
-- same transaction as the change itself, so no change is streamed that did not commit and
-- none that committed is missed. Rows are kept a few minutes, for reconnects that resume
-- with Last-Event-ID.
CREATE TABLE live_events (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    at                BIGINT  NOT NULL, -- Unix ms
    kind              TEXT    NOT NULL CHECK (kind IN ('source', 'notification', 'collaboration')),
    traffic_source_id BIGINT,
    partner_id        BIGINT,           -- the source's owner
    account_id        BIGINT,           -- a notification's recipient; a collaboration's advertiser
    status            TEXT,
    visibility        TEXT,
    was_listed        BIGINT  NOT NULL DEFAULT 0, -- in the marketplace before the change
    is_listed         BIGINT  NOT NULL DEFAULT 0, -- and after it
    verified          BIGINT  NOT NULL DEFAULT 0  -- ownership proven (0005_verification)
);
CREATE INDEX live_events_at ON live_events (at);

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
