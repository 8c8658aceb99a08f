//! Shared test data for the order tests.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::ids::LocationId;
use crate::testkit::{content, draft, id};
use crate::values::Currency;
use time::macros::datetime;

pub fn order_id() -> OrderId {
    id(100)
}

pub fn customer_id() -> CustomerId {
    id(1)
}

pub fn depot() -> LocationId {
    id(50)
}

pub fn charge_id(n: u128) -> ChargeId {
    id(200 + n)
}

pub fn submitted_at() -> OffsetDateTime {
    datetime!(2025-06-01 10:00 UTC)
}

pub fn later() -> OffsetDateTime {
    datetime!(2025-06-02 08:30 UTC)
}

pub fn name(s: &str) -> Name {
    Name::parse(s).unwrap()
}

pub fn eur(amount_minor: i64) -> Money {
    Money::new(amount_minor, Currency::parse("EUR").unwrap()).unwrap()
}

pub fn draft_created() -> OrderEvent {
    OrderEvent::OrderDraftCreated {
        order_id: order_id(),
        customer_id: customer_id(),
        number: "ORD-2025-0001".into(),
        content: draft("PO-1"),
    }
}

pub fn submitted() -> OrderEvent {
    OrderEvent::OrderSubmitted {
        order_id: order_id(),
        content: content("PO-1"),
        submitted_at: submitted_at(),
    }
}

pub fn accepted() -> OrderEvent {
    OrderEvent::OrderAccepted {
        order_id: order_id(),
    }
}

pub fn planned() -> OrderEvent {
    OrderEvent::OrderPlanned {
        order_id: order_id(),
        planned_at: later(),
    }
}

pub fn in_transit() -> OrderEvent {
    OrderEvent::OrderInTransit {
        order_id: order_id(),
        in_transit_at: later(),
    }
}

pub fn delivered() -> OrderEvent {
    OrderEvent::OrderDelivered {
        order_id: order_id(),
        delivered_at: later(),
    }
}

pub fn rejected() -> OrderEvent {
    OrderEvent::OrderRejected {
        order_id: order_id(),
        reason: "No capacity".into(),
    }
}

pub fn cancelled() -> OrderEvent {
    OrderEvent::OrderCancelled {
        order_id: order_id(),
        reason: "Customer called".into(),
    }
}

pub fn draft_cancelled() -> OrderEvent {
    OrderEvent::OrderDraftCancelled {
        order_id: order_id(),
    }
}

/// The history of an order that reached `status` the usual way.
pub fn history(status: OrderStatus) -> Vec<OrderEvent> {
    use OrderStatus::*;
    let mut h = vec![draft_created()];
    let path: &[OrderEvent] = match status {
        Draft => &[],
        Submitted => &[submitted()],
        Accepted => &[submitted(), accepted()],
        Rejected => &[submitted(), rejected()],
        Planned => &[submitted(), accepted(), planned()],
        InTransit => &[submitted(), accepted(), planned(), in_transit()],
        Delivered => &[
            submitted(),
            accepted(),
            planned(),
            in_transit(),
            delivered(),
        ],
        Cancelled => &[submitted(), cancelled()],
    };
    h.extend_from_slice(path);
    h
}

pub fn charge_added(n: u128) -> OrderEvent {
    OrderEvent::ChargeAdded {
        order_id: order_id(),
        charge_id: charge_id(n),
        description: name("Waiting time"),
        amount: eur(4500),
    }
}

pub fn approval_requested(n: u128) -> OrderEvent {
    OrderEvent::ChargeApprovalRequested {
        order_id: order_id(),
        charge_id: charge_id(n),
    }
}
