//! Bearer tokens for integrations (`portal token create`), table `api_tokens`.
//!
//! A token is issued to an identity for one scope: staff of a tenant, or a portal grant at one
//! customer. Only its SHA-256 is stored; the raw token is returned once. Every request made with
//! it checks again that the scope still holds ([`authenticate`]), so a token of a contact whose
//! access was revoked, or of a removed staff member, stops working at once.

use super::identity;
use super::scopes::portal_scope_of;
use super::session::ScopeRef;
use portal_domain::user::TokenScope;
use portal_domain::values::Email;
use portal_domain::{ApiTokenId, CustomerId, TenantId, UserId};
use portal_eventlog::{ExecuteError, Store};
use portal_notifier::Db;
use portal_notifier::db::millis;
use portal_notifier::secret::{hash_secret, looks_like_secret, new_secret};
use portal_projections::models::{contacts, staff};
use portal_projections::{QueryError, ReadDb};
use sqlx::Row as _;
use time::OffsetDateTime;
use uuid::Uuid;

/// A freshly issued token. `raw` is shown once and never stored.
#[derive(Debug, Clone)]
pub struct CreatedToken {
    pub raw: String,
    pub scope: TokenScope,
    pub credential_id: ApiTokenId,
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
    #[error("cannot read the read models: {0}")]
    Query(#[from] QueryError),
    #[error("cannot record the token's issue: {0}")]
    Execute(#[from] ExecuteError),
    #[error("cannot store the token: {0}")]
    Db(#[from] sqlx::Error),
}

/// Issues a token for `email` in `tenant`: staff scope without `customer`, else the portal scope
/// at `customer`. Refused for an email without that access. Registers the identity when needed
/// and records `ApiTokenIssued` (by the operator) without the token.
pub async fn create(
    store: &Store,
    read: &ReadDb,
    db: &Db,
    tenant: &TenantId,
    email: &Email,
    customer: Option<CustomerId>,
    now: OffsetDateTime,
) -> Result<CreatedToken, TokenCreateError> {
    let user_id = UserId::for_email(email);
    let scope = match customer {
        None => {
            if staff::get(read, tenant, user_id).await?.is_none() {
                return Err(TokenCreateError::NotStaff(tenant.clone()));
            }
            TokenScope::Staff {
                tenant: tenant.clone(),
            }
        }
        Some(customer) => {
            let granted = contacts::by_email(read, email)
                .await?
                .iter()
                .any(|g| &g.tenant == tenant && g.customer_id == customer);
            if !granted {
                return Err(TokenCreateError::NoPortalAccess {
                    tenant: tenant.clone(),
                    customer,
                });
            }
            TokenScope::Portal {
                tenant: tenant.clone(),
                customer_id: customer,
            }
        }
    };
    let credential_id = ApiTokenId(Uuid::now_v7());
    let raw = new_secret();
    sqlx::query(
        "INSERT INTO api_tokens (token_hash, credential_id, user_id, tenant, customer_id, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(hash_secret(&raw))
    .bind(credential_id.to_string())
    .bind(user_id.to_string())
    .bind(tenant.as_str())
    .bind(customer.map(|c| c.to_string()))
    .bind(millis(now))
    .execute(db.pool())
    .await?;
    // The row first, then the event: if recording fails, the token is withdrawn again.
    if let Err(e) = identity::record_api_token(store, email, credential_id, scope.clone()).await {
        let _ = sqlx::query("DELETE FROM api_tokens WHERE credential_id = $1")
            .bind(credential_id.to_string())
            .execute(db.pool())
            .await;
        return Err(e.into());
    }
    Ok(CreatedToken {
        raw,
        scope,
        credential_id,
    })
}

/// Revokes a token; false when there was no live token with that id.
pub async fn revoke(
    db: &Db,
    credential_id: ApiTokenId,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE credential_id = $2 AND revoked_at IS NULL",
    )
    .bind(millis(now))
    .bind(credential_id.to_string())
    .execute(db.pool())
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Who a bearer token acts as, if it is live and its scope still holds.
pub async fn authenticate(
    read: &ReadDb,
    db: &Db,
    raw: &str,
) -> Result<Option<(UserId, Email, ScopeRef)>, crate::error::AppError> {
    if !looks_like_secret(raw) {
        return Ok(None);
    }
    let row = sqlx::query(
        "SELECT user_id, tenant, customer_id FROM api_tokens \
         WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(hash_secret(raw))
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let user: String = row.try_get(0)?;
    let tenant: String = row.try_get(1)?;
    let customer: Option<String> = row.try_get(2)?;
    let (Ok(user_id), Ok(tenant)) = (user.parse::<UserId>(), TenantId::parse(&tenant)) else {
        return Ok(None);
    };
    match customer {
        None => Ok(staff::get(read, &tenant, user_id)
            .await?
            .map(|m| (user_id, m.email, ScopeRef::Staff { tenant }))),
        Some(c) => {
            let Ok(customer_id) = c.parse::<CustomerId>() else {
                return Ok(None);
            };
            Ok(portal_scope_of(read, &tenant, customer_id, user_id)
                .await?
                .map(|(scope, email)| (user_id, email, scope)))
        }
    }
}
