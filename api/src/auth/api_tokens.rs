//! Bearer tokens for integrations (`portal token create`), table `api_tokens`.
//!
//! A token is issued to an identity for one grant: a staff membership of a tenant, or a portal
//! grant at one customer ([`super::token_grants`] binds it to that grant's place in the log).
//! Only its SHA-256 is stored; the raw token is returned once. Every request made with it
//! ([`authenticate`]) checks that it is neither revoked nor expired, that the scope still holds in
//! the read models, and that its grant has not ended since it was made: a token of a contact
//! whose access was revoked, or of a removed staff member, stops working at once and for good,
//! even when access is granted again later.
//!
//! Last use is recorded at most once a minute per token ([`LAST_USE_EVERY_MS`]), by a
//! conditional UPDATE, so a busy integration does not write on every request.

use super::identity;
use super::scopes::portal_scope_of;
use super::session::ScopeRef;
use super::token_grants::{self, BindError, Bound};
use crate::error::AppError;
use portal_domain::user::TokenScope;
use portal_domain::values::Email;
use portal_domain::{ApiTokenId, ContactId, CustomerId, TenantId, UserId};
use portal_eventlog::{ExecuteError, Store};
use portal_notifier::Db;
use portal_notifier::db::millis;
use portal_notifier::secret::{hash_secret, looks_like_secret, new_secret};
use portal_projections::ReadDb;
use portal_projections::models::{contacts, staff};
use sqlx::Row as _;
use time::OffsetDateTime;
use tracing::{info, instrument};
use uuid::Uuid;

/// The longest lifetime a token may be given.
pub const MAX_DAYS: u32 = 3650;
/// How many characters of the raw token are kept to recognise it in lists.
pub const PREFIX_CHARS: usize = 6;
/// Last use is written when the recorded one is at least this old.
pub const LAST_USE_EVERY_MS: i64 = 60_000;

/// What to issue.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub tenant: TenantId,
    pub email: Email,
    /// The customer of a portal user's token; `None` for staff.
    pub customer: Option<CustomerId>,
    /// A label for lists (what the integration is).
    pub name: Option<String>,
    /// Lifetime in days, 1 to [`MAX_DAYS`].
    pub expires_in_days: u32,
}

/// A freshly issued token. `raw` is shown once and never stored.
#[derive(Debug, Clone)]
pub struct CreatedToken {
    pub raw: String,
    pub scope: TokenScope,
    pub credential_id: ApiTokenId,
    pub expires_at: OffsetDateTime,
}

