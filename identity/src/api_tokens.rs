//! Bearer tokens for integrations: table `api_tokens` (issue, look up, last use, list, revoke).
//!
//! Only a token's SHA-256 is stored; the raw token is returned once by [`insert`]'s caller and
//! never again. A row keeps the grant the token was made for ([`Bound`]: the owner, the tenant,
//! for a portal token the customer and contact, and the versions of the streams that held the
//! grant), so that every use can check the log for an end of that grant after those versions.
//! That check, and the check that the scope still holds in the read models, are the caller's:
//! this module only stores and reads.
//!
//! Last use is recorded at most once a minute per token ([`LAST_USE_EVERY_MS`]), by a
//! conditional UPDATE, so a busy integration does not write on every request.

use crate::db::{Db, from_millis, millis};
use crate::error::IdentityError;
use crate::secret::{hash_secret, looks_like_secret};
use portal_domain::values::Email;
use portal_domain::{ApiTokenId, ContactId, CustomerId, TenantId, UserId};
use sqlx::Row as _;
use time::OffsetDateTime;

/// How many characters of the raw token are kept to recognise it in lists.
pub const PREFIX_CHARS: usize = 6;
/// Last use is written when the recorded one is at least this old.
pub const LAST_USE_EVERY_MS: i64 = 60_000;

/// The grant a stored token was made for, as the event log recorded it at creation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    pub tenant: TenantId,
    pub owner: UserId,
    /// `None` for a staff token.
    pub portal: Option<(CustomerId, ContactId)>,
    /// Version of the tenant stream (staff) or the contact stream (portal) seen at creation.
    pub grant_version: i64,
    /// Version of the customer stream seen at creation (portal tokens; 0 for staff).
    pub portal_version: i64,
}

/// A token to store.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    /// The raw token (only its hash and first [`PREFIX_CHARS`] characters are stored).
    pub raw: &'a str,
    pub credential_id: ApiTokenId,
    pub email: &'a Email,
    pub tenant: &'a TenantId,
    /// The customer of a portal user's token; `None` for staff.
    pub customer: Option<CustomerId>,
    /// The contact whose access a portal token uses.
    pub contact: Option<ContactId>,
    /// A label for lists.
    pub name: Option<String>,
    pub grant_version: i64,
    pub portal_version: i64,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// Stores `token` (owned by the identity of its email).
