//! Database tests of the locations, printer configurations and audit index read models, on
//! SQLite and PostgreSQL.

use crate::models_support::*;
use portal_domain::location::{Location, LocationEvent, LocationOwner, LocationVisibility};
use portal_domain::order::{Order, OrderEvent};
use portal_domain::printer::{
    DocumentFormat, LabelFormat, OutputKind, PrinterConfig, PrinterConfigEvent,
};
use portal_domain::values::{Address, OpeningHours};
use portal_domain::{ContactId, CustomerId, LocationId, OrderId, TenantId};
use portal_eventlog::testing::{Backend, TestStoreRef, with_store};
use portal_projections::models::{Page, Scope, audit, locations, printers};

fn location(
    l: u128,
    owner: LocationOwner,
    visibility: LocationVisibility,
    n: &str,
) -> LocationEvent {
    LocationEvent::LocationAdded {
        location_id: id(l),
        owner,
        name: name(n),
        address: Address::new(address_input(n)).unwrap(),
        opening_hours: OpeningHours::default(),
        instructions: None,
        visibility,
    }
}

async fn seed_locations(w: &mut Writer) -> (TenantId, TenantId) {
    let (acme, bolt) = (tenant("acme"), tenant("bolt"));
    let (c1, c2): (CustomerId, CustomerId) = (id(1), id(2));
    let own = |c: CustomerId| {
        (
            LocationOwner::Customer { customer_id: c },
            LocationVisibility::CustomerOnly { customer_id: c },
        )
    };
    let carrier = |v: LocationVisibility| (LocationOwner::Carrier, v);
    let all = LocationVisibility::AllPortalCustomers;
    let entries = [
        (51, own(c1), "Warehouse A"),
        (52, own(c1), "Archive Depot"),
        (53, own(c2), "Beta Yard"),
        (54, carrier(all), "Carrier Hub"),
        (
            55,
            carrier(LocationVisibility::CustomerOnly { customer_id: c1 }),
            "Cross Dock One",
        ),
        (
            56,
            carrier(LocationVisibility::CustomerOnly { customer_id: c2 }),
            "Cross Dock Two",
        ),
        (
            57,
            carrier(LocationVisibility::NotOnPortal),
            "Internal Yard",
        ),
        (58, carrier(all), "Old Hub"),
    ];
    for (l, (owner, visibility), n) in entries {
        w.emit::<Location>(
            &acme,
            id::<LocationId>(l),
            &staff(),
            &[location(l, owner, visibility, n)],
        )
        .await;
    }
    for l in [52_u128, 58] {
        w.emit::<Location>(
            &acme,
            id::<LocationId>(l),
            &staff(),
            &[LocationEvent::LocationArchived { location_id: id(l) }],
        )
        .await;
    }
    w.emit::<Location>(
        &bolt,
        id::<LocationId>(54),
        &staff(),
        &[location(54, LocationOwner::Carrier, all, "Bolt Hub")],
    )
    .await;
    // Orders of both acme customers use the Carrier Hub.
    for (o, c) in [(101_u128, c1), (102, c2), (103, c2)] {
        w.emit::<Order>(
            &acme,
            id::<OrderId>(o),
            &portal_user(c),
            &[OrderEvent::OrderDraftCreated {
                order_id: id(o),
                customer_id: c,
                number: format!("N{o}"),
                content: content_at("PO", id(54)).into(),
            }],
        )
        .await;
    }
    (acme, bolt)
}

fn names(rows: &[locations::LocationRow]) -> Vec<String> {
    rows.iter().map(|l| l.name.to_string()).collect()
}

