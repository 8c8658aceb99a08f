//! Tests of the orders projection, in memory (queries: `projections/tests/models_*.rs`).
#![allow(clippy::unwrap_used)]
use super::*;
use crate::error::ApplyError;
use crate::models::common::ActorKind;
use crate::models::testkit::{Harness, content, eur, id, name, portal_user, staff, tenant};
use portal_domain::order::{ChargeApproval, Order, OrderEvent, OrderStatus};
use portal_domain::{ChargeId, CustomerId, OrderId};
use time::macros::datetime;

fn created(o: OrderId, c: CustomerId, number: &str) -> OrderEvent {
    OrderEvent::OrderDraftCreated {
        order_id: o,
        customer_id: c,
        number: number.into(),
        content: content("PO-1").into(),
    }
}

/// Submission of `o` with the customer reference `reference`, on 2025-06-01 10:00 UTC.
fn submitted(o: OrderId, reference: &str) -> OrderEvent {
    OrderEvent::OrderSubmitted {
        order_id: o,
        content: content(reference),
        submitted_at: datetime!(2025-06-01 10:00 UTC),
    }
}

#[test]
fn an_order_through_its_lifecycle() {
    let mut h = Harness::new(OrdersProjection);
    let t = tenant("acme");
    let (o, c): (OrderId, CustomerId) = (id(100), id(1));
    h.actor = portal_user(c);
    h.apply::<Order>(&t, o, created(o, c, "ORD-1")).unwrap();
    let row: OrderRow = h.row(&t, o).unwrap();
    assert_eq!(row.status, OrderStatus::Draft);
    assert_eq!(row.customer_reference.as_deref(), Some("PO-1"));
    assert_eq!(row.pickup.as_ref().unwrap().city, "Berlin");
    assert_eq!(row.delivery.as_ref().unwrap().city, "Hamburg");
    assert_eq!((row.consignments, row.total_weight_kg), (1, 800.0));
    assert_eq!(row.created_position, 1);
    assert_eq!(row.search_text(), "ord-1 po-1");

    h.apply::<Order>(
        &t,
        o,
        OrderEvent::OrderDraftUpdated {
            order_id: o,
            content: content("PO-2").into(),
        },
    )
    .unwrap();
    h.apply::<Order>(&t, o, submitted(o, "PO-2")).unwrap();
    h.actor = staff();
    h.apply::<Order>(&t, o, OrderEvent::OrderAccepted { order_id: o })
        .unwrap();
    h.apply::<Order>(
        &t,
        o,
        OrderEvent::OrderPlanned {
            order_id: o,
            planned_at: datetime!(2025-06-01 12:00 UTC),
        },
    )
    .unwrap();
    h.apply::<Order>(
        &t,
        o,
        OrderEvent::OrderInTransit {
            order_id: o,
            in_transit_at: datetime!(2025-06-02 07:00 UTC),
        },
    )
    .unwrap();
    h.apply::<Order>(
        &t,
        o,
        OrderEvent::OrderDelivered {
            order_id: o,
            delivered_at: datetime!(2025-06-03 09:00 UTC),
        },
    )
    .unwrap();
    let row: OrderRow = h.row(&t, o).unwrap();
    assert_eq!(row.status, OrderStatus::Delivered);
    assert_eq!(row.customer_reference.as_deref(), Some("PO-2"));
    assert_eq!(row.submitted_at, Some(datetime!(2025-06-01 10:00 UTC)));
    assert_eq!(row.submitted_position, Some(3));
    assert_eq!(row.submitted_by, Some(ActorKind::PortalUser));
    assert!(row.via_portal);
    let d: OrderDetailRow = h.row(&t, o).unwrap();
    let steps: Vec<(OrderStatus, ActorKind)> =
        d.history.iter().map(|s| (s.status, s.actor)).collect();
    assert_eq!(
        steps,
        [
            (OrderStatus::Draft, ActorKind::PortalUser),
            (OrderStatus::Submitted, ActorKind::PortalUser),
            (OrderStatus::Accepted, ActorKind::Staff),
            (OrderStatus::Planned, ActorKind::Staff),
            (OrderStatus::InTransit, ActorKind::Staff),
            (OrderStatus::Delivered, ActorKind::Staff),
        ]
    );
    assert_eq!(
        d.history[5].reported_at,
        Some(datetime!(2025-06-03 09:00 UTC))
    );
    assert!(d.history.windows(2).all(|w| w[0].at < w[1].at));
    assert_eq!(d.content.customer_reference(), Some("PO-2"));
}