pub async fn insert(db: &Db, token: &NewToken<'_>) -> Result<(), IdentityError> {
    sqlx::query(
        "INSERT INTO api_tokens (token_hash, credential_id, user_id, tenant, customer_id, \
         created_at, name, email, prefix, contact_id, grant_version, portal_version, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(hash_secret(token.raw))
    .bind(token.credential_id.to_string())
    .bind(UserId::for_email(token.email).to_string())
    .bind(token.tenant.as_str())
    .bind(token.customer.map(|c| c.to_string()))
    .bind(millis(token.created_at))
    .bind(token.name.clone())
    .bind(token.email.as_str())
    .bind(token.raw.chars().take(PREFIX_CHARS).collect::<String>())
    .bind(token.contact.map(|c| c.to_string()))
    .bind(token.grant_version)
    .bind(token.portal_version)
    .bind(millis(token.expires_at))
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Withdraws a token that was just stored (its issue could not be recorded).
pub async fn delete(db: &Db, credential_id: ApiTokenId) -> Result<(), IdentityError> {
    sqlx::query("DELETE FROM api_tokens WHERE credential_id = $1")
        .bind(credential_id.to_string())
        .execute(db.pool())
        .await?;
    Ok(())
}

/// A stored token that is neither revoked, ended nor expired, as [`find_live`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Live {
    pub credential_id: String,
    pub bound: Bound,
    /// A portal token row without a contact (rows older than the column): the contact is found
    /// by identity and customer, and the caller fills [`Bound::portal`] in.
    pub legacy_portal: Option<CustomerId>,
    pub last_used_at: Option<i64>,
}

/// The live token whose raw form is `raw`; `None` for junk, an unknown, revoked, ended or
/// expired token, or a row this build cannot read.
pub async fn find_live(
    db: &Db,
    raw: &str,
    now: OffsetDateTime,
) -> Result<Option<Live>, IdentityError> {
    if !looks_like_secret(raw) {
        return Ok(None);
    }
    let row = sqlx::query(
        "SELECT credential_id, user_id, tenant, customer_id, contact_id, grant_version, \
         portal_version, last_used_at FROM api_tokens \
         WHERE token_hash = $1 AND revoked_at IS NULL AND ended_at IS NULL \
         AND (expires_at IS NULL OR expires_at > $2)",
    )
    .bind(hash_secret(raw))
    .bind(millis(now))
    .fetch_optional(db.pool())
    .await?;
    match row {
        Some(row) => Ok(live_of(&row)?),
        None => Ok(None),
    }
}

/// Records that the grant of token `credential_id` ended: it is refused from now on without
/// reading the log again.
pub async fn mark_ended(
    db: &Db,
    credential_id: &str,
    now: OffsetDateTime,
) -> Result<(), IdentityError> {
    sqlx::query("UPDATE api_tokens SET ended_at = $1 WHERE credential_id = $2")
        .bind(millis(now))
        .bind(credential_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Records a use of `token` at `now`, unless one was recorded within the last minute (as read,
/// or by a concurrent request: the UPDATE is conditional).
pub async fn record_use(db: &Db, token: &Live, now: OffsetDateTime) -> Result<(), IdentityError> {
    let now_ms = millis(now);
    if token
        .last_used_at
        .is_some_and(|at| now_ms - at < LAST_USE_EVERY_MS)
    {
        return Ok(());
    }
    sqlx::query(
        "UPDATE api_tokens SET last_used_at = $1 WHERE credential_id = $2 \
         AND (last_used_at IS NULL OR last_used_at <= $3)",
    )
    .bind(now_ms)
    .bind(&token.credential_id)
    .bind(now_ms - LAST_USE_EVERY_MS)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Reads the columns of [`find_live`]'s query; `None` for a row this build cannot read.
fn live_of(row: &sqlx::any::AnyRow) -> Result<Option<Live>, sqlx::Error> {
    let credential_id: String = row.try_get(0)?;
    let user: String = row.try_get(1)?;
    let tenant: String = row.try_get(2)?;
    let customer: Option<String> = row.try_get(3)?;
    let contact: Option<String> = row.try_get(4)?;
    let (Ok(owner), Ok(tenant)) = (user.parse::<UserId>(), TenantId::parse(&tenant)) else {
        return Ok(None);
    };
    let customer = match customer.map(|c| c.parse::<CustomerId>()).transpose() {
        Ok(c) => c,
        Err(_) => return Ok(None),
    };
    let contact = match contact.map(|c| c.parse::<ContactId>()).transpose() {
        Ok(c) => c,
        Err(_) => return Ok(None),
    };
    let (portal, legacy_portal) = match (customer, contact) {
        (Some(customer), Some(contact)) => (Some((customer, contact)), None),
        (Some(customer), None) => (None, Some(customer)),
        (None, _) => (None, None),
    };
    Ok(Some(Live {
        credential_id,
        bound: Bound {
            tenant,
            owner,
            portal,
            grant_version: row.try_get(5)?,
            portal_version: row.try_get(6)?,
        },
        legacy_portal,
        last_used_at: row.try_get(7)?,
    }))
}

/// Whether a token works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenStatus {
    Active,
    Expired,
    Revoked,
    /// The grant it was made for ended (access revoked, customer portal off, staff removed).
    Ended,
}

impl TokenStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::Ended => "access ended",
        }
    }
}

/// One token as lists show it (never the token, only its first characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub credential_id: ApiTokenId,
    pub user_id: UserId,
    /// `None` for rows older than the column.
    pub email: Option<String>,
    pub tenant: TenantId,
    pub customer_id: Option<CustomerId>,
    pub name: Option<String>,
    /// The first characters of the token.
    pub prefix: Option<String>,
    pub created_at: OffsetDateTime,
    pub expires_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
    pub status: TokenStatus,
}

const COLUMNS: &str = "credential_id, user_id, email, tenant, customer_id, name, prefix, \
                       created_at, expires_at, last_used_at, revoked_at, ended_at, contact_id, \
                       grant_version, portal_version";

