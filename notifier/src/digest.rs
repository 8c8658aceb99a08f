//! The digester: turns the held rows whose digest time has come into one `digest` row per
//! recipient, customer and day, which the sender then sends like any other email.
//!
//! Exactly once: the digest row's event id is derived from its digest key (UUID v5), so the row
//! is inserted once however often or wherever this runs, and the held rows it folds are marked
//! `digested` in the same transaction (claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL; one
//! writer on SQLite). A held row whose digest went out already (it was handled just as that
//! digest was folded) moves to the next day's digest rather than being lost.
//!
//! Preferences are checked again at digest time: news of a kind the recipient has since turned
//! off, or for a contact who has lost access, is skipped.

use crate::directory;
use crate::error::NotifierError;
use crate::message::message_id;
use crate::news::{Digest, News};
use crate::outbox::{DIGESTED, MailContext, SKIPPED};
use portal_domain::UserId;
use portal_domain::contact::Delivery;
use portal_identity::db::{Backend, Db, millis};
use sqlx::Row as _;
use time::OffsetDateTime;
use uuid::Uuid;

/// Namespace of digest event ids (fixed; changing it would send a day's digest twice).
const DIGEST_NAMESPACE: Uuid = Uuid::from_u128(0x3b9e_51d0_2c7a_4e61_8f02_6d4c_a1b7_e935);
/// Held rows folded per pass at most.
const BATCH: i64 = 2000;

struct HeldRow {
    event_id: String,
    kind: String,
    recipient_key: String,
    tenant: String,
    position: i64,
    recipient: String,
    news: Option<News>,
    digest_key: String,
}

/// Folds the due held rows into digest rows; returns how many digests were queued.
pub async fn fold_due(
    db: &Db,
    handler: &str,
    domain: &str,
    now: OffsetDateTime,
) -> Result<usize, NotifierError> {
    // Most passes find nothing due: a plain read first, so that they take no write lock (on
    // SQLite the one writer is shared with the event log's appends).
    match next_due(db).await? {
        Some(at) if at <= millis(now) => {}
        _ => return Ok(0),
    }
    let mut sql = "SELECT event_id, kind, recipient_key, tenant, position, recipient, context, \
                   digest_key FROM mail_outbox WHERE status = 'held' AND next_attempt_at <= $1 \
                   ORDER BY digest_key, position LIMIT $2"
        .to_owned();
    if db.backend() == Backend::Postgres {
        sql.push_str(" FOR UPDATE SKIP LOCKED");
    }
    let mut tx = db.begin().await?;
    let rows = sqlx::query(&sql)
        .bind(millis(now))
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
    let mut held = Vec::with_capacity(rows.len());
    for r in rows {
        let context: String = r.try_get(6)?;
        held.push(HeldRow {
            event_id: r.try_get(0)?,
            kind: r.try_get(1)?,
            recipient_key: r.try_get(2)?,
            tenant: r.try_get(3)?,
            position: r.try_get(4)?,
            recipient: r.try_get(5)?,
            news: match serde_json::from_str::<MailContext>(&context) {
                Ok(MailContext::News(news)) => Some(news),
                _ => None,
            },
            digest_key: r.try_get::<Option<String>, _>(7)?.unwrap_or_default(),
        });
    }
    let mut queued = 0;
    let mut start = 0;
    while start < held.len() {
        let key = held[start].digest_key.clone();
        let end = held[start..]
            .iter()
            .position(|h| h.digest_key != key)
            .map_or(held.len(), |n| start + n);
        if fold_one(&mut tx, handler, domain, &held[start..end], now).await? {
            queued += 1;
        }
        start = end;
    }
    tx.commit().await?;
    Ok(queued)
}

