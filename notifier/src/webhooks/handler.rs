//! [`WebhookHandler`]: the event handler of webhooks. For each event it finds the enabled
//! endpoints of the event's tenant whose patterns name it and inserts a delivery row per
//! endpoint (key (event id, endpoint id), `ON CONFLICT DO NOTHING`), in the transaction that
//! moves its checkpoint (table `webhook_checkpoints`), then wakes the dispatcher. It sends
//! nothing itself: handling an event again (redelivery, restart, several processes, a gap
//! caught up from the log) never queues a delivery twice.
//!
//! Scope of a customer's endpoint: only `order` events of that customer's orders (the order's
//! customer is recorded from `OrderDraftCreated` in `webhook_orders`), and charge events only
//! while the customer shows charges (`CustomerChargesShown`/`Hidden`, recorded in
//! `webhook_charges_shown`). Both are tracked here, in log order and in the same transaction,
//! so the decision for an event is the one its position implies, whatever the read models say.

use super::deliveries::{self, NewDelivery};
use super::patterns;
use super::store::{self, Active};
use crate::checkpoint::{Checkpoint, Start};
use crate::error::NotifierError;
use portal_eventlog::RecordedEvent;
use portal_eventlog::subscription::{Handled, Handler, HandlerError, Positioned};
use portal_eventlog::wire::CloudEvent;
use portal_identity::db::Db;
use sqlx::Row as _;
use std::collections::HashMap;
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::sync::Notify;
use tracing::instrument;
use uuid::Uuid;

/// Checkpoint name of the handler in `webhook_checkpoints`.
pub const CHECKPOINT_NAME: &str = "webhooks";

/// The delivery id (`webhook-id`) of an (event, endpoint): the same on every attempt.
pub fn delivery_id(event_id: &str, endpoint_id: &str) -> String {
    let name = format!("{endpoint_id}/{event_id}");
    Uuid::new_v5(&Uuid::NAMESPACE_URL, name.as_bytes()).to_string()
}

/// The webhooks' event handler. Cheap to clone.
#[derive(Clone)]
pub struct WebhookHandler {
    db: Db,
    name: String,
    checkpoint: Checkpoint,
    wake: Arc<Notify>,
}

impl WebhookHandler {
    pub fn new(db: Db, wake: Arc<Notify>) -> Self {
        Self {
            db,
            name: CHECKPOINT_NAME.to_owned(),
            checkpoint: Checkpoint::new("webhook_checkpoints", CHECKPOINT_NAME),
            wake,
        }
    }

    /// The checkpoint: the position of the last event handled (0 before the first).
    pub async fn position(&self) -> Result<i64, sqlx::Error> {
        self.checkpoint.position(&self.db).await
    }

    #[instrument(skip_all, fields(handler = %self.name, events = events.len()))]
    async fn handle_batch(&self, events: &[Positioned]) -> Result<Handled, NotifierError> {
        let mut tx = self.db.begin().await?;
        let (first, checkpoint) = match self
            .checkpoint
            .begin(&mut tx, self.db.backend(), events)
            .await?
        {
            Start::From { index, checkpoint } => (index, checkpoint),
            Start::Done => {
                tx.rollback().await?;
                return Ok(Handled::Applied);
            }
            Start::Gap { checkpoint } => {
                tx.rollback().await?;
                return Ok(Handled::Gap { checkpoint });
            }
        };
        let endpoints = store::active(&mut tx).await?;
        let now = OffsetDateTime::now_utc();
        let mut queued = 0u64;
        let mut last = checkpoint;
        for p in &events[first..] {
            last = p.event.position;
            track(&mut tx, &p.event).await?;
            let mut scope = ScopeFacts::default();
            for endpoint in endpoints
                .iter()
                .filter(|e| e.tenant == p.event.tenant.as_str())
            {
                if !wanted(&mut tx, endpoint, &p.event, &mut scope).await? {
                    continue;
                }
                let body = serde_json::to_string(&CloudEvent::from_recorded(&p.event, p.previous))
                    .map_err(NotifierError::Context)?;
                let event_id = p.event.event_id.to_string();
                let delivery = NewDelivery {
                    id: delivery_id(&event_id, &endpoint.id),
                    event_id,
                    endpoint_id: endpoint.id.clone(),
                    tenant: endpoint.tenant.clone(),
                    event_type: format!("{}.{}", p.event.stream_id.category(), p.event.event_type),
                    position: p.event.position,
                    body,
                };
                if deliveries::insert(&mut tx, &delivery, now).await? {
                    queued += 1;
                }
            }
        }
        self.checkpoint.advance(&mut tx, last).await?;
        tx.commit().await?;
        if queued > 0 {
            self.wake.notify_one();
        }
        Ok(Handled::Applied)
    }
}

