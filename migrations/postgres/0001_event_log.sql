-- The event log: the only source of truth of the portal. Rows are appended by portal_append()
-- below and never changed: a trigger refuses UPDATE, DELETE and TRUNCATE.
--
-- Global order without skipped events. Transactions commit in any order, so a position taken
-- from a sequence could let a reader move past position 11 while position 10 is still to commit,
-- and skip it forever. Here a position is derived from the appending transaction's id instead:
--     position = transaction id (xid8) * 65536 + ordinal of the event within the append (1..65535)
-- so positions increase with transaction ids, and one append holds one contiguous block. A reader
-- first takes a horizon, the oldest transaction of this database still running (or the next
-- transaction id if none); then, in a later snapshot, it reads only positions below
-- horizon * 65536. Every transaction below the horizon had ended before that snapshot, so what it
-- reads is final and is a prefix of the log in position order (portal_read_all() below).
-- Consequences: positions are sparse (consumers detect lost messages by the previous position,
-- not by +1); one append per transaction (the store appends in autocommit statements); at most
-- 65535 events per append. No lock and no sequence are shared between appenders.
-- Within a stream, order agrees: version n+1 is appended by a statement whose snapshot saw
-- version n committed, so it got its transaction id after version n's transaction did.
-- Hazard: a long-running writing transaction in this database holds the horizon back, which
-- delays (never loses) delivery. Keep transactions that write short.

CREATE TABLE events (
    -- see the header: transaction id * 65536 + ordinal
    position       bigint      PRIMARY KEY,
    stream_id      text        NOT NULL,
    -- 1 for the first event of a stream, no gaps within a stream
    version        bigint      NOT NULL CHECK (version > 0),
    event_id       uuid        NOT NULL UNIQUE,
    event_type     text        NOT NULL,
    schema_version integer     NOT NULL CHECK (schema_version > 0),
    -- tenant slug; every stream belongs to exactly one tenant
    tenant         text        NOT NULL,
    -- json, not jsonb: the log keeps exactly the text that was written (key order included), so
    -- what auditors and subscribers read is byte for byte what was appended; it is also cheaper
    -- to write. Read models that query fields keep their own columns.
    payload        json        NOT NULL,
    -- actor, correlation and causation ids; never secrets or personal data
    metadata       json        NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT events_stream_version_unique UNIQUE (stream_id, version)
);

-- No index on tenant yet: every index costs each append; the tenant-scoped readers that need one
-- add it with their own migration.

CREATE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is immutable: % on events is refused', TG_OP
        USING ERRCODE = 'PT001';
END
$$;

CREATE TRIGGER events_immutable_rows BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER events_immutable_table BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

-- Idempotency keys: the first result of an append made with a key, so that a retry with the same
-- key returns it and writes nothing. `fingerprint` identifies the request's content: the same key
-- with another fingerprint is a conflict.
CREATE TABLE idempotency_keys (
    tenant         text        NOT NULL,
    key            text        NOT NULL,
    fingerprint    text        NOT NULL,
    stream_id      text        NOT NULL,
    first_version  bigint      NOT NULL,
    last_version   bigint      NOT NULL,
    first_position bigint      NOT NULL,
    last_position  bigint      NOT NULL,
    recorded_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant, key)
);

-- The horizon for readers: no transaction of this database with a smaller id is still running.
-- Transactions of other databases on the same server are ignored (appenders always connect to
-- this one), so they cannot delay the portal. pg_stat_activity reports 32-bit xids; they are
-- widened against the current snapshot's xmax, which is at most 2^31 transactions ahead.
CREATE FUNCTION portal_read_horizon() RETURNS xid8 LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_next   numeric := pg_snapshot_xmax(pg_current_snapshot())::text::numeric;
    v_oldest numeric;
BEGIN
    -- Backend status is cached per transaction; a stale copy could miss a new transaction.
    PERFORM pg_stat_clear_snapshot();
    SELECT min(v_next - ((v_next - a.backend_xid::text::numeric) % 4294967296))
      INTO v_oldest
      FROM pg_stat_activity a
     WHERE a.datname = current_database() AND a.backend_xid IS NOT NULL;
    RETURN least(v_next, coalesce(v_oldest, v_next))::text::xid8;
END
$$;

-- Committed events after a position, in position order, never passing an event that could still
-- commit below one it returns. VOLATILE matters: the horizon is taken in one snapshot and the rows
-- are read in a later one, in which every transaction below the horizon has ended.
CREATE FUNCTION portal_read_all(p_after bigint, p_limit bigint) RETURNS SETOF events
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_horizon xid8 := portal_read_horizon();
BEGIN
    RETURN QUERY SELECT * FROM events e
                  WHERE e.position > p_after
                    AND e.position < v_horizon::text::bigint * 65536
                  ORDER BY e.position LIMIT p_limit;
END
$$;
