//! Contacts: the tenant's contacts list view (`GET /api/v1/contacts`), one contact, and the login
//! lookup of the portal grants of an email.
//!
//! Tables: `rm_contacts` (one row per contact, removed ones kept with status `removed`) and
//! `rm_contact_customers`, an index row per customer with the name and portal switch the contact
//! rows copy and the ids of its contacts, so that a customer rename or portal switch reaches
//! every contact row by key.
//!
//! Effective portal access: a contact's access counts only while its customer's portal is
//! enabled too (see `portal_domain::customer`), so rows carry both flags and [`by_email`] returns
//! only grants where both hold.

mod projection;
mod queries;
mod rows;

#[cfg(test)]
mod tests;

pub use projection::ContactsProjection;
pub use queries::{ContactFilter, PortalGrant, by_email, email_in_use, get, list, with_access};
pub use rows::{CONTACT_CUSTOMERS, CONTACTS, ContactCustomerRow, ContactRow, ContactStatus};
