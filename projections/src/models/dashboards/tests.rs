//! Tests of the dashboards projection, in memory (queries: `projections/tests/models_*.rs`).
#![allow(clippy::unwrap_used)]
use super::rows::status_counts;
use super::*;
use crate::error::ApplyError;
use crate::models::testkit::{
    Harness, content, content_with, eur, id, name, portal_user, staff, tenant,
};
use portal_domain::contact::{Contact, ContactEvent};
use portal_domain::customer::{Customer, CustomerEvent};
use portal_domain::order::{Order, OrderEvent, OrderStatus};
use portal_domain::values::Email;
use portal_domain::{ChargeId, ContactId, CustomerId, OrderId, TenantId};
use time::macros::{date, datetime, time};
use time::{Date, OffsetDateTime};

#[test]
fn deadline_and_on_time_rule() {
    let with_window = content_with("PO", date!(2025 - 06 - 03), Some(time!(12:00)), None);
    let deadline = deadline_of(&with_window).unwrap();
    assert_eq!(deadline, datetime!(2025-06-03 12:00 UTC));
    assert!(is_on_time(datetime!(2025-06-03 12:00:59 UTC), deadline));
    assert!(!is_on_time(datetime!(2025-06-03 12:01 UTC), deadline));
    // Offsets are converted to UTC first.
    assert!(is_on_time(datetime!(2025-06-03 13:30 +02:00), deadline));
    let all_day = deadline_of(&content("PO")).unwrap();
    assert_eq!(all_day, datetime!(2025-06-03 23:59 UTC));
}

struct Scenario {
    h: Harness<DashboardsProjection>,
    t: TenantId,
}

/// The tenant's figures as the dashboard query sums them.
fn tenant_sum(h: &Harness<DashboardsProjection>, t: &TenantId) -> TenantDashRow {
    let customers: Vec<CustomerDashRow> = h.rows(t);
    let active = h
        .rows::<ContactTrackRow>(t)
        .iter()
        .filter(|c| c.access)
        .count();
    TenantDashRow::sum_of(t, &customers, active as i64)
}

/// Orders of the tenant submitted on `date`, and of those via the portal, as the dashboard query
/// sums them; `None` when no customer has a row of that day.
fn tenant_day(h: &Harness<DashboardsProjection>, t: &TenantId, date: Date) -> Option<(i64, i64)> {
    let days: Vec<CustomerDayRow> = h.rows(t);
    let on: Vec<&CustomerDayRow> = days.iter().filter(|d| d.date == date).collect();
    (!on.is_empty()).then(|| {
        on.iter()
            .fold((0, 0), |(s, p), d| (s + d.submitted, p + d.via_portal))
    })
}

impl Scenario {
    fn order(&mut self, o: OrderId, e: OrderEvent) {
        self.h.apply::<Order>(&self.t, o, e).unwrap();
    }

    fn create(&mut self, o: OrderId, c: CustomerId, delivery_window: Option<time::Time>) {
        self.order(
            o,
            OrderEvent::OrderDraftCreated {
                order_id: o,
                customer_id: c,
                number: format!("N-{o}"),
                content: content_with("PO", date!(2025 - 06 - 03), delivery_window, None).into(),
            },
        );
    }

    fn submit(&mut self, o: OrderId, at: OffsetDateTime, window: Option<time::Time>) {
        self.order(
            o,
            OrderEvent::OrderSubmitted {
                order_id: o,
                content: content_with("PO", date!(2025 - 06 - 03), window, None),
                submitted_at: at,
            },
        );
    }

    fn deliver(&mut self, o: OrderId, at: OffsetDateTime) {
        self.h.actor = staff();
        self.order(o, OrderEvent::OrderAccepted { order_id: o });
        self.order(
            o,
            OrderEvent::OrderPlanned {
                order_id: o,
                planned_at: at,
            },
        );
        self.order(
            o,
            OrderEvent::OrderInTransit {
                order_id: o,
                in_transit_at: at,
            },
        );
        self.order(
            o,
            OrderEvent::OrderDelivered {
                order_id: o,
                delivered_at: at,
            },
        );
    }
}

