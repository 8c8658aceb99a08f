//! Events of an order. Timestamps are RFC 3339 strings in UTC.

use crate::DomainEvent;
use crate::ids::{ChargeId, CustomerId, OrderId};
use crate::values::{Money, Name, OrderContent};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all_fields = "snake_case")]
pub enum OrderEvent {
    OrderDraftCreated {
        order_id: OrderId,
        customer_id: CustomerId,
        number: String,
        content: OrderContent,
    },
    OrderDraftUpdated {
        order_id: OrderId,
        content: OrderContent,
    },
    /// `content` is the draft with the locations' addresses copied into its stops: the order as
    /// the carrier received it, never rewritten afterwards.
    OrderSubmitted {
        order_id: OrderId,
        content: OrderContent,
        #[serde(with = "time::serde::rfc3339")]
        submitted_at: OffsetDateTime,
    },
    OrderDraftCancelled {
        order_id: OrderId,
    },
    OrderAccepted {
        order_id: OrderId,
    },
    OrderRejected {
        order_id: OrderId,
        reason: String,
    },
    OrderPlanned {
        order_id: OrderId,
        #[serde(with = "time::serde::rfc3339")]
        planned_at: OffsetDateTime,
    },
    OrderInTransit {
        order_id: OrderId,
        #[serde(with = "time::serde::rfc3339")]
        in_transit_at: OffsetDateTime,
    },
    OrderDelivered {
        order_id: OrderId,
        #[serde(with = "time::serde::rfc3339")]
        delivered_at: OffsetDateTime,
    },
    OrderCancelled {
        order_id: OrderId,
        reason: String,
    },
    /// A new charge starts as "to request"; `ChargeApprovalRequested` may follow at once.
    ChargeAdded {
        order_id: OrderId,
        charge_id: ChargeId,
        description: Name,
        amount: Money,
    },
    ChargeApprovalRequested {
        order_id: OrderId,
        charge_id: ChargeId,
    },
    ChargeApproved {
        order_id: OrderId,
        charge_id: ChargeId,
        comment: Option<String>,
    },
    ChargeRejected {
        order_id: OrderId,
        charge_id: ChargeId,
        comment: Option<String>,
    },
}

impl DomainEvent for OrderEvent {
    const TYPES: &'static [&'static str] = &[
        "OrderDraftCreated",
        "OrderDraftUpdated",
        "OrderSubmitted",
        "OrderDraftCancelled",
        "OrderAccepted",
        "OrderRejected",
        "OrderPlanned",
        "OrderInTransit",
        "OrderDelivered",
        "OrderCancelled",
        "ChargeAdded",
        "ChargeApprovalRequested",
        "ChargeApproved",
        "ChargeRejected",
    ];

    fn event_type(&self) -> &'static str {
        match self {
            Self::OrderDraftCreated { .. } => "OrderDraftCreated",
            Self::OrderDraftUpdated { .. } => "OrderDraftUpdated",
            Self::OrderSubmitted { .. } => "OrderSubmitted",
            Self::OrderDraftCancelled { .. } => "OrderDraftCancelled",
            Self::OrderAccepted { .. } => "OrderAccepted",
            Self::OrderRejected { .. } => "OrderRejected",
            Self::OrderPlanned { .. } => "OrderPlanned",
            Self::OrderInTransit { .. } => "OrderInTransit",
            Self::OrderDelivered { .. } => "OrderDelivered",
            Self::OrderCancelled { .. } => "OrderCancelled",
            Self::ChargeAdded { .. } => "ChargeAdded",
            Self::ChargeApprovalRequested { .. } => "ChargeApprovalRequested",
            Self::ChargeApproved { .. } => "ChargeApproved",
            Self::ChargeRejected { .. } => "ChargeRejected",
        }
    }
}
