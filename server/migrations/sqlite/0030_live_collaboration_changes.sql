-- A collaboration's change of state (accepted, approved, declined, withdrawn, ended, or
-- closed by a block) is a `collaboration` live event too, not only its creation (0006):
-- both sides' open Collaborations, Applications and program pages load it again at once.
-- Who receives it is as for a new one: the source's partner and the program's advertiser.
CREATE TRIGGER live_collaboration_changed AFTER UPDATE OF state ON collaborations
WHEN OLD.state IS NOT NEW.state
BEGIN
    INSERT INTO live_events (at, kind, traffic_source_id, partner_id, account_id)
    SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), 'collaboration',
           s.id, s.partner_id, p.advertiser_id
    FROM traffic_sources s, programs p
    WHERE s.id = NEW.traffic_source_id AND p.id = NEW.program_id;
END;