/// Folds the held rows of one digest key; true when a digest row was queued.
async fn fold_one(
    conn: &mut sqlx::AnyConnection,
    handler: &str,
    domain: &str,
    rows: &[HeldRow],
    now: OffsetDateTime,
) -> Result<bool, NotifierError> {
    let Some(first) = rows.first() else {
        return Ok(false);
    };
    // Preferences and access as they are now.
    let contact = match Uuid::parse_str(&first.recipient_key) {
        Ok(user) => directory::of_user(conn, handler, &UserId(user)).await?,
        Err(_) => vec![],
    };
    let mut items = Vec::new();
    let mut dropped = Vec::new();
    for row in rows {
        let keep = row.news.as_ref().is_some_and(|news| {
            contact.iter().any(|c| {
                c.access
                    && Some(c.contact_id) == news.contact_id
                    && news
                        .kind()
                        .is_some_and(|k| c.preferences.of(k) != Delivery::Off)
            })
        });
        match (&row.news, keep) {
            (Some(news), true) => items.push(news.clone()),
            _ => dropped.push(row),
        }
    }
    for row in &dropped {
        mark(
            conn,
            row,
            SKIPPED,
            Some("turned off or access ended before the digest"),
        )
        .await?;
    }
    let Some(head) = items.first() else {
        return Ok(false);
    };
    let Some(contact_id) = head.contact_id else {
        return Ok(false);
    };
    let digest = Digest {
        carrier: head.carrier.clone(),
        customer: head.customer.clone(),
        customer_id: head.customer_id,
        contact_id,
        recipient_name: head.recipient_name.clone(),
        day: first
            .digest_key
            .rsplit('|')
            .next()
            .unwrap_or_default()
            .trim_end_matches('+')
            .to_owned(),
        items: items.clone(),
    };
    let event_id = Uuid::new_v5(&DIGEST_NAMESPACE, first.digest_key.as_bytes()).to_string();
    let last = rows
        .iter()
        .map(|r| r.position)
        .max()
        .unwrap_or(first.position);
    let recipient = rows.last().map_or(&first.recipient, |r| &r.recipient);
    let inserted = sqlx::query(
        "INSERT INTO mail_outbox (event_id, kind, recipient_key, tenant, position, recipient, \
         context, status, attempts, next_attempt_at, message_id, created_at) \
         VALUES ($1, 'digest', $2, $3, $4, $5, $6, 'pending', 0, $7, $8, $7) \
         ON CONFLICT (event_id, kind, recipient_key) DO NOTHING",
    )
    .bind(&event_id)
    .bind(&first.recipient_key)
    .bind(&first.tenant)
    .bind(last)
    .bind(recipient)
    .bind(serde_json::to_string(&MailContext::Digest(digest))?)
    .bind(millis(now))
    .bind(message_id(
        &event_id,
        "digest",
        &first.recipient_key,
        domain,
    ))
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0;
    for row in rows.iter().filter(|r| r.news.is_some()) {
        if dropped.iter().any(|d| std::ptr::eq(*d, row)) {
            continue;
        }
        if inserted {
            mark(conn, row, DIGESTED, None).await?;
        } else {
            // That day's digest went out already: the next one takes it.
            sqlx::query(
                "UPDATE mail_outbox SET digest_key = $1, next_attempt_at = $2 \
                 WHERE event_id = $3 AND kind = $4 AND recipient_key = $5",
            )
            .bind(format!("{}+", row.digest_key))
            .bind(millis(now) + 24 * 3600 * 1000)
            .bind(&row.event_id)
            .bind(&row.kind)
            .bind(&row.recipient_key)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(inserted)
}

async fn mark(
    conn: &mut sqlx::AnyConnection,
    row: &HeldRow,
    status: &str,
    reason: Option<&str>,
) -> Result<(), NotifierError> {
    sqlx::query(
        "UPDATE mail_outbox SET status = $1, last_error = $2 \
         WHERE event_id = $3 AND kind = $4 AND recipient_key = $5",
    )
    .bind(status)
    .bind(reason)
    .bind(&row.event_id)
    .bind(&row.kind)
    .bind(&row.recipient_key)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// When the next held row falls due, if any.
pub async fn next_due(db: &Db) -> Result<Option<i64>, sqlx::Error> {
    let row = sqlx::query("SELECT MIN(next_attempt_at) FROM mail_outbox WHERE status = 'held'")
        .fetch_one(db.pool())
        .await?;
    row.try_get::<Option<i64>, _>(0)
}
