//! Events of an order. Timestamps are RFC 3339 strings in UTC.

use super::decide::{MAX_COMMENT, MAX_NUMBER, MAX_REASON};
use crate::DomainEvent;
use crate::ids::{ChargeId, CustomerId, OrderId};
use crate::values::{DraftContent, Money, Name, OrderContent};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", content = "data", rename_all_fields = "snake_case")]
pub enum OrderEvent {
    OrderDraftCreated {
        order_id: OrderId,
        customer_id: CustomerId,
        #[schemars(length(min = 1, max = MAX_NUMBER))]
        number: String,
        /// The draft as filled in so far: gaps are possible, what is present is well-formed.
        /// Complete content has exactly the form of `OrderSubmitted`'s.
        content: DraftContent,
    },
    OrderDraftUpdated {
        order_id: OrderId,
        /// As in `OrderDraftCreated`.
        content: DraftContent,
    },
    /// `content` is the draft with the locations' addresses copied into its stops: the order as
    /// the carrier received it, never rewritten afterwards.
    OrderSubmitted {
        order_id: OrderId,
        content: OrderContent,
        #[serde(with = "time::serde::rfc3339")]
        #[schemars(schema_with = "crate::schema::date_time_schema")]
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
        /// May span several lines.
        #[schemars(length(min = 1, max = MAX_REASON))]
        reason: String,
    },
    OrderPlanned {
        order_id: OrderId,
        #[serde(with = "time::serde::rfc3339")]
        #[schemars(schema_with = "crate::schema::date_time_schema")]
        planned_at: OffsetDateTime,
    },
    OrderInTransit {
        order_id: OrderId,
        #[serde(with = "time::serde::rfc3339")]
        #[schemars(schema_with = "crate::schema::date_time_schema")]
        in_transit_at: OffsetDateTime,
    },
    OrderDelivered {
        order_id: OrderId,
        #[serde(with = "time::serde::rfc3339")]
        #[schemars(schema_with = "crate::schema::date_time_schema")]
        delivered_at: OffsetDateTime,
    },
    OrderCancelled {
        order_id: OrderId,
        /// May span several lines.
        #[schemars(length(min = 1, max = MAX_REASON))]
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
        /// The customer's comment on their decision; may span several lines.
        #[schemars(length(min = 1, max = MAX_COMMENT))]
        comment: Option<String>,
    },
    ChargeRejected {
        order_id: OrderId,
        charge_id: ChargeId,
        /// The customer's comment on their decision; may span several lines.
        #[schemars(length(min = 1, max = MAX_COMMENT))]
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