async fn locations_body(t: TestStoreRef) {
    let (db, projector) = read_db(&t).await;
    let mut w = Writer::new(&t.store);
    let (acme, bolt) = seed_locations(&mut w).await;
    // An update after the fact moves the row.
    w.emit::<Location>(
        &acme,
        id::<LocationId>(51),
        &staff(),
        &[LocationEvent::LocationUpdated {
            location_id: id(51),
            name: name("Warehouse Alpha"),
            address: Address::new(address_input("Potsdam")).unwrap(),
            opening_hours: OpeningHours::default(),
            instructions: None,
        }],
    )
    .await;
    project(&projector, &t.store).await;
    let (c1, c2): (CustomerId, CustomerId) = (id(1), id(2));

    assert_eq!(
        names(&locations::for_customer(&db, &acme, c1).await.unwrap()),
        ["Carrier Hub", "Cross Dock One", "Warehouse Alpha"]
    );
    assert_eq!(
        names(&locations::for_customer(&db, &acme, c2).await.unwrap()),
        ["Beta Yard", "Carrier Hub", "Cross Dock Two"]
    );
    assert_eq!(
        names(
            &locations::carrier_locations(&db, &acme, false)
                .await
                .unwrap()
        ),
        [
            "Carrier Hub",
            "Cross Dock One",
            "Cross Dock Two",
            "Internal Yard"
        ]
    );
    assert_eq!(
        names(
            &locations::carrier_locations(&db, &acme, true)
                .await
                .unwrap()
        ),
        [
            "Carrier Hub",
            "Cross Dock One",
            "Cross Dock Two",
            "Internal Yard",
            "Old Hub"
        ]
    );
    assert_eq!(
        names(
            &locations::customer_locations(&db, &acme, c1, false)
                .await
                .unwrap()
        ),
        ["Warehouse Alpha"]
    );
    assert_eq!(
        names(
            &locations::customer_locations(&db, &acme, c1, true)
                .await
                .unwrap()
        ),
        ["Archive Depot", "Warehouse Alpha"]
    );

    // get: scoped for portal users, archived ones included.
    let get = |scope, l: u128| {
        let db = db.clone();
        let acme = acme.clone();
        async move { locations::get(&db, &acme, scope, id(l)).await.unwrap() }
    };
    let mine = Scope::Customer(c1);
    assert_eq!(get(mine, 51).await.unwrap().address.city(), "Potsdam");
    assert!(get(mine, 52).await.unwrap().archived);
    assert!(get(mine, 53).await.is_none());
    assert!(get(mine, 56).await.is_none());
    assert!(get(mine, 57).await.is_none());
    assert!(get(mine, 54).await.is_some());
    assert!(get(Scope::Tenant, 57).await.is_some());

    // Facts for commands.
    assert_eq!(
        locations::used_by_customers(&db, &acme, id(54))
            .await
            .unwrap(),
        [c1, c2]
    );
    assert!(
        locations::used_by_customers(&db, &acme, id(55))
            .await
            .unwrap()
            .is_empty()
    );
    let wanted: Vec<LocationId> = [51, 52, 53, 54, 57, 99].into_iter().map(id).collect();
    let usable: Vec<(LocationId, String)> = locations::addresses_for(&db, &acme, c1, &wanted)
        .await
        .unwrap()
        .into_iter()
        .map(|(l, a)| (l, a.city().to_owned()))
        .collect();
    assert_eq!(
        usable,
        [
            (id(51), "Potsdam".to_owned()),
            (id(54), "Carrier Hub".to_owned())
        ]
    );

    // Tenant isolation.
    assert_eq!(
        names(&locations::for_customer(&db, &bolt, c1).await.unwrap()),
        ["Bolt Hub"]
    );
    assert!(
        locations::get(&db, &bolt, Scope::Tenant, id(51))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        locations::used_by_customers(&db, &bolt, id(54))
            .await
            .unwrap()
            .is_empty()
    );
}

