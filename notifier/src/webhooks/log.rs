//! The delivery log of an endpoint (deliveries with their attempts, newest first) and *Send
//! again* (a finished delivery queued once more, with the same id). Reads and one update of the
//! tables of [`super::deliveries`].

use super::deliveries::PENDING;
use portal_identity::db::{Db, from_millis, millis};
use sqlx::Row as _;
use time::OffsetDateTime;

/// One attempt in the delivery log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptView {
    pub attempt: i64,
    pub at: OffsetDateTime,
    pub http_status: Option<i64>,
    pub error: Option<String>,
    pub latency_ms: i64,
}

/// One delivery in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryView {
    pub id: String,
    pub event_id: String,
    pub event_type: String,
    pub position: i64,
    pub status: String,
    pub created_at: OffsetDateTime,
    /// When a pending delivery is (next) due.
    pub next_attempt_at: Option<OffsetDateTime>,
    pub attempts: Vec<AttemptView>,
}

/// An endpoint's deliveries, newest (highest position) first, below `before` when given.
pub async fn list(
    db: &Db,
    endpoint_id: &str,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<DeliveryView>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, event_id, event_type, position, status, created_at, next_attempt_at \
         FROM webhook_deliveries WHERE endpoint_id = $1 AND position < $2 \
         ORDER BY position DESC LIMIT $3",
    )
    .bind(endpoint_id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(i64::from(limit))
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let status: String = r.try_get(4)?;
        let pending = status == PENDING;
        out.push(DeliveryView {
            id: r.try_get(0)?,
            event_id: r.try_get(1)?,
            event_type: r.try_get(2)?,
            position: r.try_get(3)?,
            created_at: from_millis(r.try_get(5)?),
            next_attempt_at: pending.then(|| r.try_get(6).map(from_millis)).transpose()?,
            status,
            attempts: Vec::new(),
        });
    }
    let (Some(newest), Some(oldest)) = (out.first(), out.last()) else {
        return Ok(out);
    };
    let attempts = sqlx::query(
        "SELECT a.delivery_id, a.attempt, a.at, a.http_status, a.error, a.latency_ms \
         FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id \
         WHERE d.endpoint_id = $1 AND d.position >= $2 AND d.position <= $3 \
         ORDER BY a.attempt",
    )
    .bind(endpoint_id)
    .bind(oldest.position)
    .bind(newest.position)
    .fetch_all(db.pool())
    .await?;
    for a in &attempts {
        let delivery: String = a.try_get(0)?;
        if let Some(d) = out.iter_mut().find(|d| d.id == delivery) {
            d.attempts.push(AttemptView {
                attempt: a.try_get(1)?,
                at: from_millis(a.try_get(2)?),
                http_status: a.try_get(3)?,
                error: a.try_get(4)?,
                latency_ms: a.try_get(5)?,
            });
        }
    }
    Ok(out)
}

/// *Send again*: a finished delivery of the endpoint becomes pending, due now (one more
/// attempt; a failure then follows the schedule from its attempt count). A pending one stays as
/// it is. False when the endpoint has no such delivery.
pub async fn requeue(
    db: &Db,
    endpoint_id: &str,
    delivery_id: &str,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let exists =
        sqlx::query("SELECT status FROM webhook_deliveries WHERE id = $1 AND endpoint_id = $2")
            .bind(delivery_id)
            .bind(endpoint_id)
            .fetch_optional(db.pool())
            .await?;
    if exists.is_none() {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $1, \
         finished_at = NULL WHERE id = $2 AND endpoint_id = $3 AND status <> 'pending'",
    )
    .bind(millis(now))
    .bind(delivery_id)
    .bind(endpoint_id)
    .execute(db.pool())
    .await?;
    Ok(true)
}
