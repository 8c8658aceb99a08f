//! The portal users' use cases: drafts and submission of orders ([`drafts`]), the address book
//! ([`address_book`]), decisions on charges ([`approvals`]), the user's printer configuration
//! ([`printer`]) and the printable documents of an order ([`documents`]). They follow the conventions of [`crate::services`], with the portal's scope in
//! place of the staff check:
//! - **Portal users only.** [`portal_only`] turns a staff caller away with 404 (these paths act
//!   for one customer, which staff do not have) and yields the customer and contact of the
//!   session's scope.
//! - **Customer scope.** A stream of another customer (or tenant) is [`AppError::NotFound`],
//!   exactly like an unknown id: one customer's users learn nothing about another's ids.

pub mod address_book;
pub mod approvals;
pub mod checks;
pub mod documents;
pub mod drafts;
pub mod printer;

use crate::auth::Caller;
use crate::auth::session::ScopeRef;
use crate::error::AppError;
use portal_domain::{ContactId, CustomerId};

/// The customer and contact a portal user acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortalUser {
    pub customer_id: CustomerId,
    pub contact_id: ContactId,
}

/// The caller's portal scope, or 404 for staff.
pub fn portal_only(caller: &Caller) -> Result<PortalUser, AppError> {
    match &caller.scope {
        ScopeRef::Portal {
            customer_id,
            contact_id,
            ..
        } => Ok(PortalUser {
            customer_id: *customer_id,
            contact_id: *contact_id,
        }),
        ScopeRef::Staff { .. } => Err(AppError::NotFound),
    }
}
