-- Failed sign-ins counted per (account, address), per address and per account, instead of
-- per email alone (which let anyone lock an account's owner out). Keys are SHA-256 digests
-- (fixed length, whatever was typed), and rows are purged once their window has passed.
DROP TABLE sign_in_failures;
CREATE TABLE sign_in_throttle (
    key          TEXT    PRIMARY KEY,
    failures     BIGINT  NOT NULL,
    window_start BIGINT  NOT NULL
);
CREATE INDEX sign_in_throttle_window ON sign_in_throttle (window_start);
-- The schedule that purges expired sessions finds them by this.
CREATE INDEX sessions_expiry ON sessions (expires_at);
