//! The mail outbox (table `mail_outbox`): one row per (event id, email kind).
//!
//! The event handler [`insert`]s rows with `ON CONFLICT DO NOTHING` in the transaction that moves
//! its checkpoint, so an event handled twice (redelivery, restart, replay, rebuild) never queues
//! a second email. The sender [`claim`]s due rows in a short transaction (`FOR UPDATE SKIP
//! LOCKED` on PostgreSQL, so several processes share the work; `BEGIN IMMEDIATE` on SQLite),
//! which counts the try and hides the row for a lease, then sends outside any transaction and
//! [`finish`]es the row: sent, skipped, retried later, or dead.

use portal_domain::user::LinkPurpose;
use portal_domain::{ContactId, CustomerId, LoginRequestId, TenantId, UserId};
use portal_identity::db::{Backend, Db, from_millis, millis};
use serde::{Deserialize, Serialize};
use sqlx::Row as _;
use std::time::Duration;
use time::OffsetDateTime;

pub const PENDING: &str = "pending";
pub const SENT: &str = "sent";
pub const DEAD: &str = "dead";
pub const SKIPPED: &str = "skipped";

/// What an email is rendered from: ids and facts of the event, never a secret. Stored as JSON
/// in the row's `context`; its `kind` is also the row's `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MailContext {
    /// `ContactAccessGranted`: the one-time welcome email.
    Welcome {
        contact_id: ContactId,
        customer_id: CustomerId,
    },
    /// `LoginLinkRequested`: the token is minted when the email is sent.
    LoginLink {
        user_id: UserId,
        request_id: LoginRequestId,
        purpose: LinkPurpose,
        /// When the request was recorded (Unix ms).
        requested_at: i64,
    },
    /// A webhook endpoint kept failing and was disabled: its owner is told (see `webhooks`).
    WebhookDisabled {
        endpoint_id: String,
        url: String,
        description: String,
        /// When its failures began (Unix ms).
        failing_since: i64,
        /// A customer's endpoint (the portal's settings page) rather than the staff's.
        #[serde(default)]
        customer: bool,
    },
}

impl MailContext {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Welcome { .. } => "welcome",
            Self::LoginLink { .. } => "login_link",
            Self::WebhookDisabled { .. } => "webhook_disabled",
        }
    }
}

/// A row the event handler queues.
#[derive(Debug, Clone)]
pub struct NewMail {
    pub event_id: String,
    pub tenant: String,
    /// Global position of the event.
    pub position: i64,
    pub recipient: String,
    pub context: MailContext,
    pub message_id: String,
}

/// Queues `mail` unless its (event id, kind) is queued already; true when inserted.
pub async fn insert(
    conn: &mut sqlx::AnyConnection,
    mail: &NewMail,
    now: OffsetDateTime,
) -> Result<bool, crate::NotifierError> {
    let now = millis(now);
    let done = sqlx::query(
        "INSERT INTO mail_outbox (event_id, kind, tenant, position, recipient, context, status, \
         attempts, next_attempt_at, message_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $8, $7) \
         ON CONFLICT (event_id, kind) DO NOTHING",
    )
    .bind(&mail.event_id)
    .bind(mail.context.kind())
    .bind(&mail.tenant)
    .bind(mail.position)
    .bind(&mail.recipient)
    .bind(serde_json::to_string(&mail.context)?)
    .bind(now)
    .bind(&mail.message_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A row claimed for one try.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub event_id: String,
    pub kind: String,
    pub tenant: String,
    pub position: i64,
    pub recipient: String,
    /// The raw JSON (see [`MailContext`]).
    pub context: String,
    /// This try's number, from 1.
    pub attempt: u32,
    pub message_id: String,
}

const COLUMNS: &str = "event_id, kind, tenant, position, recipient, context, attempts, message_id";

/// Claims up to `limit` due rows: counts the try and hides them for `lease`.
pub async fn claim(
    db: &Db,
    now: OffsetDateTime,
    lease: Duration,
    limit: u32,
) -> Result<Vec<Claimed>, sqlx::Error> {
    let mut sql = format!(
        "SELECT {COLUMNS} FROM mail_outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
         ORDER BY next_attempt_at, position LIMIT $2"
    );
    if db.backend() == Backend::Postgres {
        sql.push_str(" FOR UPDATE SKIP LOCKED");
    }
    let mut tx = db.begin().await?;
    let rows = sqlx::query(&sql)
        .bind(millis(now))
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;
    let lease_until = millis(now).saturating_add(duration_ms(lease));
    let mut claimed = Vec::with_capacity(rows.len());
    for row in rows {
        let attempts: i64 = row.try_get(6)?;
        let c = Claimed {
            event_id: row.try_get(0)?,
            kind: row.try_get(1)?,
            tenant: row.try_get(2)?,
            position: row.try_get(3)?,
            recipient: row.try_get(4)?,
            context: row.try_get(5)?,
            attempt: u32::try_from(attempts.saturating_add(1)).unwrap_or(u32::MAX),
            message_id: row.try_get(7)?,
        };
        sqlx::query(
            "UPDATE mail_outbox SET attempts = $1, next_attempt_at = $2 \
             WHERE event_id = $3 AND kind = $4",
        )
        .bind(i64::from(c.attempt))
        .bind(lease_until)
        .bind(&c.event_id)
        .bind(&c.kind)
        .execute(&mut *tx)
        .await?;
        claimed.push(c);
    }
    tx.commit().await?;
    Ok(claimed)
}

/// How a try ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finish {
    Sent,
    /// Nothing to send any more; the reason is kept in `last_error`.
    Skipped(String),
    /// Failed; due again at `at`.
    Retry {
        error: String,
        at: OffsetDateTime,
    },
    /// Failed for the last time.
    Dead(String),
}

