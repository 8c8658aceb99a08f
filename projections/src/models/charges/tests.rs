//! Tests of the charges projection, in memory (queries: `projections/tests/models_*.rs`).
#![allow(clippy::unwrap_used)]
use super::*;
use crate::error::ApplyError;
use crate::models::testkit::{Harness, content, eur, id, name, tenant};
use portal_domain::order::{ChargeApproval, Order, OrderEvent};
use portal_domain::{ChargeId, CustomerId, OrderId};

fn added(o: OrderId, k: ChargeId, amount: i64) -> OrderEvent {
    OrderEvent::ChargeAdded {
        order_id: o,
        charge_id: k,
        description: name("Waiting time"),
        amount: eur(amount),
    }
}

#[test]
fn charges_know_their_order_and_follow_the_approval() {
    let mut h = Harness::new(ChargesProjection);
    let t = tenant("acme");
    let (o, c): (OrderId, CustomerId) = (id(100), id(1));
    let (k1, k2): (ChargeId, ChargeId) = (id(201), id(202));
    h.apply::<Order>(
        &t,
        o,
        OrderEvent::OrderDraftCreated {
            order_id: o,
            customer_id: c,
            number: "ORD-7".into(),
            content: content("PO").into(),
        },
    )
    .unwrap();
    h.apply::<Order>(&t, o, OrderEvent::OrderAccepted { order_id: o })
        .unwrap();
    h.apply::<Order>(&t, o, added(o, k1, 4500)).unwrap();
    h.apply::<Order>(&t, o, added(o, k2, 100)).unwrap();
    h.apply::<Order>(
        &t,
        o,
        OrderEvent::ChargeApprovalRequested {
            order_id: o,
            charge_id: k1,
        },
    )
    .unwrap();
    let r: ChargeRow = h.row(&t, k1).unwrap();
    assert_eq!(r.order_number.as_deref(), Some("ORD-7"));
    assert_eq!(r.customer_id, Some(c));
    assert_eq!(r.approval, ChargeApproval::Requested);
    assert_eq!(r.amount, eur(4500));
    assert!(r.requested_at.is_some());
    assert_eq!(r.added_position, 3);
    h.apply::<Order>(
        &t,
        o,
        OrderEvent::ChargeRejected {
            order_id: o,
            charge_id: k1,
            comment: Some("too much".into()),
        },
    )
    .unwrap();
    let r: ChargeRow = h.row(&t, k1).unwrap();
    assert_eq!(r.approval, ChargeApproval::Rejected);
    assert_eq!(r.comment.as_deref(), Some("too much"));
    let r2: ChargeRow = h.row(&t, k2).unwrap();
    assert_eq!(r2.approval, ChargeApproval::ToRequest);
}

#[test]
fn charges_of_unknown_orders_and_unknown_charges() {
    let mut h = Harness::new(ChargesProjection);
    let t = tenant("acme");
    let o: OrderId = id(100);
    let k: ChargeId = id(201);
    // A charge of an order this read model missed is kept, without number and customer.
    h.apply::<Order>(&t, o, added(o, k, 10)).unwrap();
    let r: ChargeRow = h.row(&t, k).unwrap();
    assert_eq!((r.order_number, r.customer_id), (None, None));
    let e = h
        .apply::<Order>(
            &t,
            o,
            OrderEvent::ChargeApproved {
                order_id: o,
                charge_id: id(299),
                comment: None,
            },
        )
        .unwrap_err();
    assert!(matches!(e, ApplyError::Event(_)));
    let e = h
        .apply_raw(
            &t,
            "order-1",
            "ChargeAdded",
            serde_json::json!({"amount": -1}),
        )
        .unwrap_err();
    assert!(matches!(e, ApplyError::Event(_)));
    h.apply_raw(&t, "contact-1", "ContactAdded", serde_json::json!({}))
        .unwrap();
}
