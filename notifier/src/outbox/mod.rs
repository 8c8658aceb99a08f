//! The mail outbox (table `mail_outbox`): one row per (event id, email kind, recipient key).
//!
//! The event handler [`insert`]s rows with `ON CONFLICT DO NOTHING` in the transaction that moves
//! its checkpoint, so an event handled twice (redelivery, restart, replay, rebuild) never queues
//! a second email. The sender [`claim`]s due rows in a short transaction (`FOR UPDATE SKIP
//! LOCKED` on PostgreSQL, so several processes share the work; `BEGIN IMMEDIATE` on SQLite),
//! which counts the try and hides the row for a lease, then sends outside any transaction and
//! [`finish`]es the row: sent, skipped, retried later, or dead.
//!
//! Rows of recipients who chose the daily digest are inserted `held` until their digest time;
//! [`crate::digest`] folds them into one `digest` row per recipient and day.

mod admin;

pub use admin::{
    DeadLetter, Entry, MailKey, OutboxCounts, counts, dead_letters, entry, entry_for, requeue,
};

use crate::news::{Digest, News};
use portal_domain::user::LinkPurpose;
use portal_domain::{ContactId, CustomerId, LoginRequestId, UserId};
use portal_identity::db::{Backend, Db, from_millis, millis};
use serde::{Deserialize, Serialize};
use sqlx::Row as _;
use std::time::Duration;
use time::OffsetDateTime;

pub const PENDING: &str = "pending";
pub const SENT: &str = "sent";
pub const DEAD: &str = "dead";
pub const SKIPPED: &str = "skipped";
/// Waiting for the recipient's daily digest.
pub const HELD: &str = "held";
/// Folded into a digest row.
pub const DIGESTED: &str = "digested";

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
    /// An order-status or charge email (kind `order_status`, `charge_approval` or
    /// `charge_decision`, see [`News::mail_kind`]).
    News(News),
    /// The day's news of one recipient (kind `digest`).
    Digest(Digest),
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
            Self::News(news) => news.mail_kind(),
            Self::Digest(_) => "digest",
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
    /// Who the row is for among the event's recipients (a user id; empty where an event has
    /// one recipient by construction).
    pub recipient_key: String,
    pub context: MailContext,
    pub message_id: String,
    /// For a daily-digest recipient: held until then.
    pub held: Option<Held>,
}

/// When and in which digest a held row goes out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// Unix ms.
    pub until: i64,
    /// `<tenant>|<customer>|<user>|<yyyy-mm-dd>`.
    pub digest_key: String,
}

/// Queues `mail` unless its (event id, kind, recipient key) is queued already; true when
/// inserted.
pub async fn insert(
    conn: &mut sqlx::AnyConnection,
    mail: &NewMail,
    now: OffsetDateTime,
) -> Result<bool, crate::NotifierError> {
    let now = millis(now);
    let (status, due, digest_key) = match &mail.held {
        Some(h) => (HELD, h.until, Some(h.digest_key.as_str())),
        None => (PENDING, now, None),
    };
    let done = sqlx::query(
        "INSERT INTO mail_outbox (event_id, kind, recipient_key, tenant, position, recipient, \
         context, status, attempts, next_attempt_at, message_id, created_at, digest_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11, $12) \
         ON CONFLICT (event_id, kind, recipient_key) DO NOTHING",
    )
    .bind(&mail.event_id)
    .bind(mail.context.kind())
    .bind(&mail.recipient_key)
    .bind(&mail.tenant)
    .bind(mail.position)
    .bind(&mail.recipient)
    .bind(serde_json::to_string(&mail.context)?)
    .bind(status)
    .bind(due)
    .bind(&mail.message_id)
    .bind(now)
    .bind(digest_key)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A row claimed for one try.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub event_id: String,
    pub kind: String,
    pub recipient_key: String,
    pub tenant: String,
    pub position: i64,
    pub recipient: String,
    /// The raw JSON (see [`MailContext`]).
    pub context: String,
    /// This try's number, from 1.
    pub attempt: u32,
    pub message_id: String,
}

const COLUMNS: &str =
    "event_id, kind, tenant, position, recipient, context, attempts, message_id, recipient_key";

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
            recipient_key: row.try_get(8)?,
        };
        sqlx::query(
            "UPDATE mail_outbox SET attempts = $1, next_attempt_at = $2 \
             WHERE event_id = $3 AND kind = $4 AND recipient_key = $5",
        )
        .bind(i64::from(c.attempt))
        .bind(lease_until)
        .bind(&c.event_id)
        .bind(&c.kind)
        .bind(&c.recipient_key)
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
         WHERE event_id = $5 AND kind = $6 AND recipient_key = $7 AND status = 'pending' \
         AND attempts = $8",
    )
    .bind(status)
    .bind(error)
    .bind(next)
    .bind(sent_at)
    .bind(&claimed.event_id)
    .bind(&claimed.kind)
    .bind(&claimed.recipient_key)
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

fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
