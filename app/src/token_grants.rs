//! What a bearer token is bound to: the one grant it was made for, as the event log records it.
//!
//! A token acts for a staff membership (stream `tenant-<slug>`) or a contact's portal access
//! (stream `contact-<uuid>`, plus the customer's portal switch in `customer-<uuid>`). At creation
//! [`bind`] folds those streams and keeps their versions; the grant must be in force in the log
//! at those versions, not merely in a read model. At every use [`ended`] looks for an event after
//! those versions that ends the grant:
//! - staff: `StaffMemberRemoved` of the owner;
//! - portal: `ContactAccessRevoked`, `ContactRemoved`, a `ContactUpdated`/`ContactAccessGranted`
//!   that names another email (the access moved to another identity), `CustomerPortalDisabled`.
//!
//! Granting access again appends a new event but cannot remove the ending one, so an ended token
//! never comes back, whoever processes the revocation and however late. This is why the binding
//! is to stream versions rather than to a read-model row (which a re-grant rewrites) or to a
//! revocation pass of a projector or the notifier (which lags: between the re-grant reaching the
//! read models and the pass reaching the revocation, the old token would work again).
//!
//! Cost: the check reads the owner's one or two streams per bearer request (contact and customer
//! streams hold a handful of events; the tenant stream grows with staff changes). Callers record
//! the first ending they find (`ended_at`) so a dead token is refused without reading again.

use portal_domain::contact::{Contact, ContactEvent};
use portal_domain::customer::{Customer, CustomerEvent};
use portal_domain::tenant::{Tenant, TenantEvent};
use portal_domain::user::TokenScope;
use portal_domain::values::Email;
use portal_domain::{Aggregate, ContactId, CustomerId, DomainError, TenantId, UserId};
use portal_eventlog::executor::load;
use portal_eventlog::{ExecuteError, Store, StreamId};
pub use portal_identity::api_tokens::Bound;
use portal_projections::models::contacts;
use portal_projections::{QueryError, ReadDb};

/// The grant a new token is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub scope: TokenScope,
    /// The contact whose access a portal token uses.
    pub contact_id: Option<ContactId>,
    /// Version of the tenant stream (staff) or the contact stream (portal) seen at creation.
    pub grant_version: i64,
    /// Version of the customer stream seen at creation (portal tokens; 0 for staff).
    pub portal_version: i64,
}

/// Why [`bind`] could not read the grant.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("cannot read the read models: {0}")]
    Query(#[from] QueryError),
    #[error("cannot read the log: {0}")]
    Execute(#[from] ExecuteError),
}

/// The grant of `email` in `tenant` (staff without `customer`, else the portal access at
/// `customer`) as the log has it now; `None` when there is none in force.
pub async fn bind(
    store: &Store,
    read: &ReadDb,
    tenant: &TenantId,
    email: &Email,
    customer: Option<CustomerId>,
) -> Result<Option<Binding>, BindError> {
    let user_id = UserId::for_email(email);
    let Some(customer_id) = customer else {
        let (state, version, _) = load::<Tenant>(store, &StreamId::of::<Tenant>(tenant), tenant)
            .await
            .or_else(not_found_is_empty::<Tenant>)?;
        let staff = state.exists && state.staff.iter().any(|(u, _)| *u == user_id);
        return Ok(staff.then(|| Binding {
            scope: TokenScope::Staff {
                tenant: tenant.clone(),
            },
            contact_id: None,
            grant_version: version,
            portal_version: 0,
        }));
    };
    let (customer_state, portal_version, _) =
        load::<Customer>(store, &StreamId::of::<Customer>(customer_id), tenant)
            .await
            .or_else(not_found_is_empty::<Customer>)?;
    if !(customer_state.exists && customer_state.portal_enabled) {
        return Ok(None);
    }
    // The read model names the candidate contacts; the log decides whether access holds.
    let candidates = contacts::by_email(read, email)
        .await?
        .into_iter()
        .filter(|g| &g.tenant == tenant && g.customer_id == customer_id);
    for grant in candidates {
        let stream = StreamId::of::<Contact>(grant.contact_id);
        let (state, version, _) = load::<Contact>(store, &stream, tenant)
            .await
            .or_else(not_found_is_empty::<Contact>)?;
        let holds = state.exists
            && !state.removed
            && state.portal_access
            && state.email.as_ref() == Some(email)
            && state.customer_id == Some(customer_id);
        if holds {
            return Ok(Some(Binding {
                scope: TokenScope::Portal {
                    tenant: tenant.clone(),
                    customer_id,
                },
                contact_id: Some(grant.contact_id),
                grant_version: version,
                portal_version,
            }));
        }
    }
    Ok(None)
}

/// Whether the log holds, after the token's versions, an event that ended its grant.
pub async fn ended(store: &Store, bound: &Bound) -> Result<bool, ExecuteError> {
    let tenant = &bound.tenant;
    let Some((customer_id, contact_id)) = bound.portal else {
        let stream = StreamId::of::<Tenant>(tenant);
        let Some(history) = history::<Tenant>(store, &stream, tenant).await? else {
            return Ok(true);
        };
        return Ok(history.iter().any(|(version, e)| {
            *version > bound.grant_version
                && matches!(e, TenantEvent::StaffMemberRemoved { user_id } if *user_id == bound.owner)
        }));
    };
    let stream = StreamId::of::<Contact>(contact_id);
    let Some(contact) = history::<Contact>(store, &stream, tenant).await? else {
        return Ok(true);
    };
    let other = |email: &Email| UserId::for_email(email) != bound.owner;
    let contact_ended = contact.iter().any(|(version, e)| {
        *version > bound.grant_version
            && match e {
                ContactEvent::ContactAccessRevoked { .. } | ContactEvent::ContactRemoved { .. } => {
                    true
                }
                ContactEvent::ContactUpdated { email, .. }
                | ContactEvent::ContactAccessGranted { email, .. } => other(email),
                ContactEvent::ContactAdded { .. }
                | ContactEvent::ContactNotificationsChanged { .. } => false,
            }
    });
    if contact_ended {
        return Ok(true);
    }
    let stream = StreamId::of::<Customer>(customer_id);
    let Some(customer) = history::<Customer>(store, &stream, tenant).await? else {
        return Ok(true);
    };
    Ok(customer.iter().any(|(version, e)| {
        *version > bound.portal_version && matches!(e, CustomerEvent::CustomerPortalDisabled { .. })
    }))
}

/// The events of `stream` with their versions; `None` when the stream belongs to another tenant.
async fn history<A: Aggregate>(
    store: &Store,
    stream: &StreamId,
    tenant: &TenantId,
) -> Result<Option<Vec<(i64, A::Event)>>, ExecuteError> {
    match load::<A>(store, stream, tenant).await {
        Ok((_, _, history)) => Ok(Some(
            history.into_iter().map(|(r, e)| (r.version, e)).collect(),
        )),
        Err(ExecuteError::Rejected(DomainError::NotFound(_))) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A stream of another tenant reads as empty (no grant there).
#[allow(clippy::type_complexity)]
fn not_found_is_empty<A: Aggregate>(
    e: ExecuteError,
) -> Result<
    (
        A::State,
        i64,
        Vec<(portal_eventlog::RecordedEvent, A::Event)>,
    ),
    ExecuteError,
> {
    match e {
        ExecuteError::Rejected(DomainError::NotFound(_)) => Ok((A::State::default(), 0, vec![])),
        e => Err(e),
    }
}
