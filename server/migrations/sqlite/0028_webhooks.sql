-- Signed webhooks (server/src/webhooks/): endpoints partners and advertisers register, the
-- events waiting for each (an outbox written in the transaction of the change), and the
-- last attempts of each endpoint as its owner reads them.
CREATE TABLE webhook_endpoints (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id            BIGINT  NOT NULL REFERENCES accounts (id),
    url                   TEXT    NOT NULL,
    description           TEXT,
    -- The subscribed event types between commas: ',source.blocked,source.paused,'.
    events                TEXT    NOT NULL,
    -- `whsec_…`; the previous one is signed with too until `previous_secret_until`.
    secret                TEXT    NOT NULL,
    previous_secret       TEXT,
    previous_secret_until BIGINT  NOT NULL DEFAULT 0,
    created_at            BIGINT  NOT NULL,
    -- Turned off after failing for the whole failure period; its owner turns it on again.
    disabled_at           BIGINT,
    -- Since when every attempt has failed (NULL while it answers).
    failing_since         BIGINT,
    -- Its next attempt waits until then (the doubling wait after a failure).
    retry_at              BIGINT  NOT NULL DEFAULT 0,
    -- One worker's lease on the endpoint: its deliveries go one at a time, in order.
    claimed_until         BIGINT  NOT NULL DEFAULT 0,
    claim_token           TEXT
);
CREATE UNIQUE INDEX webhook_endpoints_account_url ON webhook_endpoints (account_id, url);

-- Events to deliver, oldest first per endpoint; a row goes once delivered.
CREATE TABLE webhook_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id BIGINT  NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    -- The `webhook-id` header: one per event, the same on every attempt.
    message_id  TEXT    NOT NULL,
    event_type  TEXT    NOT NULL,
    -- The body, fixed when written: {"type", "timestamp", "data"}.
    payload     TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    attempts    BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX webhook_messages_endpoint ON webhook_messages (endpoint_id, id);

-- The last attempts per endpoint (the newest 100 are kept).
CREATE TABLE webhook_attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id  BIGINT  NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    message_id   TEXT    NOT NULL,
    event_type   TEXT    NOT NULL,
    attempt      BIGINT  NOT NULL,
    attempted_at BIGINT  NOT NULL,
    ok           BIGINT  NOT NULL,
    status       BIGINT,
    latency_ms   BIGINT  NOT NULL,
    response     TEXT,
    error        TEXT
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id);
