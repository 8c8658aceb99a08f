-- Webhooks (owned by the notifier crate, `notifier/src/webhooks/`): endpoints registered by staff
-- (the tenant's events) or by a portal user (their customer's order and charge events), the
-- deliveries the event handler queues for them, and the attempts of each delivery.
-- Instants are Unix milliseconds; flags are 0/1 integers (one SQL text for both backends).

-- One endpoint. customer_id NULL: a staff endpoint of the whole tenant. event_types is a JSON
-- array of patterns (`order.*`, `customer.CustomerPortalEnabled`, `*`). secret is the Standard
-- Webhooks signing secret (`whsec_<base64>`), shown to its owner once at creation. owner_* name
-- the user who registered it (emailed when the endpoint is disabled). failing_since is when its
-- current run of failed attempts began (NULL after a success); disabled_at is set when it was
-- disabled after failing for too long (enabled = 0 then).
CREATE TABLE webhook_endpoints (
    id            TEXT   PRIMARY KEY,
    tenant        TEXT   NOT NULL,
    customer_id   TEXT,
    url           TEXT   NOT NULL,
    event_types   TEXT   NOT NULL,
    description   TEXT   NOT NULL,
    secret        TEXT   NOT NULL,
    enabled       INTEGER NOT NULL,
    failing_since INTEGER,
    disabled_at   INTEGER,
    owner_user_id TEXT   NOT NULL,
    owner_email   TEXT   NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_scope ON webhook_endpoints (tenant, customer_id);

-- One delivery per (event, endpoint): the handler inserts with ON CONFLICT DO NOTHING in the
-- transaction of its checkpoint, so an event handled twice queues nothing twice. id is derived
-- from the pair and sent as `webhook-id` on every attempt. body is the event's CloudEvent JSON.
-- status: pending, succeeded, failed. attempts counts claimed tries; next_attempt_at is when a
-- pending delivery is due (a claimed one is hidden until its lease runs out). Per endpoint only
-- the pending delivery of the lowest position is claimed (log order).
CREATE TABLE webhook_deliveries (
    id              TEXT   PRIMARY KEY,
    event_id        TEXT   NOT NULL,
    endpoint_id     TEXT   NOT NULL,
    tenant          TEXT   NOT NULL,
    event_type      TEXT   NOT NULL,
    position        INTEGER NOT NULL,
    body            TEXT   NOT NULL,
    status          TEXT   NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    finished_at     INTEGER,
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, status, position);

-- Each attempt of a delivery: when, the HTTP status or the error, how long it took.
CREATE TABLE webhook_attempts (
    delivery_id TEXT   NOT NULL,
    attempt     INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    http_status INTEGER,
    error       TEXT,
    latency_ms  INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);

-- What the handler tracks in log order to scope portal endpoints: the customer of each order
-- (from OrderDraftCreated) and whether a customer shows charges (CustomerChargesShown/Hidden).
CREATE TABLE webhook_orders (
    tenant      TEXT NOT NULL,
    order_id    TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    PRIMARY KEY (tenant, order_id)
);
CREATE TABLE webhook_charges_shown (
    tenant      TEXT   NOT NULL,
    customer_id TEXT   NOT NULL,
    shown       INTEGER NOT NULL,
    PRIMARY KEY (tenant, customer_id)
);

-- The handler's checkpoint: the position of the last event it handled.
CREATE TABLE webhook_checkpoints (
    name     TEXT   PRIMARY KEY,
    position INTEGER NOT NULL
);