/// Why no token was issued.
#[derive(Debug, thiserror::Error)]
pub enum TokenCreateError {
    #[error(
        "this email is not a staff member of tenant {0}: add it with `portal staff add` first, or \
         pass --customer for a portal user's token"
    )]
    NotStaff(TenantId),
    #[error(
        "this email has no portal access at customer {customer} of tenant {tenant}: the contact \
         needs portal access and the customer's portal must be enabled"
    )]
    NoPortalAccess {
        tenant: TenantId,
        customer: CustomerId,
    },
    #[error("the lifetime must be 1 to {MAX_DAYS} days")]
    Lifetime,
    #[error("{0}")]
    Bind(#[from] BindError),
    #[error("cannot record the token's issue: {0}")]
    Execute(#[from] ExecuteError),
    #[error("cannot store the token: {0}")]
    Db(#[from] sqlx::Error),
}

/// Issues a token for `request.email` in `request.tenant`: staff scope without a customer, else
/// the portal scope at that customer. Refused for an email without that access in the log.
/// Records `ApiTokenIssued` (by the operator) without the token.
#[instrument(skip_all)]
pub async fn create(
    store: &Store,
    read: &ReadDb,
    db: &Db,
    request: &TokenRequest,
    now: OffsetDateTime,
) -> Result<CreatedToken, TokenCreateError> {
    if !(1..=MAX_DAYS).contains(&request.expires_in_days) {
        return Err(TokenCreateError::Lifetime);
    }
    let tenant = &request.tenant;
    let binding = token_grants::bind(store, read, tenant, &request.email, request.customer)
        .await?
        .ok_or_else(|| match request.customer {
            None => TokenCreateError::NotStaff(tenant.clone()),
            Some(customer) => TokenCreateError::NoPortalAccess {
                tenant: tenant.clone(),
                customer,
            },
        })?;
    let credential_id = ApiTokenId(Uuid::now_v7());
    let raw = new_secret();
    let expires_at = now + time::Duration::days(i64::from(request.expires_in_days));
    sqlx::query(
        "INSERT INTO api_tokens (token_hash, credential_id, user_id, tenant, customer_id, \
         created_at, name, email, prefix, contact_id, grant_version, portal_version, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(hash_secret(&raw))
    .bind(credential_id.to_string())
    .bind(UserId::for_email(&request.email).to_string())
    .bind(tenant.as_str())
    .bind(request.customer.map(|c| c.to_string()))
    .bind(millis(now))
    .bind(request.name.clone())
    .bind(request.email.as_str())
    .bind(raw.chars().take(PREFIX_CHARS).collect::<String>())
    .bind(binding.contact_id.map(|c| c.to_string()))
    .bind(binding.grant_version)
    .bind(binding.portal_version)
    .bind(millis(expires_at))
    .execute(db.pool())
    .await?;
    // The row first, then the event: if recording fails, the token is withdrawn again.
    let recorded =
        identity::record_api_token(store, &request.email, credential_id, binding.scope.clone())
            .await;
    if let Err(e) = recorded {
        let _ = sqlx::query("DELETE FROM api_tokens WHERE credential_id = $1")
            .bind(credential_id.to_string())
            .execute(db.pool())
            .await;
        return Err(e.into());
    }
    info!(credential = %credential_id, "api token issued");
    Ok(CreatedToken {
        raw,
        scope: binding.scope,
        credential_id,
        expires_at,
    })
}

/// A stored token as [`authenticate`] reads it.
struct Live {
    credential_id: String,
    bound: Bound,
    /// A portal token row without a contact (rows older than the column): the contact is found
    /// by identity and customer.
    legacy_portal: Option<CustomerId>,
    last_used_at: Option<i64>,
}

/// Who a bearer token acts as, if it is live and its grant still holds.
#[instrument(skip_all)]
pub async fn authenticate(
    store: &Store,
    read: &ReadDb,
    db: &Db,
    raw: &str,
    now: OffsetDateTime,
) -> Result<Option<(UserId, Email, ScopeRef)>, AppError> {
    if !looks_like_secret(raw) {
        return Ok(None);
    }
    let now_ms = millis(now);
    let row = sqlx::query(
        "SELECT credential_id, user_id, tenant, customer_id, contact_id, grant_version, \
         portal_version, last_used_at FROM api_tokens \
         WHERE token_hash = $1 AND revoked_at IS NULL AND ended_at IS NULL \
         AND (expires_at IS NULL OR expires_at > $2)",
    )
    .bind(hash_secret(raw))
    .bind(now_ms)
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let Some(mut live) = live_of(&row)? else {
        return Ok(None);
    };
    let user_id = live.bound.owner;
    let tenant = live.bound.tenant.clone();
    // The read models first: the scope must hold now (and they give the email).
    let found = match (live.bound.portal, live.legacy_portal) {
        (None, None) => staff::get(read, &tenant, user_id)
            .await?
            .map(|m| (m.email, ScopeRef::Staff { tenant })),
        (Some((_, contact_id)), _) => contacts::get(read, &tenant, contact_id)
            .await?
            .filter(|c| c.has_effective_access() && UserId::for_email(&c.email) == user_id)
            .map(|c| {
                let scope = ScopeRef::Portal {
                    tenant,
                    customer_id: c.customer_id,
                    contact_id,
                };
                (c.email, scope)
            }),
        (None, Some(customer_id)) => portal_scope_of(read, &tenant, customer_id, user_id)
            .await?
            .map(|(scope, email)| {
                if let ScopeRef::Portal { contact_id, .. } = &scope {
                    live.bound.portal = Some((customer_id, *contact_id));
                }
                (email, scope)
            }),
    };
    let Some((email, scope)) = found else {
        return Ok(None);
    };
    // Then the log: an end of the grant after the token was made kills it for good.
    if token_grants::ended(store, &live.bound).await? {
        sqlx::query("UPDATE api_tokens SET ended_at = $1 WHERE credential_id = $2")
            .bind(now_ms)
            .bind(&live.credential_id)
            .execute(db.pool())
            .await?;
        info!(credential = %live.credential_id, "api token refused: its grant ended");
        return Ok(None);
    }
    if live
        .last_used_at
        .is_none_or(|at| now_ms - at >= LAST_USE_EVERY_MS)
    {
        record_use(db, &live.credential_id, now_ms).await?;
    }
    Ok(Some((user_id, email, scope)))
}

/// Records a use, unless another request recorded one within the last minute.
async fn record_use(db: &Db, credential_id: &str, now_ms: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE api_tokens SET last_used_at = $1 WHERE credential_id = $2 \
         AND (last_used_at IS NULL OR last_used_at <= $3)",
    )
    .bind(now_ms)
    .bind(credential_id)
    .bind(now_ms - LAST_USE_EVERY_MS)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Reads the columns of [`authenticate`]'s query; `None` for a row this build cannot read.
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
