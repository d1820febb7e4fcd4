-- Retention deletes visitor keys by day; without this index each pruning batch scanned
-- the whole table while holding the write lock (on SQLite, long enough at millions of
-- keys to make a sign-in wait out its busy timeout).
CREATE INDEX click_visitors_day ON click_visitors (day);
