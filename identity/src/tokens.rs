//! Login and password-reset tokens (table `login_tokens`).
//!
//! Life of a token: the notifier [`mint`]s it when it sends the email of a `LoginLinkRequested`
//! event (the raw token exists only in that email and in memory); the API shows a *Continue* page
//! for it after a side-effect-free [`status`] check (mail scanners follow links), and the POST
//! [`consume`]s it in one conditional `UPDATE … RETURNING`, so that of any number of concurrent
//! POSTs exactly one wins.
//!
//! Supersession: a newer link request invalidates every older unused token of the same user
//! (links of either purpose). "Newer" is the order of the requests in the log
//! (`request_position`), not the order the notifier happens to mint in, so a retried old request
//! can never supersede a newer link.

use crate::db::{Backend, Db, from_millis, millis};
use crate::error::IdentityError;
use crate::secret::{hash_secret, looks_like_secret, new_secret};
use portal_domain::UserId;
use portal_domain::user::LinkPurpose;
use portal_domain::values::Email;
use sqlx::Row as _;
use std::time::Duration;
use time::OffsetDateTime;

/// How long an emailed link works.
pub const TOKEN_TTL: Duration = Duration::from_secs(15 * 60);

/// Whom a token logs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenOwner {
    pub user_id: UserId,
    pub email: Email,
    pub purpose: LinkPurpose,
    pub expires_at: OffsetDateTime,
}

/// Why a token cannot be used. The pages say which, and offer a new link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// Never issued (or mistyped), or issued for the other purpose.
    Unknown,
    Used,
    Expired,
    /// A newer link was requested after this one.
    Superseded,
}

impl TokenProblem {
    /// One sentence for the person holding the link.
    pub fn message(&self) -> &'static str {
        match self {
            Self::Unknown => "This link is not valid. Check that you copied the whole link.",
            Self::Used => "This link was already used. Each link works once.",
            Self::Expired => "This link has expired. Links work for 15 minutes.",
            Self::Superseded => {
                "A newer link was sent after this one. Use the newest email, or request a new link."
            }
        }
    }
}

/// What the notifier asks for when it sends a link.
#[derive(Debug, Clone)]
pub struct MintRequest {
    pub user_id: UserId,
    pub email: Email,
    pub purpose: LinkPurpose,
    pub request_id: String,
    /// Global position of the `LoginLinkRequested` event (orders supersession).
    pub request_position: i64,
}

/// The outcome of [`mint`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Minted {
    /// The raw token, to be put in the email and forgotten.
    Token(String),
    /// A newer request of the same user already has a token: this request's email is moot.
    Superseded,
}

/// Mints the token of `request`: supersedes the user's older unused tokens (and an earlier mint
/// for the same request, e.g. before a failed send) and stores the new token's hash, in one
/// transaction.
pub async fn mint(
    db: &Db,
    request: &MintRequest,
    now: OffsetDateTime,
    ttl: Duration,
) -> Result<Minted, IdentityError> {
    let mut tx = db.begin().await?;
    let user = request.user_id.to_string();
    if db.backend() == Backend::Postgres {
        // Mints of one user take turns (SQLite's `BEGIN IMMEDIATE` serialises them already).
        // Without this, concurrent mints (two senders, or one pass sending several requests of
        // the user) each miss the other's uncommitted token, and older links stay valid.
        sqlx::query(
            "SELECT 1 FROM pg_advisory_xact_lock(hashtext('portal.login_tokens'), hashtext($1))",
        )
        .bind(&user)
        .execute(&mut *tx)
        .await?;
    }
    let newer: i64 = sqlx::query(
        "SELECT COUNT(*) FROM login_tokens WHERE user_id = $1 AND request_position > $2",
    )
    .bind(&user)
    .bind(request.request_position)
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    if newer > 0 {
        tx.rollback().await?;
        return Ok(Minted::Superseded);
    }
    let now_ms = millis(now);
    sqlx::query(
        "UPDATE login_tokens SET superseded_at = $1 \
         WHERE user_id = $2 AND used_at IS NULL AND superseded_at IS NULL \
         AND request_position <= $3",
    )
    .bind(now_ms)
    .bind(&user)
    .bind(request.request_position)
    .execute(&mut *tx)
    .await?;
    let raw = new_secret();
    let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
    sqlx::query(
        "INSERT INTO login_tokens (token_hash, user_id, email, purpose, request_id, \
         request_position, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(hash_secret(&raw))
    .bind(&user)
    .bind(request.email.as_str())
    .bind(request.purpose.as_str())
    .bind(&request.request_id)
    .bind(request.request_position)
    .bind(now_ms)
    .bind(now_ms.saturating_add(ttl_ms))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Minted::Token(raw))
}

