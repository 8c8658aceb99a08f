//! Charges: one row per charge on an order, with its amount and approval state; serves the list
//! of charges awaiting the customer's approval (per tenant for staff, per customer on the portal)
//! and the charges of one order (`GET /api/v1/orders/{id}/charges`).
//!
//! Every row here holds an amount of money: callers show them to portal users only where the
//! customer has *Show charges on customer portal*.
//!
//! Tables: `rm_charges`, and `rm_charge_orders`, an index row per order with the customer and
//! number that the charge events (which carry only the order id) need.

mod projection;
mod queries;
mod rows;

#[cfg(test)]
mod tests;

pub use projection::ChargesProjection;
pub use queries::{awaiting_approval, count_awaiting, for_order, get};
pub use rows::{CHARGE_ORDERS, CHARGES, ChargeOrderRow, ChargeRow};
