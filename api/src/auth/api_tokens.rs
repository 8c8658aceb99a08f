//! Bearer tokens for integrations (`portal token create`): issuing and checking them.
//!
//! A token is issued to an identity for one grant: a staff membership of a tenant, or a portal
//! grant at one customer ([`super::token_grants`] binds it to that grant's place in the log).
//! Its row (only its SHA-256, never the raw token, which is returned once) is kept by
//! [`portal_identity::api_tokens`]. Every request made with it ([`authenticate`]) checks that it
//! is neither revoked nor expired, that the scope still holds in the read models, and that its
//! grant has not ended since it was made: a token of a contact whose access was revoked, or of a
//! removed staff member, stops working for good, even when access is granted again later. The
//! row is read on every request (revocation and expiry are immediate); the scope and grant checks
//! are reused for a second per token ([`super::token_checks`]).

use super::identity;
use super::scopes::portal_scope_of;
use super::session::ScopeRef;
use super::token_checks::TokenChecks;
use super::token_grants::{self, BindError};
use crate::error::AppError;
use portal_domain::user::TokenScope;
use portal_domain::values::Email;
use portal_domain::{ApiTokenId, CustomerId, TenantId, UserId};
use portal_eventlog::{ExecuteError, Store};
use portal_identity::api_tokens::{self as stored, NewToken};
use portal_identity::secret::new_secret;
use portal_identity::{Db, IdentityError};
use portal_projections::ReadDb;
use portal_projections::models::{contacts, staff};
use time::OffsetDateTime;
use tracing::{info, instrument};
use uuid::Uuid;

/// The longest lifetime a token may be given.
pub const MAX_DAYS: u32 = 3650;
pub use portal_identity::api_tokens::{LAST_USE_EVERY_MS, PREFIX_CHARS};

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
    Db(#[from] IdentityError),
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
    stored::insert(
        db,
        &NewToken {
            raw: &raw,
            credential_id,
            email: &request.email,
            tenant,
            customer: request.customer,
            contact: binding.contact_id,
            name: request.name.clone(),
            grant_version: binding.grant_version,
            portal_version: binding.portal_version,
            created_at: now,
            expires_at,
        },
    )
    .await?;
    // The row first, then the event: if recording fails, the token is withdrawn again.
    let recorded =
        identity::record_api_token(store, &request.email, credential_id, binding.scope.clone())
            .await;
    if let Err(e) = recorded {
        let _ = stored::delete(db, credential_id).await;
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

/// Who a bearer token acts as, if it is live and its grant still holds.
#[instrument(skip_all)]
pub async fn authenticate(
    store: &Store,
    read: &ReadDb,
    db: &Db,
    checks: &TokenChecks,
    raw: &str,
    now: OffsetDateTime,
) -> Result<Option<(UserId, Email, ScopeRef)>, AppError> {
    let Some(mut live) = stored::find_live(db, raw, now).await? else {
        return Ok(None);
    };
    let started = std::time::Instant::now();
    if let Some(verdict) = checks.get(&live.credential_id, started) {
        stored::record_use(db, &live, now).await?;
        return Ok(Some(verdict));
    }
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
        checks.forget(&live.credential_id);
        stored::mark_ended(db, &live.credential_id, now).await?;
        info!(credential = %live.credential_id, "api token refused: its grant ended");
        return Ok(None);
    }
    stored::record_use(db, &live, now).await?;
    let verdict = (user_id, email, scope);
    checks.passed(live.credential_id.clone(), started, verdict.clone());
    Ok(Some(verdict))
}
