-- Staff filter the list of every source by status while sorting it: with these, one
-- status walks its own slice of the index in order instead of sorting every match.
CREATE INDEX ts_status_updated ON traffic_sources (status, updated_at, id);
CREATE INDEX ts_status_created ON traffic_sources (status, created_at, id);
CREATE INDEX ts_status_name    ON traffic_sources (status, name_key, id);
