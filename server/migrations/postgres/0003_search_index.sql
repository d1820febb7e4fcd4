-- Substring search on name and URL without reading every row: trigram indexes that
-- PostgreSQL uses for LIKE '%…%' when the pattern is selective.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX ts_name_trgm ON traffic_sources USING gin (name_key gin_trgm_ops);
CREATE INDEX ts_url_trgm ON traffic_sources USING gin (url_key gin_trgm_ops);