#[test]
fn rejection_and_cancellation_keep_their_reasons() {
    let mut h = Harness::new(OrdersProjection);
    let t = tenant("acme");
    let (o1, o2, o3, c): (OrderId, OrderId, OrderId, CustomerId) =
        (id(101), id(102), id(103), id(1));
    for (o, n) in [(o1, "A"), (o2, "B"), (o3, "C")] {
        h.apply::<Order>(&t, o, created(o, c, n)).unwrap();
    }
    h.apply::<Order>(&t, o3, OrderEvent::OrderDraftCancelled { order_id: o3 })
        .unwrap();
    for o in [o1, o2] {
        h.apply::<Order>(&t, o, submitted(o, "X")).unwrap();
    }
    h.apply::<Order>(
        &t,
        o1,
        OrderEvent::OrderRejected {
            order_id: o1,
            reason: "No capacity".into(),
        },
    )
    .unwrap();
    h.apply::<Order>(
        &t,
        o2,
        OrderEvent::OrderCancelled {
            order_id: o2,
            reason: "Customer called".into(),
        },
    )
    .unwrap();
    let d1: OrderDetailRow = h.row(&t, o1).unwrap();
    assert_eq!(d1.rejection_reason.as_deref(), Some("No capacity"));
    assert_eq!(
        d1.history.last().unwrap().reason.as_deref(),
        Some("No capacity")
    );
    let d2: OrderDetailRow = h.row(&t, o2).unwrap();
    assert_eq!(d2.cancellation_reason.as_deref(), Some("Customer called"));
    let r2: OrderRow = h.row(&t, o2).unwrap();
    assert_eq!(r2.status, OrderStatus::Cancelled);
    // Submitted by staff: not via the portal.
    assert_eq!(r2.submitted_by, Some(ActorKind::Staff));
    assert!(!r2.via_portal);
    let r3: OrderRow = h.row(&t, o3).unwrap();
    assert_eq!(
        (r3.status, r3.submitted_position),
        (OrderStatus::Cancelled, None)
    );
}

#[test]
fn charges_live_in_the_detail_and_are_counted_on_the_row() {
    let mut h = Harness::new(OrdersProjection);
    let t = tenant("acme");
    let (o, c): (OrderId, CustomerId) = (id(100), id(1));
    let (k1, k2, k3): (ChargeId, ChargeId, ChargeId) = (id(201), id(202), id(203));
    h.apply::<Order>(&t, o, created(o, c, "ORD-1")).unwrap();
    for (k, amount) in [(k1, 4500), (k2, 1200), (k3, 99)] {
        h.apply::<Order>(
            &t,
            o,
            OrderEvent::ChargeAdded {
                order_id: o,
                charge_id: k,
                description: name("Waiting time"),
                amount: eur(amount),
            },
        )
        .unwrap();
    }
    for k in [k1, k2] {
        h.apply::<Order>(
            &t,
            o,
            OrderEvent::ChargeApprovalRequested {
                order_id: o,
                charge_id: k,
            },
        )
        .unwrap();
    }
    let row: OrderRow = h.row(&t, o).unwrap();
    assert_eq!(row.charges_awaiting_approval, 2);
    h.actor = portal_user(c);
    h.apply::<Order>(
        &t,
        o,
        OrderEvent::ChargeApproved {
            order_id: o,
            charge_id: k1,
            comment: Some("ok".into()),
        },
    )
    .unwrap();
    h.apply::<Order>(
        &t,
        o,
        OrderEvent::ChargeRejected {
            order_id: o,
            charge_id: k2,
            comment: None,
        },
    )
    .unwrap();
    let row: OrderRow = h.row(&t, o).unwrap();
    assert_eq!(row.charges_awaiting_approval, 0);
    // No amount of money in the list row.
    let json = serde_json::to_string(&row).unwrap();
    assert!(!json.contains("amount") && !json.contains("EUR"), "{json}");
    let d: OrderDetailRow = h.row(&t, o).unwrap();
    let states: Vec<(ChargeApproval, i64)> = d
        .charges
        .iter()
        .map(|c| (c.approval, c.amount.amount_minor()))
        .collect();
    assert_eq!(
        states,
        [
            (ChargeApproval::Approved, 4500),
            (ChargeApproval::Rejected, 1200),
            (ChargeApproval::ToRequest, 99),
        ]
    );
    assert_eq!(d.charges[0].comment.as_deref(), Some("ok"));
    assert!(d.charges[0].decided_at.is_some() && d.charges[2].decided_at.is_none());

    // A decision on an unknown charge is an event error, and changes nothing.
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
    assert_eq!(h.row::<OrderDetailRow>(&t, o).unwrap(), d);
}

