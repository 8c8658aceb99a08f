-- Order-status and charge emails: several recipients per event, daily digests, and the
-- notifier's own view of who should hear about what. (See the PostgreSQL migration of the same
-- name for the contracts; SQLite cannot change a primary key, so the outbox is rebuilt.)

CREATE TABLE mail_outbox_new (
    event_id        TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    -- A user id; '' for the welcome and login-link rows (one recipient by construction).
    recipient_key   TEXT    NOT NULL DEFAULT '',
    tenant          TEXT    NOT NULL,
    position        INTEGER NOT NULL,
    recipient       TEXT    NOT NULL,
    context         TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    message_id      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    -- For 'held' rows: the daily digest they belong to ('<tenant>|<customer>|<user>|<date>').
    digest_key      TEXT,
    PRIMARY KEY (event_id, kind, recipient_key)
);
INSERT INTO mail_outbox_new (event_id, kind, tenant, position, recipient, context, status,
    attempts, next_attempt_at, last_error, message_id, created_at, sent_at)
SELECT event_id, kind, tenant, position, recipient, context, status, attempts, next_attempt_at,
    last_error, message_id, created_at, sent_at FROM mail_outbox;
DROP TABLE mail_outbox;
ALTER TABLE mail_outbox_new RENAME TO mail_outbox;
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
CREATE INDEX mail_outbox_tenant ON mail_outbox (tenant, status);
CREATE INDEX mail_outbox_held ON mail_outbox (status, next_attempt_at, digest_key);

-- The contacts as the notifier has seen them so far in the log, per notifier checkpoint name.
CREATE TABLE notifier_contacts (
    handler         TEXT    NOT NULL,
    contact_id      TEXT    NOT NULL,
    tenant          TEXT    NOT NULL,
    customer_id     TEXT    NOT NULL,
    user_id         TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    email           TEXT    NOT NULL,
    roles           TEXT    NOT NULL,
    access          INTEGER NOT NULL,
    order_status    TEXT    NOT NULL,
    charge_approval TEXT    NOT NULL,
    PRIMARY KEY (handler, contact_id)
);
CREATE INDEX notifier_contacts_customer ON notifier_contacts (handler, customer_id);
CREATE INDEX notifier_contacts_user ON notifier_contacts (handler, user_id);

-- Fill notifier_contacts from the whole log once (nothing is sent twice: the outbox key).
UPDATE notifier_checkpoints SET position = 0;
