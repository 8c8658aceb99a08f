//! Deliveries (table `webhook_deliveries`) and their attempts (`webhook_attempts`).
//!
//! - The event handler [`insert`]s one row per (event, endpoint) with `ON CONFLICT DO NOTHING`
//!   in the transaction of its checkpoint.
//! - The dispatcher [`claim`]s due rows in a short transaction (`FOR UPDATE SKIP LOCKED` on
//!   PostgreSQL, so several processes share the work; `BEGIN IMMEDIATE` on SQLite): only the
//!   *head* of each enabled endpoint, its pending delivery of the lowest position, so an
//!   endpoint's deliveries go out in log order, each after the previous one succeeded or finally
//!   failed. A claim counts the attempt and hides the row for a lease.
//! - [`finish`] records the attempt and the outcome, in the caller's transaction, and only while
//!   the row is still this claim's (its lease may have run out and another process claimed it).
//!   It keeps the endpoint's failure record and disables it after failing for too long.
//! - The delivery log and *Send again* are in [`super::log`].

use portal_identity::db::{Backend, Db, from_millis, millis};

pub use super::log::{AttemptView, DeliveryView, list, requeue};
use sqlx::Row as _;
use std::time::Duration;
use time::OffsetDateTime;

pub const PENDING: &str = "pending";
pub const SUCCEEDED: &str = "succeeded";
pub const FAILED: &str = "failed";

/// A delivery the event handler queues.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub id: String,
    pub event_id: String,
    pub endpoint_id: String,
    pub tenant: String,
    /// `<category>.<EventType>`.
    pub event_type: String,
    pub position: i64,
    /// The CloudEvent JSON.
    pub body: String,
}

/// Queues `d` unless its (event, endpoint) is queued already; true when inserted.
pub async fn insert(
    conn: &mut sqlx::AnyConnection,
    d: &NewDelivery,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO webhook_deliveries (id, event_id, endpoint_id, tenant, event_type, position, \
         body, status, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8) \
         ON CONFLICT (event_id, endpoint_id) DO NOTHING",
    )
    .bind(&d.id)
    .bind(&d.event_id)
    .bind(&d.endpoint_id)
    .bind(&d.tenant)
    .bind(&d.event_type)
    .bind(d.position)
    .bind(&d.body)
    .bind(millis(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A delivery claimed for one attempt, with what sending needs.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub position: i64,
    pub body: String,
    /// This attempt's number, from 1.
    pub attempt: u32,
    pub url: String,
    pub secret: String,
}

/// Claims up to `limit` due heads of enabled endpoints and hides them for `lease`.
pub async fn claim(
    db: &Db,
    now: OffsetDateTime,
    lease: Duration,
    limit: usize,
) -> Result<Vec<Claimed>, sqlx::Error> {
    claim_where(db, now, lease, limit, None).await
}

/// Claims the due head of one endpoint, if any (a sender going on with the same endpoint).
pub async fn claim_next(
    db: &Db,
    endpoint_id: &str,
    now: OffsetDateTime,
    lease: Duration,
) -> Result<Option<Claimed>, sqlx::Error> {
    Ok(claim_where(db, now, lease, 1, Some(endpoint_id))
        .await?
        .into_iter()
        .next())
}

async fn claim_where(
    db: &Db,
    now: OffsetDateTime,
    lease: Duration,
    limit: usize,
    endpoint: Option<&str>,
) -> Result<Vec<Claimed>, sqlx::Error> {
    let mut tx = db.begin().await?;
    if db.backend() == Backend::Postgres {
        // A claim lost in a crash only makes the delivery due again (at least once, same id);
        // the attempt's outcome is committed durably, and its WAL flush carries this claim.
        sqlx::query("SET LOCAL synchronous_commit TO OFF")
            .execute(&mut *tx)
            .await?;
    }
    let claimed = claim_in(&mut tx, db.backend(), now, lease, limit, endpoint).await?;
    tx.commit().await?;
    Ok(claimed)
}

/// [`claim_next`] inside the caller's transaction (the one recording the previous attempt, so
/// one commit does both).
pub async fn claim_next_in(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    endpoint_id: &str,
    now: OffsetDateTime,
    lease: Duration,
) -> Result<Option<Claimed>, sqlx::Error> {
    Ok(claim_in(conn, backend, now, lease, 1, Some(endpoint_id))
        .await?
        .into_iter()
        .next())
}

async fn claim_in(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    now: OffsetDateTime,
    lease: Duration,
    limit: usize,
    endpoint: Option<&str>,
) -> Result<Vec<Claimed>, sqlx::Error> {
    let mut sql = "SELECT d.id, d.endpoint_id, d.event_id, d.position, d.body, d.attempts, \
                   e.url, e.secret \
                   FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
                   WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND e.enabled = 1 \
                   AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p \
                     WHERE p.endpoint_id = d.endpoint_id AND p.status = 'pending' \
                     AND p.position < d.position)"
        .to_owned();
    if endpoint.is_some() {
        sql.push_str(" AND d.endpoint_id = $3");
    }
    sql.push_str(" ORDER BY d.next_attempt_at, d.position LIMIT $2");
    if backend == Backend::Postgres {
        sql.push_str(" FOR UPDATE OF d SKIP LOCKED");
    }
    let mut query = sqlx::query(&sql)
        .bind(millis(now))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX));
    if let Some(endpoint) = endpoint {
        query = query.bind(endpoint);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    let lease_until = millis(now).saturating_add(i64::try_from(lease.as_millis()).unwrap_or(0));
    let mut claimed = Vec::with_capacity(rows.len());
    for row in rows {
        let attempts: i64 = row.try_get(5)?;
        let c = Claimed {
            id: row.try_get(0)?,
            endpoint_id: row.try_get(1)?,
            event_id: row.try_get(2)?,
            position: row.try_get(3)?,
            body: row.try_get(4)?,
            attempt: u32::try_from(attempts.saturating_add(1)).unwrap_or(u32::MAX),
            url: row.try_get(6)?,
            secret: row.try_get(7)?,
        };
        sqlx::query(
            "UPDATE webhook_deliveries SET attempts = $1, next_attempt_at = $2 WHERE id = $3",
        )
        .bind(i64::from(c.attempt))
        .bind(lease_until)
        .bind(&c.id)
        .execute(&mut *conn)
        .await?;
        claimed.push(c);
    }
    Ok(claimed)
}

