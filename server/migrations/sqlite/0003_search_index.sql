-- Substring search on name and URL without reading every row: an FTS5 trigram index over
-- the lower-cased columns, kept in step with the table by triggers.
CREATE VIRTUAL TABLE traffic_sources_search USING fts5(
    name_key, url_key, content = 'traffic_sources', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER traffic_sources_search_insert AFTER INSERT ON traffic_sources BEGIN
    INSERT INTO traffic_sources_search (rowid, name_key, url_key) VALUES (new.id, new.name_key, new.url_key);
END;
CREATE TRIGGER traffic_sources_search_delete AFTER DELETE ON traffic_sources BEGIN
    INSERT INTO traffic_sources_search (traffic_sources_search, rowid, name_key, url_key)
    VALUES ('delete', old.id, old.name_key, old.url_key);
END;
CREATE TRIGGER traffic_sources_search_update AFTER UPDATE OF name_key, url_key ON traffic_sources BEGIN
    INSERT INTO traffic_sources_search (traffic_sources_search, rowid, name_key, url_key)
    VALUES ('delete', old.id, old.name_key, old.url_key);
    INSERT INTO traffic_sources_search (rowid, name_key, url_key) VALUES (new.id, new.name_key, new.url_key);
END;
INSERT INTO traffic_sources_search (traffic_sources_search) VALUES ('rebuild');
