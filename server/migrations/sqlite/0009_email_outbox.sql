-- Notifications by email (block, unblock, verification lost), through a transactional
-- outbox: the row is written in the same transaction as the notification, and a worker
-- sends it. Each account may turn these emails off.
ALTER TABLE accounts ADD COLUMN email_notifications BIGINT NOT NULL DEFAULT 1;

CREATE TABLE email_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    notification_id BIGINT  NOT NULL REFERENCES notifications (id),
    account_id      BIGINT  NOT NULL REFERENCES accounts (id),
    to_address      TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    -- The left part of its Message-ID, fixed when the row is written, so that a resend after
    -- a crash carries the same Message-ID and the receiving side can drop the duplicate.
    message_key     TEXT    NOT NULL UNIQUE,
    created_at      BIGINT  NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    -- A worker's lease on the row: another instance leaves it alone until then.
    claimed_until   BIGINT  NOT NULL DEFAULT 0,
    last_error      TEXT,
    sent_at         BIGINT
);
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX email_outbox_failed ON email_outbox (id) WHERE state = 'failed';