/// The tokens of identity `owner` (every token when `None`), newest first, each with its binding
/// (`None` for a portal token without a recorded contact, which only its use can check). Rows
/// this build cannot read are left out.
pub async fn list(
    db: &Db,
    owner: Option<UserId>,
    now: OffsetDateTime,
) -> Result<Vec<(TokenInfo, Option<Bound>)>, IdentityError> {
    let order = "ORDER BY created_at DESC, credential_id DESC";
    let rows = match owner {
        Some(owner) => {
            let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE user_id = $1 {order}");
            sqlx::query(&sql)
                .bind(owner.to_string())
                .fetch_all(db.pool())
                .await?
        }
        None => {
            let sql = format!("SELECT {COLUMNS} FROM api_tokens {order}");
            sqlx::query(&sql).fetch_all(db.pool()).await?
        }
    };
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        if let Some(token) = info_of(row, now)? {
            out.push(token);
        }
    }
    Ok(out)
}

/// The owner of token `credential_id`; `None` when there is no such token (or its row cannot be
/// read).
pub async fn owner_of(db: &Db, credential_id: ApiTokenId) -> Result<Option<UserId>, IdentityError> {
    let row = sqlx::query("SELECT user_id FROM api_tokens WHERE credential_id = $1")
        .bind(credential_id.to_string())
        .fetch_optional(db.pool())
        .await?;
    let user: Option<String> = row.map(|r| r.try_get(0)).transpose()?;
    Ok(user.and_then(|u| u.parse::<UserId>().ok()))
}

/// Revokes token `credential_id`: it stops working at once. False when it was revoked already
/// (or does not exist).
pub async fn revoke(
    db: &Db,
    credential_id: ApiTokenId,
    now: OffsetDateTime,
) -> Result<bool, IdentityError> {
    let changed = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE credential_id = $2 AND revoked_at IS NULL",
    )
    .bind(millis(now))
    .bind(credential_id.to_string())
    .execute(db.pool())
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Reads a row of [`COLUMNS`]: the token and, for an active one, its binding; `None` for a row
/// this build cannot read.
fn info_of(
    row: &sqlx::any::AnyRow,
    now: OffsetDateTime,
) -> Result<Option<(TokenInfo, Option<Bound>)>, sqlx::Error> {
    let id: String = row.try_get(0)?;
    let user: String = row.try_get(1)?;
    let tenant: String = row.try_get(3)?;
    let customer: Option<String> = row.try_get(4)?;
    let contact: Option<String> = row.try_get(12)?;
    let (Ok(credential_id), Ok(user_id), Ok(tenant)) = (
        id.parse::<uuid::Uuid>(),
        user.parse::<UserId>(),
        TenantId::parse(&tenant),
    ) else {
        return Ok(None);
    };
    let customer_id = customer.and_then(|c| c.parse::<CustomerId>().ok());
    let contact_id = contact.and_then(|c| c.parse::<ContactId>().ok());
    let expires: Option<i64> = row.try_get(8)?;
    let revoked: Option<i64> = row.try_get(10)?;
    let ended: Option<i64> = row.try_get(11)?;
    let expires_at = expires.map(from_millis);
    let status = if revoked.is_some() {
        TokenStatus::Revoked
    } else if ended.is_some() {
        TokenStatus::Ended
    } else if expires_at.is_some_and(|at| at <= now) {
        TokenStatus::Expired
    } else {
        TokenStatus::Active
    };
    // Tokens of a customer without a recorded contact are checked at use only.
    let bound = match (customer_id, contact_id) {
        (Some(_), None) => None,
        (customer, contact) => Some(Bound {
            tenant: tenant.clone(),
            owner: user_id,
            portal: customer.zip(contact),
            grant_version: row.try_get(13)?,
            portal_version: row.try_get(14)?,
        }),
    };
    let created: i64 = row.try_get(7)?;
    let last_used: Option<i64> = row.try_get(9)?;
    let info = TokenInfo {
        credential_id: ApiTokenId(credential_id),
        user_id,
        email: row.try_get(2)?,
        tenant,
        customer_id,
        name: row.try_get(5)?,
        prefix: row.try_get(6)?,
        created_at: from_millis(created),
        expires_at,
        last_used_at: last_used.map(from_millis),
        status,
    };
    Ok(Some((info, bound)))
}