/// Records the facts that scope customers' endpoints: an order's customer, whether a customer
/// shows charges.
async fn track(conn: &mut sqlx::AnyConnection, event: &RecordedEvent) -> Result<(), sqlx::Error> {
    let tenant = event.tenant.as_str();
    match (event.stream_id.category(), event.event_type.as_str()) {
        ("order", "OrderDraftCreated") => {
            let (Some(order), Some(customer)) = (
                event.payload.get("order_id").and_then(|v| v.as_str()),
                event.payload.get("customer_id").and_then(|v| v.as_str()),
            ) else {
                return Ok(());
            };
            sqlx::query(
                "INSERT INTO webhook_orders (tenant, order_id, customer_id) VALUES ($1, $2, $3) \
                 ON CONFLICT (tenant, order_id) DO NOTHING",
            )
            .bind(tenant)
            .bind(order)
            .bind(customer)
            .execute(&mut *conn)
            .await?;
        }
        ("customer", kind @ ("CustomerChargesShown" | "CustomerChargesHidden")) => {
            let Some(customer) = event.payload.get("customer_id").and_then(|v| v.as_str()) else {
                return Ok(());
            };
            sqlx::query(
                "INSERT INTO webhook_charges_shown (tenant, customer_id, shown) VALUES ($1, $2, $3) \
                 ON CONFLICT (tenant, customer_id) DO UPDATE SET shown = excluded.shown",
            )
            .bind(tenant)
            .bind(customer)
            .bind(i64::from(kind == "CustomerChargesShown"))
            .execute(&mut *conn)
            .await?;
        }
        _ => {}
    }
    Ok(())
}

/// What one event's scope checks read (at most once per event).
#[derive(Default)]
struct ScopeFacts {
    customer: Option<Option<String>>,
    shows_charges: HashMap<String, bool>,
}

/// Whether `endpoint` receives `event`.
async fn wanted(
    conn: &mut sqlx::AnyConnection,
    endpoint: &Active,
    event: &RecordedEvent,
    facts: &mut ScopeFacts,
) -> Result<bool, sqlx::Error> {
    let category = event.stream_id.category();
    if !patterns::any_matches(&endpoint.event_types, category, &event.event_type) {
        return Ok(false);
    }
    let Some(customer) = &endpoint.customer_id else {
        return Ok(true);
    };
    if !patterns::PORTAL_CATEGORIES.contains(&category) {
        return Ok(false);
    }
    if facts.customer.is_none() {
        let order_id = event
            .stream_id
            .as_str()
            .split_once('-')
            .map_or("", |(_, id)| id);
        let row = sqlx::query(
            "SELECT customer_id FROM webhook_orders WHERE tenant = $1 AND order_id = $2",
        )
        .bind(event.tenant.as_str())
        .bind(order_id)
        .fetch_optional(&mut *conn)
        .await?;
        facts.customer = Some(row.map(|r| r.try_get(0)).transpose()?);
    }
    if facts.customer.as_ref().and_then(Option::as_ref) != Some(customer) {
        return Ok(false);
    }
    if !event.event_type.starts_with("Charge") {
        return Ok(true);
    }
    if let Some(shown) = facts.shows_charges.get(customer) {
        return Ok(*shown);
    }
    let row = sqlx::query(
        "SELECT shown FROM webhook_charges_shown WHERE tenant = $1 AND customer_id = $2",
    )
    .bind(event.tenant.as_str())
    .bind(customer)
    .fetch_optional(&mut *conn)
    .await?;
    let shown = match row {
        Some(r) => r.try_get::<i64, _>(0)? != 0,
        None => false,
    };
    facts.shows_charges.insert(customer.clone(), shown);
    Ok(shown)
}

impl Handler for WebhookHandler {
    fn name(&self) -> &str {
        &self.name
    }

    async fn checkpoint(&self) -> Result<i64, HandlerError> {
        Ok(self.position().await?)
    }

    async fn handle(&self, events: &[Positioned]) -> Result<Handled, HandlerError> {
        Ok(self.handle_batch(events).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_ids_are_stable_per_pair() {
        let a = delivery_id("e1", "w1");
        assert_eq!(a, delivery_id("e1", "w1"));
        assert_ne!(a, delivery_id("e1", "w2"));
        assert_ne!(a, delivery_id("e2", "w1"));
    }
}
