-- Programs that partners join (issue 29). A program gains its description, approval mode,
-- listing, accepted channels (a bit set like traffic_sources.channels; 0 = every channel)
-- and the domains deep links may lead to (JSON array of lower-case hosts). Existing
-- programs become listed, manual, every channel.
ALTER TABLE programs ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE programs ADD COLUMN approval_mode TEXT NOT NULL DEFAULT 'manual' CHECK (approval_mode IN ('automatic', 'manual'));
ALTER TABLE programs ADD COLUMN listing TEXT NOT NULL DEFAULT 'listed' CHECK (listing IN ('listed', 'unlisted'));
ALTER TABLE programs ADD COLUMN accepted_channels BIGINT NOT NULL DEFAULT 0;
ALTER TABLE programs ADD COLUMN permitted_domains TEXT NOT NULL DEFAULT '[]';

-- A collaboration's state: only 'approved' redirects. Existing collaborations were made
-- by today's "add to program" and stay approved. One row per (program, source): trying
-- again after a decline or an end moves the same row (and its link) back.
ALTER TABLE collaborations ADD COLUMN state TEXT NOT NULL DEFAULT 'approved'
    CHECK (state IN ('invited', 'pending', 'approved', 'declined', 'withdrawn', 'ended'));
-- The partner's message with an application.
ALTER TABLE collaborations ADD COLUMN message TEXT;
-- Why it was declined or ended; the other side reads it.
ALTER TABLE collaborations ADD COLUMN reason TEXT;
-- The last change of state (Unix ms); the cooling-off runs from it.
ALTER TABLE collaborations ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
UPDATE collaborations SET updated_at = created_at;
CREATE INDEX collaborations_state ON collaborations (state, id);

-- Whether a click carried a deep link (`?to=`) and whether it was followed or refused
-- (its host not permitted); NULL without one.
ALTER TABLE click_events ADD COLUMN deep_link TEXT CHECK (deep_link IN ('followed', 'refused'));
