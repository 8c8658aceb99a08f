//! The read models of the portal: one module per read model, each with its rows (typed
//! [`crate::Row`]s), its projection and its tenant-scoped query functions.
//!
//! | module | projection | tables | serves |
//! |---|---|---|---|
//! | [`tenants`] | `tenants` | `rm_tenants` | the carrier's name for emails and headers, its time zone |
//! | [`staff`] | `staff` | `rm_staff` | login lookup of staff by email, staff scope checks |
//! | [`customers`] | `customers` | `rm_customers`, `rm_customer_contacts` | customers list view, quick actions, profile with contacts |
//! | [`contacts`] | `contacts` | `rm_contacts`, `rm_contact_customers` | contacts list view, login lookup by email |
//! | [`orders`] | `orders` | `rm_orders`, `rm_order_details` | order lists, status tabs, staff inbox, order detail |
//! | [`locations`] | `locations` | `rm_locations`, `rm_location_orders` | address book, carrier locations |
//! | [`charges`] | `charges` | `rm_charges`, `rm_charge_orders` | charges to approve, charges of an order |
//! | [`printers`] | `printer_configs` | `rm_printer_configs` | printer configuration of a customer |
//! | [`dashboards`] | `dashboards` | `rm_dash_*` | customer and tenant dashboards |
//! | [`audit`] | `audit_streams` | `rm_audit_streams` | audit index: one row per stream |
//! | [`user_prefs`] | `user_preferences` | `rm_user_preferences` | a login identity's own time zone |
//! | [`people`] | `people` | `rm_people` | who an actor id stands for (names in histories), kept after removal |
//!
//! Rules every projection here follows (see [`crate::Projection`]):
//! - a projection reads and writes only its own tables. Whatever it needs from another
//!   aggregate (a customer's name for the contacts list, an order's number for its charges) it
//!   keeps in its own rows, often an *index row* keyed by the other aggregate's id;
//! - events are checked before anything is written, so a failing event leaves no half-applied
//!   change behind (rebuilds have no per-event undo);
//! - an event of the projection's own stream whose row is missing (its creation was
//!   dead-lettered) fails with a clear [`crate::ApplyError::Event`]; an event that merely *refers*
//!   to another aggregate the projection does not know is applied with what is known.
//!
//! Queries take the [`crate::ReadDb`] and the caller's tenant, and for portal users the customer
//! ([`Scope`]), both taken from the session. A few queries join a table of another projection
//! (orders list ⋈ customers for the customer's name, login lookup ⋈ tenants for the carrier's
//! name): the projections of [`all`] are always installed together.

pub mod audit;
pub mod charges;
pub mod common;
pub mod contacts;
pub mod customers;
pub mod dashboards;
pub mod locations;
pub mod orders;
pub mod paging;
pub mod people;
pub mod printers;
pub(crate) mod sql;
pub mod staff;
pub mod tenants;
pub mod user_prefs;

#[cfg(test)]
pub(crate) mod testkit;

pub use common::{ActorKind, Scope, StatusCount, StatusCounts};
pub use paging::{Page, Paged};

use crate::Projection;
use std::sync::Arc;

/// Every projection of the portal, in a stable order.
pub fn all() -> Vec<Arc<dyn Projection>> {
    vec![
        Arc::new(tenants::TenantsProjection),
        Arc::new(staff::StaffProjection),
        Arc::new(customers::CustomersProjection),
        Arc::new(contacts::ContactsProjection),
        Arc::new(orders::OrdersProjection),
        Arc::new(locations::LocationsProjection),
        Arc::new(charges::ChargesProjection),
        Arc::new(printers::PrinterConfigsProjection),
        Arc::new(dashboards::DashboardsProjection),
        Arc::new(audit::AuditProjection),
        Arc::new(user_prefs::UserPrefsProjection),
        Arc::new(people::PeopleProjection),
    ]
}
