//! Database tests of the orders and charges read models, on SQLite and PostgreSQL.

use crate::models_support::*;
use portal_domain::TenantId;
use portal_domain::order::{ChargeApproval, OrderEvent, OrderStatus};
use portal_eventlog::testing::{Backend, TestStoreRef, with_store};
use portal_projections::ReadDb;
use portal_projections::models::orders::{self, OrderFilter, OrderListItem};
use portal_projections::models::{ActorKind, Page, Paged, Scope, charges};
use time::macros::datetime;

fn ids(p: &Paged<OrderListItem>) -> Vec<u128> {
    p.items
        .iter()
        .map(|i| i.order.order_id.as_uuid().as_u128())
        .collect()
}

async fn list(
    db: &ReadDb,
    t: &TenantId,
    scope: Scope,
    filter: OrderFilter,
) -> Paged<OrderListItem> {
    orders::list(db, t, scope, &filter, &Page::first(50))
        .await
        .unwrap()
}

async fn orders_body(t: TestStoreRef) {
    let (db, projector) = read_db(&t).await;
    let mut w = Writer::new(&t.store);
    let (acme, bolt) = seed_orders(&mut w).await;
    project(&projector, &t.store).await;
    let c1 = Scope::Customer(id(1));

    // Newest first, drafts included, with the customer's name.
    let all = list(&db, &acme, Scope::Tenant, OrderFilter::default()).await;
    assert_eq!(ids(&all), [O5, O4, O3, O2, O1]);
    assert_eq!(all.total, 5);
    assert_eq!(all.items[1].customer_name.as_deref(), Some("Alpha"));
    assert_eq!(all.items[0].customer_name.as_deref(), Some("Beta"));
    let json = serde_json::to_value(&all.items[1]).unwrap();
    assert_eq!(json["number"], "ORD-004");
    assert_eq!(json["customer_name"], "Alpha");
    assert!(json.get("charges").is_none());

    // A portal user sees the customer's orders only, whatever the filter says.
    assert_eq!(
        ids(&list(&db, &acme, c1, OrderFilter::default()).await),
        [O4, O2, O1]
    );
    let other = OrderFilter {
        customer: Some(id(2)),
        ..Default::default()
    };
    assert_eq!(list(&db, &acme, c1, other.clone()).await.total, 0);
    assert_eq!(ids(&list(&db, &acme, Scope::Tenant, other).await), [O5, O3]);

    // Filters: status, search by number or reference, via portal.
    let by =
        |status: Option<OrderStatus>, search: Option<&str>, via_portal: Option<bool>| OrderFilter {
            status,
            search: search.map(Into::into),
            via_portal,
            ..Default::default()
        };
    let cases: Vec<(OrderFilter, Vec<u128>)> = vec![
        (by(Some(OrderStatus::Submitted), None, None), vec![O4, O3]),
        (by(Some(OrderStatus::Draft), None, None), vec![O2]),
        (by(Some(OrderStatus::Cancelled), None, None), vec![O5]),
        (by(None, Some("po-"), None), vec![O4, O2, O1]),
        (by(None, Some("100%"), None), vec![O3]),
        (by(None, Some("ORD-00"), None), vec![O5, O4, O3, O2, O1]),
        (by(None, Some("ord-004"), None), vec![O4]),
        (by(None, Some("ord po-b"), None), vec![O2]),
        (by(None, None, Some(true)), vec![O4, O1]),
        (by(None, None, Some(false)), vec![O3]),
        (by(Some(OrderStatus::Accepted), None, Some(true)), vec![O1]),
    ];
    for (filter, expected) in cases {
        let got = list(&db, &acme, Scope::Tenant, filter.clone()).await;
        assert_eq!(ids(&got), expected, "{filter:?}");
        assert_eq!(got.total, expected.len() as i64, "{filter:?}");
    }

    // By reference: exact, without regard to case and surrounding space, within one customer of
    // one tenant; drafts cancelled before submission do not count.
    let by_reference = |customer: u128, reference: &'static str| {
        let (db, acme) = (&db, &acme);
        async move {
            orders::with_reference(db, acme, id(customer), reference, 10)
                .await
                .unwrap()
                .iter()
                .map(|o| o.order_id.as_uuid().as_u128())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(by_reference(1, "  po-a ").await, [O1]);
    assert_eq!(by_reference(1, "PO-C").await, [O4]);
    assert_eq!(by_reference(1, "PO-").await, Vec::<u128>::new());
    assert_eq!(by_reference(1, " ").await, Vec::<u128>::new());
    assert_eq!(by_reference(2, "PO-A").await, Vec::<u128>::new());
    assert_eq!(by_reference(2, "x-100%").await, [O3]);
    assert_eq!(by_reference(2, "Y").await, Vec::<u128>::new());

    // The totals come from the counters when there is no search: they equal the rows the list
    // holds for every scope, status and origin, in the order list and in the inbox.
    for scope in [Scope::Tenant, c1, Scope::Customer(id(2))] {
        for status in std::iter::once(None).chain(OrderStatus::ALL.map(Some)) {
            for via_portal in [None, Some(true), Some(false)] {
                let f = by(status, None, via_portal);
                let got = list(&db, &acme, scope, f.clone()).await;
                assert_eq!(got.total, got.items.len() as i64, "{scope:?} {f:?}");
                if scope == Scope::Tenant {
                    let inbox = orders::inbox(&db, &acme, &f, &Page::first(50))
                        .await
                        .unwrap();
                    assert_eq!(inbox.total, inbox.items.len() as i64, "inbox {f:?}");
                }
            }
        }
    }
    let both = OrderFilter {
        customer: Some(id(1)),
        ..Default::default()
    };
    assert_eq!(list(&db, &acme, c1, both).await.total, 3);

    // Cursor paging, newest first.
    let p1 = orders::list(
        &db,
        &acme,
        Scope::Tenant,
        &OrderFilter::default(),
        &Page::first(2),
    )
    .await
    .unwrap();
    assert_eq!((ids(&p1), p1.total), (vec![O5, O4], 5));
    let p2 = orders::list(
        &db,
        &acme,
        Scope::Tenant,
        &OrderFilter::default(),
        &Page::after(p1.next.clone().unwrap(), 2),
    )
    .await
    .unwrap();
    assert_eq!(ids(&p2), [O3, O2]);
    let p3 = orders::list(
        &db,
        &acme,
        Scope::Tenant,
        &OrderFilter::default(),
        &Page::after(p2.next.clone().unwrap(), 2),
    )
    .await
    .unwrap();
    assert_eq!((ids(&p3), p3.next), (vec![O1], None));

    // The staff inbox: submitted orders, newest submission first.
    let inbox = orders::inbox(&db, &acme, &OrderFilter::default(), &Page::first(2))
        .await
        .unwrap();
    assert_eq!((ids(&inbox), inbox.total), (vec![O1, O3], 3));
    let rest = orders::inbox(
        &db,
        &acme,
        &OrderFilter::default(),
        &Page::after(inbox.next.unwrap(), 2),
    )
    .await
    .unwrap();
    assert_eq!((ids(&rest), rest.next), (vec![O4], None));
    let waiting = orders::inbox(
        &db,
        &acme,
        &by(Some(OrderStatus::Submitted), None, None),
        &Page::first(50),
    )
    .await
    .unwrap();
    assert_eq!(ids(&waiting), [O3, O4]);

    // Counts per status tab.
    let counts = orders::counts_by_status(&db, &acme, Scope::Tenant)
        .await
        .unwrap();
    assert_eq!(counts.by_status.len(), 8);
    assert_eq!(
        [
            counts.get(OrderStatus::Draft),
            counts.get(OrderStatus::Submitted),
            counts.get(OrderStatus::Accepted),
            counts.get(OrderStatus::Cancelled),
            counts.get(OrderStatus::Delivered),
            counts.total,
        ],
        [1, 2, 1, 1, 0, 5]
    );
    let mine = orders::counts_by_status(&db, &acme, c1).await.unwrap();
    assert_eq!(
        [
            mine.get(OrderStatus::Draft),
            mine.get(OrderStatus::Submitted),
            mine.get(OrderStatus::Accepted),
            mine.total,
        ],
        [1, 1, 1, 3]
    );

    // Detail with history; scoped to the customer; tenant isolation.
    let d = orders::get(&db, &acme, c1, id(O1)).await.unwrap().unwrap();
    let steps: Vec<(OrderStatus, ActorKind)> =
        d.history.iter().map(|s| (s.status, s.actor)).collect();
    assert_eq!(
        steps,
        [
            (OrderStatus::Draft, ActorKind::PortalUser),
            (OrderStatus::Submitted, ActorKind::PortalUser),
            (OrderStatus::Accepted, ActorKind::Staff),
        ]
    );
    assert_eq!(
        d.history[1].reported_at,
        Some(datetime!(2025-06-02 08:00 UTC))
    );
    assert_eq!(d.content.input().consignments.len(), 1);
    assert_eq!(d.order.number, "ORD-001");
    assert!(orders::get(&db, &acme, c1, id(O3)).await.unwrap().is_none());
    assert!(
        orders::get(&db, &acme, Scope::Tenant, id(O3))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        orders::get(&db, &bolt, Scope::Tenant, id(O1))
            .await
            .unwrap()
            .is_none()
    );
    let b = list(&db, &bolt, Scope::Tenant, OrderFilter::default()).await;
    assert_eq!(
        (ids(&b), b.items[0].customer_name.as_deref()),
        (vec![B1], Some("Alpha B"))
    );
    if db.backend() == portal_projections::store::Backend::Postgres {
        // The list indexes, the trigram one included (pg_trgm, migration 0005).
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT CAST(indexname AS TEXT) FROM pg_indexes WHERE tablename = 'rm_orders' ORDER BY 1",
        )
        .fetch_all(db.pool())
        .await
        .unwrap();
        for expected in [
            "rm_orders_created_pos_key_idx",
            "rm_orders_customer_id_created_pos_key_idx",
            "rm_orders_customer_id_status_created_pos_key_idx",
            "rm_orders_status_created_pos_key_idx",
            "rm_orders_submitted_pos_key_idx",
            "rm_orders_status_submitted_pos_key_idx",
            "rm_orders_search_trgm_idx",
            "rm_orders_customer_id_reference_created_pos_key_idx",
        ] {
            assert!(
                names.iter().any(|n| n == expected),
                "{expected} in {names:?}"
            );
        }
    }
    let bc = orders::counts_by_status(&db, &bolt, Scope::Tenant)
        .await
        .unwrap();
    assert_eq!((bc.total, bc.get(OrderStatus::Submitted)), (1, 1));
    assert_eq!(
        orders::counts_by_status(&db, &tenant("nobody"), Scope::Tenant)
            .await
            .unwrap()
            .total,
        0
    );
}

