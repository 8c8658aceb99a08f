//! Locations: customers' address books and the carrier's locations with their portal
//! visibility.
//!
//! A portal user sees the customer's own locations and the carrier locations shared with it
//! (visibility *all portal customers*, or *this customer only* naming it); archived locations
//! are left out of [`for_customer`] (they cannot be used in new orders) but still found by
//! [`get`], flagged `archived`.
//!
//! Tables: `rm_locations`, and `rm_location_orders`, an index row per order with its customer, so
//! that every location row knows the customers whose orders (drafts included) refer to it: the
//! `used_by_customers` fact of `SetLocationVisibility`. The list only grows: a draft that stopped
//! referring to a location still counts, which errs on the safe side (narrowing is refused).

mod projection;
mod queries;
mod rows;

#[cfg(test)]
mod tests;

pub use projection::LocationsProjection;
pub use queries::{
    addresses_for, carrier_locations, customer_locations, for_customer, get, used_by_customers,
};
pub use rows::{LOCATION_ORDERS, LOCATIONS, LocationOrderRow, LocationRow};
