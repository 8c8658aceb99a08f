//! Database tests of the dashboards read model and of rebuilds, on SQLite and PostgreSQL.

use crate::models_support::*;
use portal_domain::contact::{Contact, ContactEvent};
use portal_domain::order::{OrderEvent, OrderStatus};
use portal_domain::values::Email;
use portal_domain::{ContactId, CustomerId, OrderId};
use portal_eventlog::testing::{Backend, TestStoreRef, with_store};
use portal_projections::ReadDb;
use portal_projections::models::Scope;
use portal_projections::models::dashboards::{self, Dashboard};
use portal_projections::models::orders;
use time::OffsetDateTime;
use time::macros::{date, datetime};

async fn dashboards_body(t: TestStoreRef) {
    let (db, projector) = read_db(&t).await;
    let mut w = Writer::new(&t.store);
    let (acme, bolt) = seed_orders(&mut w).await;
    let st = staff();
    // o1: accepted → delivered on time; o3: delivered late; a charge awaits approval on o1.
    let delivered = |o: u128, at: OffsetDateTime| {
        vec![
            OrderEvent::OrderPlanned {
                order_id: id(o),
                planned_at: at,
            },
            OrderEvent::OrderInTransit {
                order_id: id(o),
                in_transit_at: at,
            },
            OrderEvent::OrderDelivered {
                order_id: id(o),
                delivered_at: at,
            },
        ]
    };
    order(
        &mut w,
        &acme,
        O1,
        &st,
        &delivered(O1, datetime!(2025-06-05 11:00 UTC)),
    )
    .await;
    order(
        &mut w,
        &acme,
        O3,
        &st,
        &[OrderEvent::OrderAccepted { order_id: id(O3) }],
    )
    .await;
    order(
        &mut w,
        &acme,
        O3,
        &st,
        &delivered(O3, datetime!(2025-06-05 12:30 UTC)),
    )
    .await;
    order(
        &mut w,
        &acme,
        O1,
        &st,
        &[charge_added(O1, 201, 4500), requested(O1, 201)],
    )
    .await;
    // Portal users: one contact with access at acme, one granted and revoked.
    for (k, revoke) in [(11_u128, false), (12, true)] {
        let contact: ContactId = id(k);
        let mut events = vec![
            ContactEvent::ContactAdded {
                contact_id: contact,
                customer_id: id(1),
                name: name("Zoe"),
                email: Email::parse(&format!("z{k}@alpha.example")).unwrap(),
                phone: None,
                roles: vec![],
            },
            ContactEvent::ContactAccessGranted {
                contact_id: contact,
                customer_id: id(1),
                email: Email::parse(&format!("z{k}@alpha.example")).unwrap(),
            },
        ];
        if revoke {
            events.push(ContactEvent::ContactAccessRevoked {
                contact_id: contact,
                customer_id: id(1),
            });
        }
        w.emit::<Contact>(&acme, contact, &st, &events).await;
    }
    project(&projector, &t.store).await;
    project(&projector, &t.store).await;

    let today = date!(2025 - 06 - 10);
    let c = dashboards::customer(&db, &acme, id(1), today)
        .await
        .unwrap();
    assert_eq!(
        [
            c.orders_by_status.get(OrderStatus::Delivered),
            c.orders_by_status.get(OrderStatus::Draft),
            c.orders_by_status.get(OrderStatus::Submitted),
            c.orders_by_status.total,
        ],
        [1, 1, 1, 3]
    );
    assert_eq!(c.orders_per_day.len(), 30);
    assert_eq!(c.orders_per_day[0].date, date!(2025 - 05 - 12));
    assert_eq!(c.orders_per_day[29].date, today);
    let per_day: Vec<(time::Date, i64)> = c
        .orders_per_day
        .iter()
        .filter(|d| d.count > 0)
        .map(|d| (d.date, d.count))
        .collect();
    assert_eq!(
        per_day,
        [(date!(2025 - 06 - 01), 1), (date!(2025 - 06 - 02), 1)]
    );
    assert_eq!(
        (c.on_time.delivered, c.on_time.on_time, c.on_time.share),
        (1, 1, Some(1.0))
    );
    assert_eq!(c.charges_awaiting_approval, 1);

    // The window moves with `today`: a month later the days are out of it.
    let later = dashboards::customer(&db, &acme, id(1), date!(2025 - 07 - 15))
        .await
        .unwrap();
    assert!(later.orders_per_day.iter().all(|d| d.count == 0));
    assert_eq!(later.orders_by_status.total, 3);

    let c2 = dashboards::customer(&db, &acme, id(2), today)
        .await
        .unwrap();
    assert_eq!(
        (c2.on_time.delivered, c2.on_time.on_time, c2.on_time.share),
        (1, 0, Some(0.0))
    );

    let td = dashboards::tenant(&db, &acme, today).await.unwrap();
    assert_eq!((td.customers_with_portal, td.active_portal_users), (1, 1));
    assert_eq!(
        (
            td.orders_by_status.total,
            td.orders_by_status.get(OrderStatus::Delivered)
        ),
        (5, 2)
    );
    assert_eq!(
        (td.on_time.delivered, td.on_time.on_time, td.on_time.share),
        (2, 1, Some(0.5))
    );
    assert_eq!(td.charges_awaiting_approval, 1);
    let nonzero = |days: &[dashboards::DayCount]| {
        days.iter()
            .filter(|d| d.count > 0)
            .map(|d| (d.date, d.count))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        nonzero(&td.orders_per_day),
        [(date!(2025 - 06 - 01), 2), (date!(2025 - 06 - 02), 1)]
    );
    assert_eq!(
        nonzero(&td.portal_orders_per_day),
        [(date!(2025 - 06 - 01), 1), (date!(2025 - 06 - 02), 1)]
    );

    // Tenant isolation, and a customer or tenant without figures.
    let bd = dashboards::tenant(&db, &bolt, today).await.unwrap();
    assert_eq!(
        (
            bd.customers_with_portal,
            bd.active_portal_users,
            bd.orders_by_status.total
        ),
        (1, 0, 1)
    );
    assert_eq!(
        nonzero(&bd.portal_orders_per_day),
        [(date!(2025 - 06 - 02), 1)]
    );
    let bc = dashboards::customer(&db, &bolt, id(2), today)
        .await
        .unwrap();
    assert_eq!((bc.orders_by_status.total, bc.on_time.share), (0, None));
    let nobody = dashboards::tenant(&db, &tenant("nobody"), today)
        .await
        .unwrap();
    assert_eq!(nobody.orders_by_status.total, 0);
    match dashboards::for_scope(&db, &acme, Scope::Customer(id(1)), today)
        .await
        .unwrap()
    {
        Dashboard::Customer(d) => assert_eq!(d.customer_id, id::<CustomerId>(1)),
        other => panic!("{other:?}"),
    }
    let json = serde_json::to_value(
        dashboards::for_scope(&db, &acme, Scope::Tenant, today)
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(json["scope"], "tenant");
    assert_eq!(json["portal_orders_per_day"][20]["date"], "2025-06-01");
}

/// Every row of every read-model table, as text.
async fn dump(db: &ReadDb) -> Vec<String> {
    use sqlx::Row as _;
    let mut out = Vec::new();
    for p in portal_projections::models::all() {
        for table in p.tables() {
            let rows = sqlx::query(&format!(
                "SELECT tenant, key, doc FROM {} ORDER BY tenant, key",
                table.name
            ))
            .fetch_all(db.pool())
            .await
            .unwrap();
            for r in rows {
                let (tenant, key, doc): (String, String, String) = (r.get(0), r.get(1), r.get(2));
                out.push(format!("{} {tenant} {key} {doc}", table.name));
            }
        }
    }
    out
}

/// A rebuild from the log yields exactly the rows the live projector wrote, also around a poison
/// event (an order event whose payload does not decode).
async fn rebuild_body(t: TestStoreRef) {
    let (db, projector) = read_db(&t).await;
    let mut w = Writer::new(&t.store);
    let (acme, _) = seed_orders(&mut w).await;
    let st = staff();
    order(
        &mut w,
        &acme,
        O1,
        &st,
        &[charge_added(O1, 201, 4500), requested(O1, 201)],
    )
    .await;
    let poison = portal_eventlog::NewEvent {
        event_id: uuid::Uuid::now_v7(),
        event_type: "OrderAccepted".into(),
        schema_version: 1,
        payload: serde_json::json!({"order_id": "not a uuid"}),
        metadata: portal_eventlog::Metadata::new(st.clone()),
    };
    let stream =
        portal_eventlog::StreamId::parse(&format!("order-{}", id::<OrderId>(199))).unwrap();
    t.store
        .append(&acme, &stream, 0, &[poison], None)
        .await
        .unwrap();
    order(
        &mut w,
        &acme,
        O4,
        &st,
        &[OrderEvent::OrderAccepted { order_id: id(O4) }],
    )
    .await;
    project(&projector, &t.store).await;
    let live = dump(&db).await;
    assert!(
        live.iter()
            .any(|r| r.starts_with("rm_audit_streams acme order-"))
    );
    let accepted = orders::counts_by_status(&db, &acme, Scope::Tenant)
        .await
        .unwrap();
    assert_eq!(accepted.get(OrderStatus::Accepted), 2);

    let report = portal_projections::rebuild::rebuild(
        &t.store,
        &db,
        &portal_projections::models::all(),
        &|_| {},
    )
    .await
    .unwrap();
    let dead: usize = report.dead_letters.iter().map(|(_, n)| n).sum();
    // orders, charges, locations and dashboards read orders; the audit index does not fail.
    assert_eq!(dead, 4, "{:?}", report.dead_letters);
    let rebuilt = dump(&db).await;
    assert_eq!(live.len(), rebuilt.len());
    for (a, b) in live.iter().zip(&rebuilt) {
        assert_eq!(a, b);
    }
}

#[tokio::test]
async fn rebuild_sqlite() {
    with_store(Backend::Sqlite, "rebuild_sqlite", rebuild_body).await;
}

#[tokio::test]
async fn rebuild_postgres() {
    with_store(Backend::Postgres, "rebuild_postgres", rebuild_body).await;
}

#[tokio::test]
async fn dashboards_sqlite() {
    with_store(Backend::Sqlite, "dashboards_sqlite", dashboards_body).await;
}

#[tokio::test]
async fn dashboards_postgres() {
    with_store(Backend::Postgres, "dashboards_postgres", dashboards_body).await;
}