fn full_sequence() -> Scenario {
    let t = tenant("acme");
    let mut s = Scenario {
        h: Harness::new(DashboardsProjection),
        t: t.clone(),
    };
    let (c1, c2, c3): (CustomerId, CustomerId, CustomerId) = (id(1), id(2), id(3));
    for c in [c1, c2] {
        s.h.apply::<Customer>(
            &t,
            c,
            CustomerEvent::CustomerPortalEnabled { customer_id: c },
        )
        .unwrap();
    }
    s.h.apply::<Customer>(
        &t,
        c2,
        CustomerEvent::CustomerPortalDisabled { customer_id: c2 },
    )
    .unwrap();
    s.h.apply::<Customer>(
        &t,
        c3,
        CustomerEvent::CustomerChargesShown { customer_id: c3 },
    )
    .unwrap();
    let (k1, k2, k3): (ContactId, ContactId, ContactId) = (id(11), id(12), id(13));
    for k in [k1, k2, k3] {
        s.h.apply::<Contact>(
            &t,
            k,
            ContactEvent::ContactAccessGranted {
                contact_id: k,
                customer_id: c1,
                email: Email::parse("a@example.com").unwrap(),
            },
        )
        .unwrap();
    }
    s.h.apply::<Contact>(
        &t,
        k2,
        ContactEvent::ContactAccessRevoked {
            contact_id: k2,
            customer_id: c1,
        },
    )
    .unwrap();
    s.h.apply::<Contact>(
        &t,
        k3,
        ContactEvent::ContactAccessRevoked {
            contact_id: k3,
            customer_id: c1,
        },
    )
    .unwrap();
    s.h.apply::<Contact>(
        &t,
        k3,
        ContactEvent::ContactRemoved {
            contact_id: k3,
            customer_id: c1,
        },
    )
    .unwrap();

    let (o1, o2, o3, o4, o5): (OrderId, OrderId, OrderId, OrderId, OrderId) =
        (id(101), id(102), id(103), id(104), id(105));
    // o1: via the portal, delivered within its window.
    s.h.actor = portal_user(c1);
    s.create(o1, c1, Some(time!(12:00)));
    s.submit(o1, datetime!(2025-06-01 10:00 UTC), Some(time!(12:00)));
    s.deliver(o1, datetime!(2025-06-03 11:59:30 UTC));
    // o2: submitted by staff late on June 1st at UTC-2 (June 2nd UTC), delivered a day late.
    s.h.actor = staff();
    s.create(o2, c1, None);
    s.submit(o2, datetime!(2025-06-01 23:30 -02:00), None);
    s.deliver(o2, datetime!(2025-06-04 08:00 UTC));
    // o3: a draft; o5: a cancelled draft.
    s.h.actor = portal_user(c1);
    s.create(o3, c1, None);
    s.create(o5, c1, None);
    s.order(o5, OrderEvent::OrderDraftCancelled { order_id: o5 });
    // o4: c2's, via the portal, rejected.
    s.h.actor = portal_user(c2);
    s.create(o4, c2, None);
    s.submit(o4, datetime!(2025-06-02 09:00 UTC), None);
    s.h.actor = staff();
    s.order(
        o4,
        OrderEvent::OrderRejected {
            order_id: o4,
            reason: "No".into(),
        },
    );
    // Charges on o1: one approved, one awaiting, one never requested.
    let (ch1, ch2, ch3): (ChargeId, ChargeId, ChargeId) = (id(201), id(202), id(203));
    for ch in [ch1, ch2, ch3] {
        s.order(
            o1,
            OrderEvent::ChargeAdded {
                order_id: o1,
                charge_id: ch,
                description: name("Extra"),
                amount: eur(100),
            },
        );
    }
    for ch in [ch1, ch2] {
        s.order(
            o1,
            OrderEvent::ChargeApprovalRequested {
                order_id: o1,
                charge_id: ch,
            },
        );
    }
    s.h.actor = portal_user(c1);
    s.order(
        o1,
        OrderEvent::ChargeApproved {
            order_id: o1,
            charge_id: ch1,
            comment: None,
        },
    );
    s
}

fn check(s: &mut Scenario) {
    let t = s.t.clone();
    let c1: CustomerDashRow = s.h.row(&t, id::<CustomerId>(1)).unwrap();
    let by_status = status_counts(&c1.counters.orders_by_status);
    let expected = [
        (OrderStatus::Delivered, 2),
        (OrderStatus::Draft, 1),
        (OrderStatus::Cancelled, 1),
    ];
    for (status, n) in expected {
        assert_eq!(by_status.get(status), n, "{status}");
    }
    assert_eq!(by_status.total, 4);
    assert_eq!(
        (
            c1.counters.delivered,
            c1.counters.delivered_on_time,
            c1.counters.charges_awaiting_approval
        ),
        (2, 1, 1)
    );
    assert!(c1.portal_enabled);
    let c2: CustomerDashRow = s.h.row(&t, id::<CustomerId>(2)).unwrap();
    assert_eq!(
        status_counts(&c2.counters.orders_by_status).get(OrderStatus::Rejected),
        1
    );
    assert_eq!(status_counts(&c2.counters.orders_by_status).total, 1);
    assert!(!c2.portal_enabled);

    let tenant_row = tenant_sum(&s.h, &t);
    assert_eq!(tenant_row.customers_with_portal, 1);
    assert_eq!(tenant_row.active_portal_users, 1);
    let counts = status_counts(&tenant_row.counters.orders_by_status);
    assert_eq!(counts.total, 5);
    assert_eq!(
        (
            counts.get(OrderStatus::Delivered),
            counts.get(OrderStatus::Draft),
            counts.get(OrderStatus::Cancelled),
            counts.get(OrderStatus::Rejected),
            counts.get(OrderStatus::Submitted),
        ),
        (2, 1, 1, 1, 0)
    );
    assert_eq!(
        (
            tenant_row.counters.delivered,
            tenant_row.counters.delivered_on_time
        ),
        (2, 1)
    );
    assert_eq!(tenant_row.counters.charges_awaiting_approval, 1);

    let c1_day = |d| CustomerDayRow::key_of(id(1), d);
    let d1: CustomerDayRow = s.h.row(&t, c1_day(date!(2025 - 06 - 01))).unwrap();
    let d2: CustomerDayRow = s.h.row(&t, c1_day(date!(2025 - 06 - 02))).unwrap();
    assert_eq!((d1.submitted, d2.submitted), (1, 1));
    let c2_day: CustomerDayRow =
        s.h.row(&t, CustomerDayRow::key_of(id(2), date!(2025 - 06 - 02)))
            .unwrap();
    assert_eq!(c2_day.submitted, 1);
    assert_eq!(tenant_day(&s.h, &t, date!(2025 - 06 - 01)), Some((1, 1)));
    assert_eq!(tenant_day(&s.h, &t, date!(2025 - 06 - 02)), Some((2, 1)));
}