async fn printers_and_audit_body(t: TestStoreRef) {
    let (db, projector) = read_db(&t).await;
    let mut w = Writer::new(&t.store);
    let (acme, bolt) = seed_locations(&mut w).await;
    let c1: CustomerId = id(1);
    let (user, other_user): (ContactId, ContactId) = (id(5), id(6));
    // A customer-wide configuration (events before per-user configurations: no contact)…
    w.emit::<PrinterConfig>(
        &acme,
        c1,
        &portal_user(c1),
        &[PrinterConfigEvent::PrinterConfigSet {
            customer_id: c1,
            contact_id: None,
            label_printer: Some("Shared".into()),
            label_format: LabelFormat::A4,
            label_output: OutputKind::Pdf,
            label_copies: 1,
            document_printer: None,
            document_format: DocumentFormat::Letter,
        }],
    )
    .await;
    // …and one user's own, saved twice (the latest wins).
    for (printer, format, output, copies) in [
        (Some("Zebra"), LabelFormat::FourBySixIn, OutputKind::Zpl, 1),
        (Some("Office"), LabelFormat::A4, OutputKind::Pdf, 3),
    ] {
        w.emit::<PrinterConfig>(
            &acme,
            user,
            &portal_user(c1),
            &[PrinterConfigEvent::PrinterConfigSet {
                customer_id: c1,
                contact_id: Some(user),
                label_printer: printer.map(Into::into),
                label_format: format,
                label_output: output,
                label_copies: copies,
                document_printer: None,
                document_format: DocumentFormat::A5,
            }],
        )
        .await;
    }
    project(&projector, &t.store).await;

    // Printer configuration: the user's own.
    let cfg = printers::get(&db, &acme, user).await.unwrap().unwrap();
    assert_eq!(cfg.label_printer.as_deref(), Some("Office"));
    assert_eq!(
        (cfg.label_format, cfg.label_output, cfg.label_copies),
        (LabelFormat::A4, OutputKind::Pdf, 3)
    );
    assert_eq!(cfg.document_format, DocumentFormat::A5);
    assert_eq!(
        printers::effective(&db, &acme, c1, user).await.unwrap(),
        cfg
    );
    // Another user of the customer prints with the customer-wide one, as their own row.
    let shared = printers::effective(&db, &acme, c1, other_user)
        .await
        .unwrap();
    assert_eq!(shared.label_printer.as_deref(), Some("Shared"));
    assert_eq!(shared.document_format, DocumentFormat::Letter);
    assert_eq!(shared.contact_id, Some(other_user));
    assert!(
        printers::get(&db, &acme, other_user)
            .await
            .unwrap()
            .is_none()
    );
    // Another tenant sees none of it.
    assert!(printers::get(&db, &bolt, user).await.unwrap().is_none());
    let fallback = printers::effective(&db, &bolt, c1, user).await.unwrap();
    assert!(!fallback.configured);
    assert_eq!(
        (fallback.label_format, fallback.label_copies),
        (LabelFormat::A6, 1)
    );

    // Audit index: one row per stream, most recently changed first.
    let all = audit::list(&db, &acme, None, &Page::first(100))
        .await
        .unwrap();
    // 8 locations, 3 orders, 2 printer configurations.
    assert_eq!(all.total, 13);
    assert_eq!(all.items[0].category, "printer_config");
    assert_eq!(all.items[0].event_count, 2);
    assert!(
        all.items
            .windows(2)
            .all(|p| p[0].last_position > p[1].last_position)
    );
    let archived = audit::get(&db, &acme, &format!("location-{}", id::<LocationId>(52)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(archived.label.as_deref(), Some("Archive Depot"));
    assert_eq!(
        (archived.event_count, archived.last_event_type.as_str()),
        (2, "LocationArchived")
    );
    assert!(archived.first_position < archived.last_position);
    let orders = audit::list(&db, &acme, Some("order"), &Page::first(2))
        .await
        .unwrap();
    assert_eq!(orders.total, 3);
    let labels: Vec<_> = orders
        .items
        .iter()
        .map(|s| s.label.clone().unwrap())
        .collect();
    assert_eq!(labels, ["N103", "N102"]);
    let rest = audit::list(
        &db,
        &acme,
        Some("order"),
        &Page::after(orders.next.unwrap(), 2),
    )
    .await
    .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].label.as_deref(), Some("N101"));
    assert_eq!(rest.next, None);
    assert_eq!(
        audit::list(&db, &acme, Some("customer"), &Page::first(10))
            .await
            .unwrap()
            .total,
        0
    );
    // Tenant isolation.
    let b = audit::list(&db, &bolt, None, &Page::first(100))
        .await
        .unwrap();
    assert_eq!(b.total, 1);
    assert_eq!(b.items[0].label.as_deref(), Some("Bolt Hub"));
    assert!(
        audit::get(&db, &bolt, &format!("order-{}", id::<OrderId>(101)))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn locations_sqlite() {
    with_store(Backend::Sqlite, "locations_sqlite", locations_body).await;
}

#[tokio::test]
async fn locations_postgres() {
    with_store(Backend::Postgres, "locations_postgres", locations_body).await;
}

#[tokio::test]
async fn printers_and_audit_sqlite() {
    with_store(
        Backend::Sqlite,
        "printers_and_audit_sqlite",
        printers_and_audit_body,
    )
    .await;
}

#[tokio::test]
async fn printers_and_audit_postgres() {
    with_store(
        Backend::Postgres,
        "printers_and_audit_postgres",
        printers_and_audit_body,
    )
    .await;
}
