-- Fan-out: the relay's checkpoint, the projections' checkpoints and dead letters, and the commit
-- signal that wakes the relay without polling.
--
-- The read-model tables themselves (rm_*) are created by the projections crate from its table
-- definitions (one generic shape: tenant, key, JSON doc, a few typed columns), because rebuilds
-- create and swap copies of them; see projections/src/store.rs.

-- Position of the last event the relay published and JetStream acknowledged, per relay name
-- (one per JetStream stream, so tests with private streams do not share a checkpoint).
CREATE TABLE relay_checkpoints (
    name       text        PRIMARY KEY,
    position   bigint      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Last global position applied by each projection. Updated in the same transaction as the
-- projection's read-model rows: a redelivered event at or below it is skipped. `schema` is the
-- fingerprint of the projection's tables and logic version: a mismatch at start means rebuild.
CREATE TABLE projection_checkpoints (
    name       text        PRIMARY KEY,
    position   bigint      NOT NULL,
    schema     text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Events a projection failed on repeatedly. The projection moved past them; they stay here, with
-- the error, for operators (counted in /metrics, reported by /readyz).
CREATE TABLE projection_dead_letters (
    projection text        NOT NULL,
    position   bigint      NOT NULL,
    event_id   text        NOT NULL,
    event_type text        NOT NULL,
    stream_id  text        NOT NULL,
    error      text        NOT NULL,
    attempts   bigint      NOT NULL,
    failed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, position)
);

-- Wake listeners (relay, `portal events --follow`) when events commit. NOTIFY is delivered at
-- commit and de-duplicated within a transaction; one per statement is enough. The payload is
-- empty: listeners re-read the log, the notification is only a hint (the relay also polls slowly
-- in case a notification is lost, e.g. while its listening connection reconnects).
CREATE FUNCTION events_notify_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('portal_events', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER events_notify AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_notify_commit();