/// What one attempt saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    pub at: OffsetDateTime,
    pub http_status: Option<u16>,
    pub error: Option<String>,
    pub latency_ms: i64,
}

/// How a delivery goes on after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Retry { at: OffsetDateTime },
    Failed,
}

/// An endpoint this attempt disabled (its owner is emailed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disabled {
    pub endpoint_id: String,
    pub tenant: String,
    pub url: String,
    pub description: String,
    pub owner_user_id: String,
    pub owner_email: String,
    pub failing_since: OffsetDateTime,
    /// A customer's endpoint (not the staff's).
    pub customer: bool,
}

/// What [`finish`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finished {
    /// Recorded; `Some` when the endpoint was disabled by it.
    Recorded(Option<Disabled>),
    /// The row was no longer this claim's: nothing recorded.
    NotOurs,
}

/// Records attempt `c.attempt` and the outcome in `conn` (a transaction of the caller); on a
/// failure, disables the endpoint when it has been failing for `disable_after`.
pub async fn finish(
    conn: &mut sqlx::AnyConnection,
    c: &Claimed,
    record: &AttemptRecord,
    outcome: Outcome,
    disable_after: Duration,
) -> Result<Finished, sqlx::Error> {
    let now = millis(record.at);
    let (status, next, finished) = match outcome {
        Outcome::Succeeded => (SUCCEEDED, now, Some(now)),
        Outcome::Retry { at } => (PENDING, millis(at), None),
        Outcome::Failed => (FAILED, now, Some(now)),
    };
    let done = sqlx::query(
        "UPDATE webhook_deliveries SET status = $1, next_attempt_at = $2, finished_at = $3 \
         WHERE id = $4 AND status = 'pending' AND attempts = $5",
    )
    .bind(status)
    .bind(next)
    .bind(finished)
    .bind(&c.id)
    .bind(i64::from(c.attempt))
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(Finished::NotOurs);
    }
    sqlx::query(
        "INSERT INTO webhook_attempts (delivery_id, attempt, at, http_status, error, latency_ms) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (delivery_id, attempt) DO NOTHING",
    )
    .bind(&c.id)
    .bind(i64::from(c.attempt))
    .bind(now)
    .bind(record.http_status.map(i64::from))
    .bind(record.error.as_deref())
    .bind(record.latency_ms)
    .execute(&mut *conn)
    .await?;
    if outcome == Outcome::Succeeded {
        sqlx::query(
            "UPDATE webhook_endpoints SET failing_since = NULL \
             WHERE id = $1 AND failing_since IS NOT NULL",
        )
        .bind(&c.endpoint_id)
        .execute(&mut *conn)
        .await?;
        return Ok(Finished::Recorded(None));
    }
    sqlx::query(
        "UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $1) WHERE id = $2",
    )
    .bind(now)
    .bind(&c.endpoint_id)
    .execute(&mut *conn)
    .await?;
    let limit = now.saturating_sub(i64::try_from(disable_after.as_millis()).unwrap_or(i64::MAX));
    let disabled = sqlx::query(
        "UPDATE webhook_endpoints SET enabled = 0, disabled_at = $1, updated_at = $1 \
         WHERE id = $2 AND enabled = 1 AND failing_since <= $3",
    )
    .bind(now)
    .bind(&c.endpoint_id)
    .bind(limit)
    .execute(&mut *conn)
    .await?;
    if disabled.rows_affected() == 0 {
        return Ok(Finished::Recorded(None));
    }
    let row = sqlx::query(
        "SELECT tenant, url, description, owner_user_id, owner_email, failing_since, \
         customer_id FROM webhook_endpoints WHERE id = $1",
    )
    .bind(&c.endpoint_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Finished::Recorded(Some(Disabled {
        endpoint_id: c.endpoint_id.clone(),
        tenant: row.try_get(0)?,
        url: row.try_get(1)?,
        description: row.try_get(2)?,
        owner_user_id: row.try_get(3)?,
        owner_email: row.try_get(4)?,
        failing_since: from_millis(row.try_get::<Option<i64>, _>(5)?.unwrap_or(now)),
        customer: row.try_get::<Option<String>, _>(6)?.is_some(),
    })))
}

/// When the next head (see [`claim`]) of an enabled endpoint falls due, if any: a head being
/// sent is due when its lease runs out, and the deliveries behind it wait for it.
pub async fn next_due(db: &Db) -> Result<Option<OffsetDateTime>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT MIN(d.next_attempt_at) FROM webhook_deliveries d \
         JOIN webhook_endpoints e ON e.id = d.endpoint_id \
         WHERE d.status = 'pending' AND e.enabled = 1 \
         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p \
           WHERE p.endpoint_id = d.endpoint_id AND p.status = 'pending' \
           AND p.position < d.position)",
    )
    .fetch_one(db.pool())
    .await?;
    Ok(row.try_get::<Option<i64>, _>(0)?.map(from_millis))
}
