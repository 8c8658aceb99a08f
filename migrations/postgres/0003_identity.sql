-- Identity and notifier: login tokens, the mail outbox, credentials, sessions, rate limits and
-- API tokens. None of these is a source of truth for the business (the event log is); they hold
-- secrets (hashed) and delivery state that must never travel in events.
--
-- Instants in these tables are Unix milliseconds (bigint): the notifier and the API reach both
-- backends through sqlx's `Any` driver, which has no portable timestamp type.

-- Login and password-reset tokens, minted by the notifier (crate portal-notifier, module tokens)
-- when it sends the email, consumed by the API. Only the SHA-256 of a token is stored. A token is
-- usable while used_at and superseded_at are null and expires_at is in the future; consuming it
-- is one UPDATE … WHERE used_at IS NULL … RETURNING, so two concurrent POSTs cannot both win.
-- request_position (the LoginLinkRequested event's global position) orders supersession: a newer
-- request's token supersedes every older unused token of the same user.
CREATE TABLE login_tokens (
    token_hash       text   PRIMARY KEY,
    user_id          text   NOT NULL,
    email            text   NOT NULL,
    purpose          text   NOT NULL,
    request_id       text   NOT NULL,
    request_position bigint NOT NULL,
    created_at       bigint NOT NULL,
    expires_at       bigint NOT NULL,
    used_at          bigint,
    superseded_at    bigint
);
CREATE INDEX login_tokens_user ON login_tokens (user_id, request_position);

-- One row per email the notifier decided to send, keyed by (event id, email kind): inserting it
-- is idempotent, so a redelivered, replayed or rebuilt event never sends twice. status: pending
-- (due at next_attempt_at), sent, dead (failed max attempts; last_error says why) or skipped
-- (nothing to send any more, e.g. a login link requested so long ago that it would be expired;
-- last_error says why). context is the JSON the email is rendered from: ids, never a secret.
CREATE TABLE mail_outbox (
    event_id        text   NOT NULL,
    kind            text   NOT NULL,
    tenant          text   NOT NULL,
    position        bigint NOT NULL,
    recipient       text   NOT NULL,
    context         text   NOT NULL,
    status          text   NOT NULL,
    attempts        bigint NOT NULL DEFAULT 0,
    next_attempt_at bigint NOT NULL,
    last_error      text,
    message_id      text   NOT NULL,
    created_at      bigint NOT NULL,
    sent_at         bigint,
    PRIMARY KEY (event_id, kind)
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
CREATE INDEX mail_outbox_tenant ON mail_outbox (tenant, status);

-- The notifier's position in the log (same contract as projection_checkpoints: updated in the
-- transaction that inserted the outbox rows of the events up to it).
CREATE TABLE notifier_checkpoints (
    name     text   PRIMARY KEY,
    position bigint NOT NULL
);

-- Passwords (optional): argon2id PHC strings, one per identity. Events record only that a
-- password was set.
CREATE TABLE credentials (
    user_id       text   PRIMARY KEY,
    password_hash text   NOT NULL,
    updated_at    bigint NOT NULL
);

-- Server-side sessions (tower-sessions records). The key is the SHA-256 of the session id, so a
-- copy of this table cannot be replayed as cookies. user_id, tenant, customer_id and contact_id
-- are copied out of the record on save so that revoking access can end sessions by query.
CREATE TABLE sessions (
    id_hash     text   PRIMARY KEY,
    data        text   NOT NULL,
    expires_at  bigint NOT NULL,
    user_id     text,
    tenant      text,
    customer_id text,
    contact_id  text
);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_contact ON sessions (contact_id);
CREATE INDEX sessions_customer ON sessions (customer_id);

-- Fixed-window rate-limit counters, shared by every process on this database. bucket names the
-- limit and its subject (client IP, or the SHA-256 of an email: no address is stored here).
CREATE TABLE rate_limits (
    bucket       text   NOT NULL,
    window_start bigint NOT NULL,
    hits         bigint NOT NULL,
    PRIMARY KEY (bucket, window_start)
);

-- Bearer tokens of `portal token create`, hashed like login tokens; the scope is checked again on
-- every request (a token of a contact whose access was revoked stops working).
CREATE TABLE api_tokens (
    token_hash    text   PRIMARY KEY,
    credential_id text   NOT NULL UNIQUE,
    user_id       text   NOT NULL,
    tenant        text   NOT NULL,
    customer_id   text,
    created_at    bigint NOT NULL,
    revoked_at    bigint
);
