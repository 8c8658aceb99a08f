-- Order-status and charge emails: several recipients per event, daily digests, and the
-- notifier's own view of who should hear about what.

-- One event may now email several people: the outbox key gains the recipient (a user id; ''
-- for the welcome and login-link rows, which have one recipient by construction). Inserting a
-- row stays idempotent per (event, kind, recipient).
ALTER TABLE mail_outbox ADD COLUMN recipient_key text NOT NULL DEFAULT '';
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_pkey;
ALTER TABLE mail_outbox ADD PRIMARY KEY (event_id, kind, recipient_key);

-- Rows of recipients who chose a daily digest wait with status 'held' until next_attempt_at
-- (07:00 in their zone); digest_key names the digest they belong to
-- ('<tenant>|<customer>|<user>|<yyyy-mm-dd>'). The digester turns all due held rows of one key
-- into one 'digest' row (whose event_id is derived from the key, so a digest is queued once)
-- and marks them 'digested', in one transaction.
ALTER TABLE mail_outbox ADD COLUMN digest_key text;
CREATE INDEX mail_outbox_held ON mail_outbox (status, next_attempt_at, digest_key);

-- The contacts as the notifier has seen them so far in the log, per notifier checkpoint name:
-- who has access, with which roles and email preferences. Updated in the transaction that moves
-- that checkpoint, so the recipients of an event are those at the event's place in the log (a
-- replay from position 0 empties it first and decides exactly as the first time).
CREATE TABLE notifier_contacts (
    handler         text    NOT NULL,
    contact_id      text    NOT NULL,
    tenant          text    NOT NULL,
    customer_id     text    NOT NULL,
    -- The identity of the contact's current email (a user id is derived from the email).
    user_id         text    NOT NULL,
    name            text    NOT NULL,
    email           text    NOT NULL,
    -- Comma-separated contact roles (orders, invoices, operations, management, other).
    roles           text    NOT NULL,
    -- 1 while the contact has portal access, else 0.
    access          bigint  NOT NULL,
    order_status    text    NOT NULL,
    charge_approval text    NOT NULL,
    PRIMARY KEY (handler, contact_id)
);
CREATE INDEX notifier_contacts_customer ON notifier_contacts (handler, customer_id);
CREATE INDEX notifier_contacts_user ON notifier_contacts (handler, user_id);

-- Fill notifier_contacts from the whole log once: the notifier starts again from position 0.
-- Nothing is sent twice (the outbox key), and news older than the notifier's age limit is not
-- emailed at all.
UPDATE notifier_checkpoints SET position = 0;
