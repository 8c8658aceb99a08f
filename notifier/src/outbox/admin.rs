//! What staff, operators and tests read and do on the outbox: dead letters and sending one
//! again, the counts per status, and one email's delivery state.

use super::{DEAD, HELD, PENDING, SENT, SKIPPED};
use portal_domain::TenantId;
use portal_identity::db::{Db, from_millis, millis};
use sqlx::Row as _;
use time::OffsetDateTime;

/// An email that failed every try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub event_id: String,
    pub kind: String,
    pub recipient_key: String,
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
                created_at, next_attempt_at, recipient_key FROM mail_outbox WHERE status = 'dead'";
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
                recipient_key: r.try_get(9)?,
            })
        })
        .collect()
}

/// Which row of the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailKey<'a> {
    pub event_id: &'a str,
    pub kind: &'a str,
    pub recipient_key: &'a str,
}

/// Puts a dead email of `tenant` back in the queue, due now, with its tries reset (a staff
/// "retry"). True when there was such a row.
pub async fn requeue(
    db: &Db,
    tenant: &TenantId,
    key: MailKey<'_>,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE mail_outbox SET status = 'pending', attempts = 0, next_attempt_at = $1 \
         WHERE event_id = $2 AND kind = $3 AND recipient_key = $4 AND tenant = $5 \
         AND status = 'dead'",
    )
    .bind(millis(now))
    .bind(key.event_id)
    .bind(key.kind)
    .bind(key.recipient_key)
    .bind(tenant.as_str())
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
    /// Waiting for a daily digest.
    pub held: i64,
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
            HELD => c.held = n,
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

/// The delivery state of the email of kind `kind` of an event with one recipient (welcome,
/// login link).
pub async fn entry(db: &Db, event_id: &str, kind: &str) -> Result<Option<Entry>, sqlx::Error> {
    entry_for(
        db,
        MailKey {
            event_id,
            kind,
            recipient_key: "",
        },
    )
    .await
}

/// The delivery state of one email.
pub async fn entry_for(db: &Db, key: MailKey<'_>) -> Result<Option<Entry>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT status, attempts, last_error, message_id, sent_at FROM mail_outbox \
         WHERE event_id = $1 AND kind = $2 AND recipient_key = $3",
    )
    .bind(key.event_id)
    .bind(key.kind)
    .bind(key.recipient_key)
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
