-- The claim of an outbox row names its worker: marking the row sent, retried or failed
-- checks the token, so a worker whose lease ran out (and whose row another instance
-- took) changes nothing.
ALTER TABLE email_outbox ADD COLUMN claim_token TEXT;