async fn charges_body(t: TestStoreRef) {
    let (db, projector) = read_db(&t).await;
    let mut w = Writer::new(&t.store);
    let (acme, bolt) = seed_orders(&mut w).await;
    let st = staff();
    order(
        &mut w,
        &acme,
        O1,
        &st,
        &[charge_added(O1, 201, 4500), requested(O1, 201)],
    )
    .await;
    order(&mut w, &acme, O1, &st, &[charge_added(O1, 202, 1000)]).await;
    order(
        &mut w,
        &acme,
        O3,
        &st,
        &[charge_added(O3, 203, 700), requested(O3, 203)],
    )
    .await;
    order(
        &mut w,
        &bolt,
        B1,
        &st,
        &[charge_added(B1, 209, 1), requested(B1, 209)],
    )
    .await;
    project(&projector, &t.store).await;
    let c1 = Scope::Customer(id(1));
    let keys = |rows: &[charges::ChargeRow]| {
        rows.iter()
            .map(|r| r.charge_id.as_uuid().as_u128())
            .collect::<Vec<_>>()
    };

    let awaiting = charges::awaiting_approval(&db, &acme, Scope::Tenant)
        .await
        .unwrap();
    assert_eq!(keys(&awaiting), [201, 203]);
    assert_eq!(awaiting[0].order_number.as_deref(), Some("ORD-001"));
    assert_eq!(awaiting[0].amount, eur(4500));
    assert_eq!(
        keys(&charges::awaiting_approval(&db, &acme, c1).await.unwrap()),
        [201]
    );
    assert_eq!(
        charges::count_awaiting(&db, &acme, Scope::Tenant)
            .await
            .unwrap(),
        2
    );
    assert_eq!(charges::count_awaiting(&db, &acme, c1).await.unwrap(), 1);
    assert_eq!(
        charges::count_awaiting(&db, &bolt, Scope::Tenant)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        keys(&charges::for_order(&db, &acme, c1, id(O1)).await.unwrap()),
        [201, 202]
    );
    assert!(
        charges::for_order(&db, &acme, Scope::Customer(id(2)), id(O1))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        charges::get(&db, &bolt, Scope::Tenant, id(201))
            .await
            .unwrap()
            .is_none()
    );
    // The order row counts what awaits approval; the detail holds the amounts.
    let d = orders::get(&db, &acme, c1, id(O1)).await.unwrap().unwrap();
    assert_eq!(d.order.charges_awaiting_approval, 1);
    assert_eq!(d.charges.len(), 2);
    assert_eq!(d.charges[1].approval, ChargeApproval::ToRequest);

    order(
        &mut w,
        &acme,
        O1,
        &portal_user(id(1)),
        &[OrderEvent::ChargeApproved {
            order_id: id(O1),
            charge_id: id(201),
            comment: Some("fine".into()),
        }],
    )
    .await;
    project(&projector, &t.store).await;
    assert!(
        charges::awaiting_approval(&db, &acme, c1)
            .await
            .unwrap()
            .is_empty()
    );
    let ch = charges::get(&db, &acme, c1, id(201))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (ch.approval, ch.comment.as_deref()),
        (ChargeApproval::Approved, Some("fine"))
    );
    assert!(ch.decided_at.is_some());
    let d = orders::get(&db, &acme, c1, id(O1)).await.unwrap().unwrap();
    assert_eq!(d.order.charges_awaiting_approval, 0);
}

#[tokio::test]
async fn orders_sqlite() {
    with_store(Backend::Sqlite, "orders_sqlite", orders_body).await;
}

#[tokio::test]
async fn orders_postgres() {
    with_store(Backend::Postgres, "orders_postgres", orders_body).await;
}

#[tokio::test]
async fn charges_sqlite() {
    with_store(Backend::Sqlite, "charges_sqlite", charges_body).await;
}

#[tokio::test]
async fn charges_postgres() {
    with_store(Backend::Postgres, "charges_postgres", charges_body).await;
}
