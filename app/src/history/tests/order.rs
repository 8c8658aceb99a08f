//! The order's events in words.
#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn order_events_in_words_with_money_comments_and_local_times() {
    let order_id: OrderId = id(1);
    let charge: ChargeId = id(5);
    let d = describe(
        "order",
        &[
            OrderEvent::OrderDraftCreated {
                order_id,
                customer_id: id(2),
                number: "ORD-1".into(),
                content: content("PO-1").into(),
            },
            OrderEvent::OrderDraftUpdated {
                order_id,
                content: content("PO-2").into(),
            },
            OrderEvent::OrderSubmitted {
                order_id,
                content: content("PO-2"),
                submitted_at: datetime!(2026-12-04 14:03 UTC),
            },
            OrderEvent::OrderAccepted { order_id },
            OrderEvent::OrderPlanned {
                order_id,
                planned_at: datetime!(2026-07-01 08:00 UTC),
            },
            OrderEvent::OrderInTransit {
                order_id,
                in_transit_at: datetime!(2026-07-01 09:00 UTC),
            },
            OrderEvent::ChargeAdded {
                order_id,
                charge_id: charge,
                description: name("Waiting time"),
                amount: eur(4500),
            },
            OrderEvent::ChargeApprovalRequested {
                order_id,
                charge_id: charge,
            },
            OrderEvent::ChargeApproved {
                order_id,
                charge_id: charge,
                comment: Some("driver waited".into()),
            },
            OrderEvent::ChargeRejected {
                order_id,
                charge_id: charge,
                comment: None,
            },
            OrderEvent::OrderDelivered {
                order_id,
                delivered_at: datetime!(2026-07-02 10:00 UTC),
            },
            OrderEvent::OrderRejected {
                order_id,
                reason: "no trucks".into(),
            },
            OrderEvent::OrderCancelled {
                order_id,
                reason: "customer asked".into(),
            },
            OrderEvent::OrderDraftCancelled { order_id },
        ],
    );
    let s = summaries(&d);
    assert_eq!(s[0], "Ann Early started the draft of order ORD-1");
    assert_eq!(
        change(&d[0], "content.consignments[0].pickup.address.city"),
        (None, Some("Berlin"))
    );
    assert_eq!(s[1], "Ann Early edited the draft of order ORD-1");
    assert_eq!(
        change(&d[1], "content.customer_reference"),
        (Some("PO-1"), Some("PO-2"))
    );
    assert_eq!(
        s[2],
        "Ann Early submitted order ORD-1 at 2026-12-04 15:03 CET. Status: draft → submitted"
    );
    assert_eq!(change(&d[2], "status"), (Some("draft"), Some("submitted")));
    assert_eq!(
        s[3],
        "Ann Early accepted order ORD-1. Status: submitted → accepted"
    );
    // Summer time: the zone's abbreviation at that instant.
    assert_eq!(
        s[4],
        "Ann Early planned order ORD-1 at 2026-07-01 10:00 CEST. Status: accepted → planned"
    );
    assert_eq!(
        change(&d[4], "planned_at"),
        (None, Some("2026-07-01 10:00 CEST"))
    );
    assert!(s[5].ends_with("Status: planned → in transit"), "{}", s[5]);
    assert_eq!(
        s[6],
        "Ann Early added charge “Waiting time” €45.00 to order ORD-1"
    );
    assert_eq!(
        s[7],
        "Ann Early asked the customer to approve charge “Waiting time” €45.00"
    );
    assert_eq!(
        s[8],
        "Ann Early approved charge “Waiting time” €45.00: “driver waited”"
    );
    assert_eq!(
        change(&d[8], "charges[0].approval"),
        (Some("requested"), Some("approved"))
    );
    assert_eq!(s[9], "Ann Early rejected charge “Waiting time” €45.00");
    assert!(
        s[10].contains("delivered at 2026-07-02 12:00 CEST"),
        "{}",
        s[10]
    );
    assert!(
        s[11].starts_with("Ann Early rejected order ORD-1: “no trucks”"),
        "{}",
        s[11]
    );
    assert!(
        s[12].starts_with("Ann Early cancelled order ORD-1: “customer asked”"),
        "{}",
        s[12]
    );
    assert!(
        s[13].starts_with("Ann Early cancelled the draft of order ORD-1"),
        "{}",
        s[13]
    );
    // Ids and bookkeeping never show as changes.
    assert!(
        d.iter()
            .flat_map(|d| &d.changes)
            .all(|c| c.field != "exists" && c.field != "order_id")
    );
}