#[test]
fn unknown_orders_invalid_payloads_and_foreign_events() {
    let mut h = Harness::new(OrdersProjection);
    let t = tenant("acme");
    let o: OrderId = id(100);
    let e = h
        .apply::<Order>(&t, o, OrderEvent::OrderAccepted { order_id: o })
        .unwrap_err();
    assert!(
        matches!(&e, ApplyError::Event(m) if m.contains(&o.to_string())),
        "{e}"
    );
    assert!(h.row::<OrderRow>(&t, o).is_none());
    let e = h
        .apply_raw(
            &t,
            "order-1",
            "OrderSubmitted",
            serde_json::json!({"order_id": "x"}),
        )
        .unwrap_err();
    assert!(matches!(e, ApplyError::Event(_)));
    h.apply_raw(&t, "customer-1", "CustomerCreated", serde_json::json!({}))
        .unwrap();
    h.apply_raw(&t, "gizmo-1", "GizmoMade", serde_json::json!({}))
        .unwrap();
}

#[test]
fn counters_follow_status_and_origin_and_count_a_creation_once() {
    let mut h = Harness::new(OrdersProjection);
    let t = tenant("acme");
    let (o1, o2, c1, c2): (OrderId, OrderId, CustomerId, CustomerId) =
        (id(100), id(101), id(1), id(2));
    h.actor = portal_user(c1);
    h.apply::<Order>(&t, o1, created(o1, c1, "ORD-1")).unwrap();
    // The same creation again (a replayed event) is not counted twice.
    h.apply::<Order>(&t, o1, created(o1, c1, "ORD-1")).unwrap();
    h.actor = staff();
    h.apply::<Order>(&t, o2, created(o2, c2, "ORD-2")).unwrap();
    let buckets = |h: &mut Harness<OrdersProjection>, key: &str| {
        h.row::<OrderCountsRow>(&t, key).unwrap().buckets
    };
    assert_eq!(
        buckets(&mut h, &c1.to_string()),
        [("draft/unsubmitted".to_owned(), 1)].into()
    );
    assert_eq!(
        buckets(&mut h, &c2.to_string()),
        [("draft/unsubmitted".to_owned(), 1)].into()
    );
    // No tenant-wide row: every order event would update it.
    assert!(h.row::<OrderCountsRow>(&t, "tenant").is_none());

    h.actor = portal_user(c1);
    h.apply::<Order>(&t, o1, submitted(o1, "PO-1")).unwrap();
    h.actor = staff();
    h.apply::<Order>(&t, o1, OrderEvent::OrderAccepted { order_id: o1 })
        .unwrap();
    h.apply::<Order>(&t, o2, OrderEvent::OrderDraftCancelled { order_id: o2 })
        .unwrap();
    assert_eq!(
        buckets(&mut h, &c1.to_string()),
        [("accepted/portal".to_owned(), 1)].into()
    );
    assert_eq!(
        buckets(&mut h, &c2.to_string()),
        [("cancelled/unsubmitted".to_owned(), 1)].into()
    );
    let tenant_row = OrderCountsRow::sum_of(
        &t,
        [c1, c2].map(|c| h.row::<OrderCountsRow>(&t, &c.to_string()).unwrap()),
    );
    let by_status = tenant_row.by_status();
    assert_eq!(
        (
            by_status.total,
            by_status.get(OrderStatus::Accepted),
            by_status.get(OrderStatus::Cancelled),
            by_status.get(OrderStatus::Draft)
        ),
        (2, 1, 1, 0)
    );
}

#[test]
fn a_draft_with_gaps_is_marked_incomplete_until_completed() {
    let mut h = Harness::new(OrdersProjection);
    let t = tenant("acme");
    let (o, c): (OrderId, CustomerId) = (id(100), id(1));
    let mut input = portal_domain::values::OrderContentInput::from(&content("PO-1"));
    input.consignments[0].pickup.date = None;
    input.consignments[0].goods[0].weight_kg = None;
    let gaps = portal_domain::values::DraftContent::new(input).unwrap();
    h.apply::<Order>(
        &t,
        o,
        OrderEvent::OrderDraftCreated {
            order_id: o,
            customer_id: c,
            number: "ORD-1".into(),
            content: gaps,
        },
    )
    .unwrap();
    let row: OrderRow = h.row(&t, o).unwrap();
    assert!(row.incomplete);
    assert_eq!(row.pickup.as_ref().unwrap().city, "Berlin");
    assert_eq!(row.pickup.as_ref().unwrap().date, None);
    assert_eq!(row.pickup_date(), None);
    assert_eq!(row.total_weight_kg, 0.0);

    let update = OrderEvent::OrderDraftUpdated {
        order_id: o,
        content: content("PO-1").into(),
    };
    h.apply::<Order>(&t, o, update).unwrap();
    let row: OrderRow = h.row(&t, o).unwrap();
    assert!(!row.incomplete);
    assert!(row.pickup_date().is_some());
}
