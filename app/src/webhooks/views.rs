//! What the webhook use cases answer (JSON bodies of the API, models of the pages). Instants are
//! RFC 3339 in UTC. No view but [`CreatedEndpoint`] carries the secret.

use portal_notifier::webhooks::deliveries as store_deliveries;
use portal_notifier::webhooks::store::Endpoint;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// An endpoint (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct EndpointView {
    pub id: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub description: String,
    /// `false` after it kept failing for 3 days (or was switched off): nothing is sent.
    pub enabled: bool,
    /// `staff` (the tenant's events) or `customer` (one customer's order and charge events).
    pub scope: String,
    /// Since when its deliveries have been failing (absent after a success).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub failing_since: Option<OffsetDateTime>,
    /// When it was disabled for failing.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub disabled_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl From<Endpoint> for EndpointView {
    fn from(e: Endpoint) -> Self {
        Self {
            scope: if e.customer_id.is_some() {
                "customer"
            } else {
                "staff"
            }
            .to_owned(),
            id: e.id,
            url: e.url,
            event_types: e.event_types,
            description: e.description,
            enabled: e.enabled,
            failing_since: e.failing_since,
            disabled_at: e.disabled_at,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// The answer of a registration: the endpoint and its signing secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CreatedEndpoint {
    #[serde(flatten)]
    pub endpoint: EndpointView,
    /// `whsec_<base64>`: verify the `webhook-signature` header with it. Store it now: it is
    /// never shown again.
    pub secret: String,
}

/// One attempt of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AttemptView {
    /// From 1.
    pub attempt: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    /// The answer's status, absent when there was none (timeout, refused connection, …).
    pub http_status: Option<i64>,
    /// Why it failed without an answer.
    pub error: Option<String>,
    pub latency_ms: i64,
}

/// One delivery of an event to the endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeliveryView {
    /// Also its `webhook-id` header, the same on every attempt.
    pub id: String,
    pub event_id: String,
    /// `<category>.<EventType>`.
    pub event_type: String,
    /// The event's global position.
    pub position: i64,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// When a pending delivery is (next) due.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_attempt_at: Option<OffsetDateTime>,
    pub attempts: Vec<AttemptView>,
}

impl From<store_deliveries::DeliveryView> for DeliveryView {
    fn from(d: store_deliveries::DeliveryView) -> Self {
        Self {
            id: d.id,
            event_id: d.event_id,
            event_type: d.event_type,
            position: d.position,
            status: d.status,
            created_at: d.created_at,
            next_attempt_at: d.next_attempt_at,
            attempts: d
                .attempts
                .into_iter()
                .map(|a| AttemptView {
                    attempt: a.attempt,
                    at: a.at,
                    http_status: a.http_status,
                    error: a.error,
                    latency_ms: a.latency_ms,
                })
                .collect(),
        }
    }
}

/// A page of the delivery log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub deliveries: Vec<DeliveryView>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<i64>,
}