/// What [`consume`] would say, without changing anything (the GET of the *Continue* page).
pub async fn status(
    db: &Db,
    raw: &str,
    purpose: LinkPurpose,
    now: OffsetDateTime,
) -> Result<Result<TokenOwner, TokenProblem>, IdentityError> {
    if !looks_like_secret(raw) {
        return Ok(Err(TokenProblem::Unknown));
    }
    let row = sqlx::query(
        "SELECT user_id, email, purpose, expires_at, used_at, superseded_at \
         FROM login_tokens WHERE token_hash = $1",
    )
    .bind(hash_secret(raw))
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(Err(TokenProblem::Unknown));
    };
    let owner = owner_of(&row)?;
    let Some(owner) = owner.filter(|o| o.purpose == purpose) else {
        return Ok(Err(TokenProblem::Unknown));
    };
    let used: Option<i64> = row.try_get(4)?;
    let superseded: Option<i64> = row.try_get(5)?;
    Ok(if used.is_some() {
        Err(TokenProblem::Used)
    } else if superseded.is_some() {
        Err(TokenProblem::Superseded)
    } else if owner.expires_at <= now {
        Err(TokenProblem::Expired)
    } else {
        Ok(owner)
    })
}

/// Uses the token once: exactly one of any number of concurrent calls with the same token gets
/// its owner; the others get the reason it is no longer usable.
pub async fn consume(
    db: &Db,
    raw: &str,
    purpose: LinkPurpose,
    now: OffsetDateTime,
) -> Result<Result<TokenOwner, TokenProblem>, IdentityError> {
    if !looks_like_secret(raw) {
        return Ok(Err(TokenProblem::Unknown));
    }
    let now_ms = millis(now);
    let row = sqlx::query(
        "UPDATE login_tokens SET used_at = $1 \
         WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL \
         AND superseded_at IS NULL AND expires_at > $1 \
         RETURNING user_id, email, purpose, expires_at",
    )
    .bind(now_ms)
    .bind(hash_secret(raw))
    .bind(purpose.as_str())
    .fetch_optional(db.pool())
    .await?;
    match row {
        Some(row) => Ok(owner_of(&row)?.ok_or(TokenProblem::Unknown)),
        None => Ok(Err(status(db, raw, purpose, now)
            .await?
            .err()
            // Valid a moment ago but not consumable now: someone else just used it.
            .unwrap_or(TokenProblem::Used))),
    }
}

/// Reads `user_id, email, purpose, expires_at` (the first four columns); `None` for a row this
/// build cannot read (it is then treated as unknown).
fn owner_of(row: &sqlx::any::AnyRow) -> Result<Option<TokenOwner>, sqlx::Error> {
    let user: String = row.try_get(0)?;
    let email: String = row.try_get(1)?;
    let purpose: String = row.try_get(2)?;
    let expires: i64 = row.try_get(3)?;
    Ok(
        match (
            user.parse::<UserId>(),
            Email::parse(&email),
            LinkPurpose::parse(&purpose),
        ) {
            (Ok(user_id), Ok(email), Some(purpose)) => Some(TokenOwner {
                user_id,
                email,
                purpose,
                expires_at: from_millis(expires),
            }),
            _ => None,
        },
    )
}
