//! Rows of the charges read model.

use crate::rows::{ColValue, Column, Row, Table};
use portal_domain::order::ChargeApproval;
use portal_domain::values::{Money, Name};
use portal_domain::{ChargeId, CustomerId, OrderId, TenantId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The approval state as stored in the `approval` column.
pub(crate) fn approval_str(a: ChargeApproval) -> &'static str {
    match a {
        ChargeApproval::ToRequest => "to_request",
        ChargeApproval::Requested => "requested",
        ChargeApproval::Approved => "approved",
        ChargeApproval::Rejected => "rejected",
    }
}

/// A charge on an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChargeRow {
    pub tenant: TenantId,
    pub charge_id: ChargeId,
    pub order_id: OrderId,
    /// `None` while the order is unknown to this read model.
    pub order_number: Option<String>,
    pub customer_id: Option<CustomerId>,
    pub description: Name,
    pub amount: Money,
    pub approval: ChargeApproval,
    /// The customer's comment on the decision.
    pub comment: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub added_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub requested_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    /// Log position of `ChargeAdded`: lists show charges in the order they were added.
    pub added_position: i64,
}

pub static CHARGES: Table = Table {
    name: "rm_charges",
    columns: &[
        Column::text("order_id").indexed(),
        Column::text("customer_id").indexed(),
        Column::text("approval").indexed(),
        Column::int("added_pos"),
    ],
    indexes: &[],
};

impl Row for ChargeRow {
    const TABLE: &'static Table = &CHARGES;
    fn tenant(&self) -> &TenantId {
        &self.tenant
    }
    fn key(&self) -> String {
        self.charge_id.to_string()
    }
    fn columns(&self) -> Vec<ColValue> {
        vec![
            self.order_id.to_string().into(),
            self.customer_id.map(|c| c.to_string()).into(),
            approval_str(self.approval).into(),
            self.added_position.into(),
        ]
    }
}

/// Index row: the order a charge belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeOrderRow {
    pub tenant: TenantId,
    pub order_id: OrderId,
    pub customer_id: CustomerId,
    pub number: String,
}

pub static CHARGE_ORDERS: Table = Table {
    name: "rm_charge_orders",
    columns: &[],
    indexes: &[],
};

impl Row for ChargeOrderRow {
    const TABLE: &'static Table = &CHARGE_ORDERS;
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
