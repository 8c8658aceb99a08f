//! Customers: the staff's customers list view (with *Quick actions* over everything matching a
//! filter) and the customer profile with its Contacts panel.
//!
//! Tables: `rm_customers` (one row per customer, with the contact counts the list shows) and
//! `rm_customer_contacts` (one row per live contact, keyed by contact id, with its customer id).
//! Contact events carry their customer id, so the projection finds the customer row by key; the
//! counts move by the difference between the contact row before and after each event, which
//! keeps them exact. A removed contact's row is deleted.

mod projection;
mod queries;
mod rows;

#[cfg(test)]
mod tests;

pub use projection::CustomersProjection;
pub use queries::{
    CustomerFilter, CustomerProfile, all_ids_matching, contacts_of, get, list, profile,
};
pub use rows::{CUSTOMER_CONTACTS, CUSTOMERS, CustomerContactRow, CustomerRow};
