//! Listing and revoking bearer tokens (`portal token list`, `portal token revoke`, the account
//! page). Lists never show a token, only its first characters ([`super::api_tokens::PREFIX_CHARS`]).
//! A revocation sets `revoked_at` first (the token stops working at once) and then records
//! `ApiTokenRevoked` on the owner's identity; the same revocation again changes nothing.

use super::token_grants::{self, Bound};
use portal_domain::user::{User, UserCommand};
use portal_domain::{Actor, ApiTokenId, ContactId, CustomerId, DomainError, TenantId, UserId};
use portal_eventlog::{CommandContext, ExecuteError, Idempotency, Metadata, Store, execute};
use portal_notifier::Db;
use portal_notifier::db::{from_millis, millis};
use sqlx::Row as _;
use time::OffsetDateTime;
use tracing::{info, instrument};

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

/// One token as lists show it.
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

/// Why a list or a revocation failed.
#[derive(Debug, thiserror::Error)]
pub enum TokenAdminError {
    #[error("there is no token {0}")]
    NotFound(ApiTokenId),
    #[error("cannot read the log: {0}")]
    Execute(#[from] ExecuteError),
    #[error("cannot read or write the tokens: {0}")]
    Db(#[from] sqlx::Error),
}

const COLUMNS: &str = "credential_id, user_id, email, tenant, customer_id, name, prefix, \
                       created_at, expires_at, last_used_at, revoked_at, ended_at, contact_id, \
                       grant_version, portal_version";

/// The tokens of identity `owner` (every token when `None`), newest first. A token whose grant
/// ended since it was made is shown (and recorded) as ended.
#[instrument(skip_all)]
pub async fn list(
    store: &Store,
    db: &Db,
    owner: Option<UserId>,
    now: OffsetDateTime,
) -> Result<Vec<TokenInfo>, TokenAdminError> {
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
        let Some((mut info, bound)) = info_of(row, now)? else {
            continue;
        };
        if info.status == TokenStatus::Active
            && let Some(bound) = bound
            && token_grants::ended(store, &bound).await?
        {
            sqlx::query("UPDATE api_tokens SET ended_at = $1 WHERE credential_id = $2")
                .bind(millis(now))
                .bind(info.credential_id.to_string())
                .execute(db.pool())
                .await?;
            info.status = TokenStatus::Ended;
        }
        out.push(info);
    }
    Ok(out)
}

/// Revokes token `credential_id` (only a token of `owner` when given): false when it was revoked
/// already. `idempotency` is the key of the revoking form, so a resubmitted form records nothing
/// twice.
#[instrument(skip_all)]
pub async fn revoke(
    store: &Store,
    db: &Db,
    credential_id: ApiTokenId,
    owner: Option<UserId>,
    actor: Actor,
    idempotency: Option<Idempotency>,
    now: OffsetDateTime,
) -> Result<bool, TokenAdminError> {
    let row = sqlx::query("SELECT user_id FROM api_tokens WHERE credential_id = $1")
        .bind(credential_id.to_string())
        .fetch_optional(db.pool())
        .await?;
    let user: Option<String> = row.map(|r| r.try_get(0)).transpose()?;
    let user_id = user
        .and_then(|u| u.parse::<UserId>().ok())
        .filter(|u| owner.is_none_or(|o| o == *u))
        .ok_or(TokenAdminError::NotFound(credential_id))?;
    let changed = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE credential_id = $2 AND revoked_at IS NULL",
    )
    .bind(millis(now))
    .bind(credential_id.to_string())
    .execute(db.pool())
    .await?
    .rows_affected()
        == 1;
    let ctx = CommandContext {
        tenant: TenantId::identity(),
        metadata: Metadata::new(actor),
        idempotency,
    };
    let command = UserCommand::RevokeApiToken { credential_id };
    let stream = super::identity::stream_of(user_id);
    match execute::<User>(store, &stream, &ctx, &command).await {
        // A row without its `ApiTokenIssued` (written by hand): revoked, nothing to record.
        Ok(executed) => crate::consistency::record(executed.append.as_ref()),
        Err(ExecuteError::Rejected(DomainError::NotFound(_))) => {}
        Err(e) => return Err(e.into()),
    }
    info!(credential = %credential_id, changed, "api token revoked");
    Ok(changed)
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
    // Tokens of a customer without a recorded contact are checked at use (see `api_tokens`).
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
