//! The portal users' use cases: drafts and submission of orders ([`drafts`]), the address book
//! ([`address_book`]), decisions on charges ([`approvals`]), the user's printer configuration
//! ([`printer`]) and the printable documents of an order ([`documents`]). They follow the
//! conventions of the crate (see its docs), with the portal's scope in place of the staff check:
//! - **Portal users only.** [`portal_only`] turns a staff principal away as not found (these paths
//!   act for one customer, which staff do not have) and yields the customer and contact of the
//!   principal's scope.
//! - **Customer scope.** A stream of another customer (or tenant) is [`crate::Error::NotFound`],
//!   exactly like an unknown id: one customer's users learn nothing about another's ids.

pub mod address_book;
pub mod approvals;
pub mod checks;
pub mod documents;
pub mod drafts;
pub mod notifications;
pub mod printer;

use crate::access::{PortalUser, portal_only};
