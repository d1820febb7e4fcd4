-- A collaboration's change of state (accepted, approved, declined, withdrawn, ended, or
-- closed by a block) is a `collaboration` live event too, not only its creation (0006):
-- both sides' open Collaborations, Applications and program pages load it again at once.
-- Who receives it is as for a new one: the source's partner and the program's advertiser.
CREATE TRIGGER live_collaboration_changed AFTER UPDATE OF state ON collaborations
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION live_collaboration_created();
