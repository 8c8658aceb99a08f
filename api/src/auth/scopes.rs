//! Which scopes an email may act in, and whether a scope still holds.
//!
//! An identity's scopes are its staff memberships and its effective portal grants (contact access
//! on, the customer's portal on, contact not removed), read from the read models at login, at the
//! switcher, and again on every request ([`still_effective`]): revoking a contact's access or
//! disabling its customer's portal ends the sessions acting in that scope at their next request.

use super::session::ScopeRef;
use portal_domain::UserId;
use portal_domain::values::Email;
use portal_projections::models::contacts;
use portal_projections::models::staff;
use portal_projections::{QueryError, ReadDb};

/// A scope with its label for the switcher ("Carrier — Customer", "Carrier — Staff").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeOption {
    pub scope: ScopeRef,
    pub carrier: String,
    /// The customer's name, or "Staff".
    pub role: String,
}

impl ScopeOption {
    pub fn label(&self) -> String {
        format!("{} — {}", self.carrier, self.role)
    }
}

/// Every scope of `email`: staff memberships first, then portal grants, each sorted by tenant.
/// Like the lookups it uses, the answer must only ever go to the holder of the email.
pub async fn scopes_of(read: &ReadDb, email: &Email) -> Result<Vec<ScopeOption>, QueryError> {
    let mut out = Vec::new();
    for m in staff::by_email(read, email).await? {
        out.push(ScopeOption {
            carrier: m.tenant_name.unwrap_or_else(|| m.tenant.to_string()),
            role: "Staff".to_owned(),
            scope: ScopeRef::Staff { tenant: m.tenant },
        });
    }
    for g in contacts::by_email(read, email).await? {
        out.push(ScopeOption {
            carrier: g.tenant_name.unwrap_or_else(|| g.tenant.to_string()),
            role: g.customer_name.unwrap_or_else(|| "Customer".to_owned()),
            scope: ScopeRef::Portal {
                tenant: g.tenant,
                customer_id: g.customer_id,
                contact_id: g.contact_id,
            },
        });
    }
    Ok(out)
}

/// Whether `email` (identity `user_id`) may still act in `scope`.
pub async fn still_effective(
    read: &ReadDb,
    user_id: UserId,
    email: &Email,
    scope: &ScopeRef,
) -> Result<bool, QueryError> {
    Ok(match scope {
        ScopeRef::Staff { tenant } => staff::get(read, tenant, user_id)
            .await?
            .is_some_and(|m| &m.email == email),
        ScopeRef::Portal {
            tenant,
            customer_id,
            contact_id,
        } => contacts::get(read, tenant, *contact_id)
            .await?
            .is_some_and(|c| {
                c.has_effective_access() && &c.email == email && c.customer_id == *customer_id
            }),
    })
}

/// The portal scope of identity `user_id` at `customer_id` of `tenant` (bearer tokens name the
/// identity and customer, not the contact): its contact there with effective access, if any.
pub async fn portal_scope_of(
    read: &ReadDb,
    tenant: &portal_domain::TenantId,
    customer_id: portal_domain::CustomerId,
    user_id: UserId,
) -> Result<Option<(ScopeRef, Email)>, QueryError> {
    let contacts = contacts::with_access(read, tenant, customer_id).await?;
    Ok(contacts
        .into_iter()
        .find(|c| c.has_effective_access() && UserId::for_email(&c.email) == user_id)
        .map(|c| {
            (
                ScopeRef::Portal {
                    tenant: tenant.clone(),
                    customer_id,
                    contact_id: c.contact_id,
                },
                c.email,
            )
        }))
}