#[test]
fn counters_are_exact_over_a_full_sequence() {
    let mut s = full_sequence();
    check(&mut s);
}

#[test]
fn repeated_facts_are_not_counted_twice() {
    let mut s = full_sequence();
    let t = s.t.clone();
    let (c1, o1, o4): (CustomerId, OrderId, OrderId) = (id(1), id(101), id(104));
    s.h.actor = staff();
    // Events whose facts the counters already hold: a second submission, delivery, request,
    // decision, portal switch and grant change nothing.
    let o6: OrderId = id(106);
    s.create(o6, c1, None);
    s.submit(o6, datetime!(2025-06-02 09:00 UTC), None);
    s.submit(o6, datetime!(2025-06-05 09:00 UTC), None);
    s.order(
        o1,
        OrderEvent::OrderDelivered {
            order_id: o1,
            delivered_at: datetime!(2025-06-09 09:00 UTC),
        },
    );
    s.order(
        o1,
        OrderEvent::ChargeApprovalRequested {
            order_id: o1,
            charge_id: id(202),
        },
    );
    s.order(
        o1,
        OrderEvent::ChargeRejected {
            order_id: o1,
            charge_id: id(201),
            comment: None,
        },
    );
    s.h.apply::<Customer>(
        &t,
        c1,
        CustomerEvent::CustomerPortalEnabled { customer_id: c1 },
    )
    .unwrap();
    s.h.apply::<Contact>(
        &t,
        id::<ContactId>(11),
        ContactEvent::ContactAccessGranted {
            contact_id: id(11),
            customer_id: c1,
            email: Email::parse("a@example.com").unwrap(),
        },
    )
    .unwrap();
    let _ = o4;
    let tenant_row = tenant_sum(&s.h, &t);
    let counts = status_counts(&tenant_row.counters.orders_by_status);
    assert_eq!((counts.total, counts.get(OrderStatus::Submitted)), (6, 1));
    assert_eq!(
        (
            tenant_row.customers_with_portal,
            tenant_row.active_portal_users
        ),
        (1, 1)
    );
    assert_eq!(
        (
            tenant_row.counters.delivered,
            tenant_row.counters.charges_awaiting_approval
        ),
        (2, 1)
    );
    assert_eq!(tenant_day(&s.h, &t, date!(2025 - 06 - 02)), Some((3, 1)));
    assert_eq!(tenant_day(&s.h, &t, date!(2025 - 06 - 05)), None);
    let c1_row: CustomerDashRow = s.h.row(&t, c1).unwrap();
    assert_eq!(
        (
            c1_row.counters.delivered,
            c1_row.counters.delivered_on_time,
            c1_row.counters.charges_awaiting_approval
        ),
        (2, 1, 1)
    );
}

#[test]
fn unknown_orders_and_invalid_payloads_fail_without_counting() {
    let mut h = Harness::new(DashboardsProjection);
    let t = tenant("acme");
    let o: OrderId = id(100);
    let e = h
        .apply::<Order>(
            &t,
            o,
            OrderEvent::OrderSubmitted {
                order_id: o,
                content: content("PO"),
                submitted_at: datetime!(2025-06-01 10:00 UTC),
            },
        )
        .unwrap_err();
    assert!(matches!(e, ApplyError::Event(_)));
    assert!(h.rows::<CustomerDashRow>(&t).is_empty());
    assert!(h.rows::<OrderTrackRow>(&t).is_empty());
    for stream in ["order-1", "customer-1", "contact-1"] {
        let e = h
            .apply_raw(&t, stream, "Whatever", serde_json::json!({}))
            .unwrap_err();
        assert!(matches!(e, ApplyError::Event(_)), "{stream}");
    }
    h.apply_raw(&t, "location-1", "LocationAdded", serde_json::json!({}))
        .unwrap();
    h.apply_raw(&t, "gizmo-1", "GizmoMade", serde_json::json!({}))
        .unwrap();
}
