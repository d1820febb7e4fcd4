-- Times are Unix milliseconds (INTEGER) so that one set of queries serves SQLite and PostgreSQL.

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('partner', 'advertiser', 'staff')),
    display_name  TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);

-- Opaque session tokens are stored hashed: a leaked database does not leak live sessions.
CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Failed sign-ins per email, shared by every server instance.
CREATE TABLE sign_in_failures (
    email        TEXT    PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start INTEGER NOT NULL
);

CREATE TABLE traffic_sources (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    partner_id          INTEGER NOT NULL REFERENCES accounts (id),
    name                TEXT    NOT NULL,
    name_key            TEXT    NOT NULL, -- lower-cased name: uniqueness, search and sort
    url                 TEXT    NOT NULL, -- normalised
    url_key             TEXT    NOT NULL, -- lower-cased url: case-insensitive search
    channels            INTEGER NOT NULL, -- bit set, see model::Channel::bit
    status              TEXT    NOT NULL CHECK (status IN ('active', 'paused', 'blocked')),
    visibility          TEXT    NOT NULL CHECK (visibility IN ('public', 'private')),
    status_before_block TEXT    CHECK (status_before_block IN ('active', 'paused')),
    block_reason        TEXT,
    block_note          TEXT,
    version             INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    UNIQUE (partner_id, name_key),
    UNIQUE (partner_id, url)
);
-- Keyset pagination: one index per sort order, per partner and across partners (staff).
CREATE INDEX ts_partner_updated ON traffic_sources (partner_id, updated_at, id);
CREATE INDEX ts_partner_created ON traffic_sources (partner_id, created_at, id);
CREATE INDEX ts_partner_status  ON traffic_sources (partner_id, status, id);
CREATE INDEX ts_updated ON traffic_sources (updated_at, id);
CREATE INDEX ts_created ON traffic_sources (created_at, id);
CREATE INDEX ts_name    ON traffic_sources (name_key, id);
CREATE INDEX ts_url     ON traffic_sources (url, id);
CREATE INDEX ts_status  ON traffic_sources (status, id);
-- The marketplace lists only active + public sources.
CREATE INDEX ts_market_name    ON traffic_sources (status, visibility, name_key, id);
CREATE INDEX ts_market_updated ON traffic_sources (status, visibility, updated_at, id);

CREATE TABLE programs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    advertiser_id INTEGER NOT NULL REFERENCES accounts (id),
    name          TEXT    NOT NULL,
    landing_url   TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX programs_advertiser ON programs (advertiser_id, id);

CREATE TABLE collaborations (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    program_id        INTEGER NOT NULL REFERENCES programs (id),
    traffic_source_id INTEGER NOT NULL REFERENCES traffic_sources (id),
    tracking_code     TEXT    NOT NULL UNIQUE,
    clicks            INTEGER NOT NULL DEFAULT 0, -- clicks that redirected
    refused_clicks    INTEGER NOT NULL DEFAULT 0, -- clicks answered 410
    created_at        INTEGER NOT NULL,
    UNIQUE (program_id, traffic_source_id)
);
CREATE INDEX collaborations_source ON collaborations (traffic_source_id);

CREATE TABLE notifications (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id        INTEGER NOT NULL REFERENCES accounts (id),
    kind              TEXT    NOT NULL,
    message           TEXT    NOT NULL,
    traffic_source_id INTEGER REFERENCES traffic_sources (id),
    created_at        INTEGER NOT NULL,
    read_at           INTEGER
);
CREATE INDEX notifications_account ON notifications (account_id, id);

CREATE TABLE audit_events (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    traffic_source_id INTEGER NOT NULL REFERENCES traffic_sources (id),
    actor_id          INTEGER NOT NULL REFERENCES accounts (id),
    at                INTEGER NOT NULL,
    action            TEXT    NOT NULL,
    changes           TEXT    NOT NULL, -- JSON array of {field, old, new}
    reason            TEXT,
    note              TEXT
);
CREATE INDEX audit_source ON audit_events (traffic_source_id, id);
