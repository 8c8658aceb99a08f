-- The event log: the only source of truth of the portal (embedded mode). Rows are appended and
-- never changed: triggers refuse UPDATE and DELETE.
--
-- Global order without skipped events: SQLite has one writer at a time and the store appends in
-- a BEGIN IMMEDIATE transaction, so positions are assigned in commit order and a reader never
-- sees position 11 before position 10 is committed.

CREATE TABLE events (
    -- AUTOINCREMENT: a position is never reused, even after the last row's transaction rolled back
    position       INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id      TEXT    NOT NULL,
    -- 1 for the first event of a stream, no gaps within a stream
    version        INTEGER NOT NULL CHECK (version > 0),
    -- UUID v7, hyphenated text
    event_id       TEXT    NOT NULL UNIQUE,
    event_type     TEXT    NOT NULL,
    schema_version INTEGER NOT NULL CHECK (schema_version > 0),
    -- tenant slug; every stream belongs to exactly one tenant
    tenant         TEXT    NOT NULL,
    -- JSON text
    payload        TEXT    NOT NULL,
    -- JSON text: actor, correlation and causation ids; never secrets or personal data
    metadata       TEXT    NOT NULL,
    -- RFC 3339, UTC
    recorded_at    TEXT    NOT NULL,
    CONSTRAINT events_stream_version_unique UNIQUE (stream_id, version)
);

-- No index on tenant yet: the tenant-scoped readers that need one add it with their own migration.

CREATE TRIGGER events_immutable_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is immutable: UPDATE on events is refused');
END;

CREATE TRIGGER events_immutable_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is immutable: DELETE on events is refused');
END;

-- Idempotency keys: the first result of an append made with a key (see the PostgreSQL migration).
CREATE TABLE idempotency_keys (
    tenant         TEXT    NOT NULL,
    key            TEXT    NOT NULL,
    fingerprint    TEXT    NOT NULL,
    stream_id      TEXT    NOT NULL,
    first_version  INTEGER NOT NULL,
    last_version   INTEGER NOT NULL,
    first_position INTEGER NOT NULL,
    last_position  INTEGER NOT NULL,
    recorded_at    TEXT    NOT NULL,
    PRIMARY KEY (tenant, key)
);
