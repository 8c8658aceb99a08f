//! Orders: the order lists (portal: the customer's orders by status tab; staff: the inbox of
//! submitted orders), the counts of the status tabs, and the order detail with its stops, goods,
//! status history and charges.
//!
//! Tables: `rm_orders`, the summary a list shows (no amounts of money), and `rm_order_details`,
//! the rest of the detail: the order's content (as submitted, once submitted), the status history
//! with timestamps and the kind of actor, reasons, and the charges. Amounts of money appear only
//! in the detail's `charges` field, so the API can leave it out for customers that do not see
//! charges. `rm_order_counts` holds the orders per status and origin, per customer and for the
//! tenant (see [`counts`]): the status tabs and the totals of lists without a search.
//!
//! Lists are sorted newest first by log position (the order's creation for [`list`], its
//! submission for [`inbox`]): positions are unique and increase along the log, so the order is
//! total and stable, unlike timestamps.

mod counts;
mod projection;
mod queries;
mod rows;

#[cfg(test)]
mod tests;

pub use counts::{ORDER_COUNTS, OrderCountsRow, counts_by_status};
pub use projection::OrdersProjection;
pub(crate) use projection::{order_id_of, status_change};
pub use queries::{
    OrderDetail, OrderFilter, OrderListItem, get, inbox, inbox_counts, list, with_reference,
};
pub use rows::{
    ORDER_DETAILS, ORDERS, OrderCharge, OrderDetailRow, OrderRow, StatusChange, StopSummary,
    reference_key,
};