/// Records the end of try `claimed.attempt`. False when the row was no longer ours (its lease
/// ran out and another sender claimed it again): nothing is changed then.
pub async fn finish(
    db: &Db,
    claimed: &Claimed,
    outcome: &Finish,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let now = millis(now);
    let (status, error, next, sent_at) = match outcome {
        Finish::Sent => (SENT, None, now, Some(now)),
        Finish::Skipped(reason) => (SKIPPED, Some(reason.as_str()), now, None),
        Finish::Retry { error, at } => (PENDING, Some(error.as_str()), millis(*at), None),
        Finish::Dead(error) => (DEAD, Some(error.as_str()), now, None),
    };
    let done = sqlx::query(
        "UPDATE mail_outbox SET status = $1, last_error = $2, next_attempt_at = $3, sent_at = $4 \
         WHERE event_id = $5 AND kind = $6 AND status = 'pending' AND attempts = $7",
    )
    .bind(status)
    .bind(error)
    .bind(next)
    .bind(sent_at)
    .bind(&claimed.event_id)
    .bind(&claimed.kind)
    .bind(i64::from(claimed.attempt))
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() > 0)
}

/// When the next pending row falls due, if any.
pub async fn next_due(db: &Db) -> Result<Option<OffsetDateTime>, sqlx::Error> {
    let row = sqlx::query("SELECT MIN(next_attempt_at) FROM mail_outbox WHERE status = 'pending'")
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get::<Option<i64>, _>(0)?.map(from_millis))
}

/// An email that failed every try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub event_id: String,
    pub kind: String,
    pub tenant: String,
    pub position: i64,
    pub recipient: String,
    pub attempts: i64,
    pub last_error: String,
    pub created_at: OffsetDateTime,
    /// When it was given up.
    pub dead_at: OffsetDateTime,
}

/// Dead letters, newest event first; of one tenant (the identity realm's login links are under
/// [`TenantId::identity`]) or of all.
pub async fn dead_letters(
    db: &Db,
    tenant: Option<&TenantId>,
) -> Result<Vec<DeadLetter>, sqlx::Error> {
    let base = "SELECT event_id, kind, tenant, position, recipient, attempts, last_error, \
                created_at, next_attempt_at FROM mail_outbox WHERE status = 'dead'";
    let rows = match tenant {
        Some(t) => {
            sqlx::query(&format!("{base} AND tenant = $1 ORDER BY position DESC"))
                .bind(t.as_str())
                .fetch_all(db.pool())
                .await?
        }
        None => {
            sqlx::query(&format!("{base} ORDER BY position DESC"))
                .fetch_all(db.pool())
                .await?
        }
    };
    rows.iter()
        .map(|r| {
            Ok(DeadLetter {
                event_id: r.try_get(0)?,
                kind: r.try_get(1)?,
                tenant: r.try_get(2)?,
                position: r.try_get(3)?,
                recipient: r.try_get(4)?,
                attempts: r.try_get(5)?,
                last_error: r.try_get::<Option<String>, _>(6)?.unwrap_or_default(),
                created_at: from_millis(r.try_get(7)?),
                dead_at: from_millis(r.try_get(8)?),
            })
        })
        .collect()
}

/// Puts a dead (or skipped) email back in the queue, due now, with its tries reset (a staff
/// "retry"). True when there was such a row.
pub async fn requeue(
    db: &Db,
    event_id: &str,
    kind: &str,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE mail_outbox SET status = 'pending', attempts = 0, next_attempt_at = $1 \
         WHERE event_id = $2 AND kind = $3 AND status = 'dead'",
    )
    .bind(millis(now))
    .bind(event_id)
    .bind(kind)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Rows per status, for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: i64,
    pub sent: i64,
    pub dead: i64,
    pub skipped: i64,
}

pub async fn counts(db: &Db) -> Result<OutboxCounts, sqlx::Error> {
    let rows = sqlx::query("SELECT status, COUNT(*) FROM mail_outbox GROUP BY status")
        .fetch_all(db.pool())
        .await?;
    let mut c = OutboxCounts::default();
    for r in rows {
        let status: String = r.try_get(0)?;
        let n: i64 = r.try_get(1)?;
        match status.as_str() {
            PENDING => c.pending = n,
            SENT => c.sent = n,
            DEAD => c.dead = n,
            SKIPPED => c.skipped = n,
            _ => {}
        }
    }
    Ok(c)
}

/// The delivery state of one email, for pages and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub message_id: String,
    pub sent_at: Option<OffsetDateTime>,
}

pub async fn entry(db: &Db, event_id: &str, kind: &str) -> Result<Option<Entry>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT status, attempts, last_error, message_id, sent_at FROM mail_outbox \
         WHERE event_id = $1 AND kind = $2",
    )
    .bind(event_id)
    .bind(kind)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| {
        Ok(Entry {
            status: r.try_get(0)?,
            attempts: r.try_get(1)?,
            last_error: r.try_get(2)?,
            message_id: r.try_get(3)?,
            sent_at: r.try_get::<Option<i64>, _>(4)?.map(from_millis),
        })
    })
    .transpose()
}

fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
