//! Rows of the dashboards read model: counters and the tracking rows behind them.

use crate::models::common::{StatusCounts, day_key, partitioned_key};
use crate::rows::{ColValue, Column, Index, Row, Table};
use portal_domain::order::OrderStatus;
use portal_domain::values::serde_time;
use portal_domain::{ChargeId, ContactId, CustomerId, OrderId, TenantId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime};

/// Orders per status, keyed by the status's snake_case name.
pub type StatusTally = BTreeMap<String, i64>;

/// Adds `delta` to a status's count.
pub(crate) fn bump(tally: &mut StatusTally, status: OrderStatus, delta: i64) {
    *tally.entry(status.as_str().to_owned()).or_insert(0) += delta;
}

/// A tally as every status's count.
pub(crate) fn status_counts(tally: &StatusTally) -> StatusCounts {
    StatusCounts::from_fn(|s| tally.get(s.as_str()).copied().unwrap_or(0))
}

/// The counters of one customer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerCounters {
    pub orders_by_status: StatusTally,
    /// Delivered orders with a deadline (see the module docs).
    pub delivered: i64,
    pub delivered_on_time: i64,
    pub charges_awaiting_approval: i64,
}

impl CustomerCounters {
    pub(crate) fn add(&mut self, other: &CustomerCounters, sign: i64) {
        for (status, n) in &other.orders_by_status {
            *self.orders_by_status.entry(status.clone()).or_insert(0) += sign * n;
        }
        self.delivered += sign * other.delivered;
        self.delivered_on_time += sign * other.delivered_on_time;
        self.charges_awaiting_approval += sign * other.charges_awaiting_approval;
    }
}

/// One customer's counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerDashRow {
    pub tenant: TenantId,
    pub customer_id: CustomerId,
    pub counters: CustomerCounters,
    /// Tracked for the tenant's "customers with portal enabled".
    pub portal_enabled: bool,
    /// The partition whose events this row sums: a customer has a row per partition its
    /// streams fall in; `portal_enabled` is kept in the customer stream's own.
    #[serde(default)]
    pub partition: u16,
}

pub static DASH_CUSTOMERS: Table = Table {
    name: "rm_dash_customers",
    columns: &[],
    indexes: &[],
};

impl Row for CustomerDashRow {
    const TABLE: &'static Table = &DASH_CUSTOMERS;
    fn tenant(&self) -> &TenantId {
        &self.tenant
    }
    fn key(&self) -> String {
        partitioned_key(&self.customer_id.to_string(), self.partition)
    }
    fn columns(&self) -> Vec<ColValue> {
        Vec::new()
    }
}

/// The tenant's counters: never stored (a row every order event of the tenant updated would
/// serialise projectors), summed at read time from its customers' rows and its contacts'.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantDashRow {
    pub tenant: TenantId,
    pub counters: CustomerCounters,
    pub customers_with_portal: i64,
    pub active_portal_users: i64,
}

impl TenantDashRow {
    /// The sum of `customers`' counters, with `active_portal_users` counted apart.
    pub fn sum_of<'r>(
        tenant: &TenantId,
        customers: impl IntoIterator<Item = &'r CustomerDashRow>,
        active_portal_users: i64,
    ) -> Self {
        let mut row = Self {
            tenant: tenant.clone(),
            counters: CustomerCounters::default(),
            customers_with_portal: 0,
            active_portal_users,
        };
        for c in customers {
            row.counters.add(&c.counters, 1);
            row.customers_with_portal += i64::from(c.portal_enabled);
        }
        row.counters.orders_by_status.retain(|_, n| *n != 0);
        row
    }
}

/// Orders of one customer submitted on one UTC day (key `customer|YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerDayRow {
    pub tenant: TenantId,
    pub customer_id: CustomerId,
    #[serde(with = "serde_time::date")]
    pub date: Date,
    pub submitted: i64,
    /// Submitted by a portal user. (Absent in rows of version 1, which kept it per tenant.)
    #[serde(default)]
    pub via_portal: i64,
    /// The partition whose orders this row counts (see [`CustomerDashRow::partition`]).
    #[serde(default)]
    pub partition: u16,
}

impl CustomerDayRow {
    pub fn key_of(customer_id: CustomerId, date: Date) -> String {
        format!("{customer_id}|{}", day_key(date))
    }

    /// The key of the row of `partition`.
    pub fn key_in(customer_id: CustomerId, date: Date, partition: u16) -> String {
        partitioned_key(&Self::key_of(customer_id, date), partition)
    }
}

pub static DASH_CUSTOMER_DAYS: Table = Table {
    name: "rm_dash_customer_days",
    columns: &[
        Column::text("customer_id").indexed(),
        Column::text("day"),
        Column::int("submitted"),
        Column::int("via_portal"),
    ],
    // The tenant's per-day series sums the customers' rows of the window's days.
    indexes: &[Index::Btree(&["day"])],
};

impl Row for CustomerDayRow {
    const TABLE: &'static Table = &DASH_CUSTOMER_DAYS;
    fn tenant(&self) -> &TenantId {
        &self.tenant
    }
    fn key(&self) -> String {
        Self::key_in(self.customer_id, self.date, self.partition)
    }
    fn columns(&self) -> Vec<ColValue> {
        vec![
            self.customer_id.to_string().into(),
            day_key(self.date).into(),
            self.submitted.into(),
            self.via_portal.into(),
        ]
    }
}

/// What the counters already hold of one order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderTrackRow {
    pub tenant: TenantId,
    pub order_id: OrderId,
    pub customer_id: CustomerId,
    /// The status counted in `orders_by_status`.
    pub status: OrderStatus,
    /// Set once the submission is counted in the per-day rows.
    #[serde(with = "crate::models::common::opt_date", default)]
    pub submitted_day: Option<Date>,
    /// See the module docs.
    #[serde(with = "time::serde::rfc3339::option")]
    pub deadline: Option<OffsetDateTime>,
    /// Set once the delivery is counted.
    pub delivered_counted: bool,
    /// Charges counted as awaiting approval.
    pub awaiting: Vec<ChargeId>,
}

pub static DASH_ORDERS: Table = Table {
    name: "rm_dash_orders",
    columns: &[],
    indexes: &[],
};

impl Row for OrderTrackRow {
    const TABLE: &'static Table = &DASH_ORDERS;
    fn tenant(&self) -> &TenantId {
        &self.tenant
    }
    fn key(&self) -> String {
        self.order_id.to_string()
    }
    fn columns(&self) -> Vec<ColValue> {
        Vec::new()
    }
}

/// Whether a contact is counted as an active portal user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactTrackRow {
    pub tenant: TenantId,
    pub contact_id: ContactId,
    pub access: bool,
}

pub static DASH_CONTACTS: Table = Table {
    name: "rm_dash_contacts",
    // Counted at read time: the tenant's active portal users.
    columns: &[Column::bool("access").indexed()],
    indexes: &[],
};

impl Row for ContactTrackRow {
    const TABLE: &'static Table = &DASH_CONTACTS;
    fn tenant(&self) -> &TenantId {
        &self.tenant
    }
    fn key(&self) -> String {
        self.contact_id.to_string()
    }
    fn columns(&self) -> Vec<ColValue> {
        vec![self.access.into()]
    }
}
