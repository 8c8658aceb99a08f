//! Dashboards: the key figures of a customer (portal) and of the whole tenant (staff).
//!
//! Per customer: orders per status, orders submitted per day, the on-time delivery share, and the
//! charges awaiting approval. Per tenant: the same over every customer, plus customers with the
//! portal enabled, active portal users, and orders submitted via the portal per day.
//!
//! Counters are rows (`rm_dash_customers`, per-day rows keyed `customer|YYYY-MM-DD`) so that a
//! dashboard reads a few rows instead of scanning orders. The tenant's figures are not stored:
//! a tenant-wide row would be updated by every order event of the tenant and serialise the
//! projectors; they are summed at read time over the customers' rows (one per customer), the
//! customers' day rows of the window (`(tenant, day)` index) and the contacts with access. They stay exactly derived from the events through *tracking rows*, one per
//! order and per contact, that remember what has been counted: a counter only moves when the
//! tracked state changes (an order's status moves from A to B: A −1, B +1; a charge enters or
//! leaves the awaiting set; a submission is counted once per order), so replaying an event the
//! state already reflects changes nothing.
//!
//! Definitions:
//! - *Orders per day*: orders by the UTC day of their submission (`submitted_at` of
//!   `OrderSubmitted`); drafts are not counted. *Via the portal*: submitted by a
//!   `PortalUser` actor.
//! - *On time*: an order is delivered on time when `delivered_at` (to the minute, UTC) is on or
//!   before its deadline: the latest delivery stop of the submitted content, at the end of its
//!   time window, or at 23:59 of its date without a window. Stop dates and times carry no time
//!   zone in the domain; they are read as UTC. The share is on-time / delivered over all
//!   delivered orders, `None` before the first delivery.
//! - *Active portal users*: contacts whose portal access is on (the domain revokes access when a
//!   customer's portal is disabled).
//!
//! The window of the per-day series is chosen by the query (`today` is a parameter), never by
//! the projection.

mod projection;
mod queries;
mod rows;

#[cfg(test)]
mod tests;

pub use projection::{DashboardsProjection, deadline_of, is_on_time};
pub use queries::{
    CustomerDashboard, Dashboard, DayCount, OnTimeDelivery, TenantDashboard, WINDOW_DAYS, customer,
    for_scope, tenant,
};
pub use rows::{
    ContactTrackRow, CustomerDashRow, CustomerDayRow, DASH_CONTACTS, DASH_CUSTOMER_DAYS,
    DASH_CUSTOMERS, DASH_ORDERS, OrderTrackRow, TenantDashRow,
};
