//! Tests of the locations projection, in memory (queries: `projections/tests/models_*.rs`).
#![allow(clippy::unwrap_used)]
use super::*;
use crate::error::ApplyError;
use crate::models::testkit::{Harness, address, content, content_with, id, name, tenant};
use crate::rows::{ColValue, Row};
use portal_domain::location::{Location, LocationEvent, LocationOwner, LocationVisibility};
use portal_domain::order::{Order, OrderEvent};
use portal_domain::values::OpeningHours;
use portal_domain::{CustomerId, LocationId, OrderId};
use time::macros::{date, datetime};

fn added(l: LocationId, owner: LocationOwner, visibility: LocationVisibility) -> LocationEvent {
    LocationEvent::LocationAdded {
        location_id: l,
        owner,
        name: name("Main Depot"),
        address: address("Berlin"),
        opening_hours: OpeningHours::default(),
        instructions: None,
        visibility,
    }
}

#[test]
fn location_lifecycle_and_columns() {
    let mut h = Harness::new(LocationsProjection);
    let t = tenant("acme");
    let c: CustomerId = id(1);
    let l: LocationId = id(50);
    h.apply::<Location>(
        &t,
        l,
        added(
            l,
            LocationOwner::Customer { customer_id: c },
            LocationVisibility::CustomerOnly { customer_id: c },
        ),
    )
    .unwrap();
    let row: LocationRow = h.row(&t, l).unwrap();
    assert!(row.is_visible_to(c) && !row.is_visible_to(id(2)));
    assert_eq!(
        row.columns(),
        vec![
            ColValue::from(c.to_string()),
            ColValue::from("customer_only"),
            ColValue::from(c.to_string()),
            ColValue::from(false),
            ColValue::from("main depot"),
        ]
    );
    h.apply::<Location>(
        &t,
        l,
        LocationEvent::LocationUpdated {
            location_id: l,
            name: name("Depot North"),
            address: address("Hamburg"),
            opening_hours: OpeningHours::default(),
            instructions: None,
        },
    )
    .unwrap();
    h.apply::<Location>(&t, l, LocationEvent::LocationArchived { location_id: l })
        .unwrap();
    let row: LocationRow = h.row(&t, l).unwrap();
    assert_eq!(row.name.as_str(), "Depot North");
    assert_eq!(row.address.city(), "Hamburg");
    assert!(row.archived);

    let carrier: LocationId = id(51);
    h.apply::<Location>(
        &t,
        carrier,
        added(
            carrier,
            LocationOwner::Carrier,
            LocationVisibility::NotOnPortal,
        ),
    )
    .unwrap();
    h.apply::<Location>(
        &t,
        carrier,
        LocationEvent::LocationVisibilityChanged {
            location_id: carrier,
            visibility: LocationVisibility::AllPortalCustomers,
        },
    )
    .unwrap();
    let row: LocationRow = h.row(&t, carrier).unwrap();
    assert!(row.is_visible_to(c));
    assert_eq!(row.columns()[0], ColValue::Text(None));
    assert_eq!(row.columns()[1], ColValue::from("all_portal_customers"));
}

#[test]
fn orders_record_which_customers_use_a_location() {
    let mut h = Harness::new(LocationsProjection);
    let t = tenant("acme");
    let l: LocationId = id(50);
    h.apply::<Location>(
        &t,
        l,
        added(
            l,
            LocationOwner::Carrier,
            LocationVisibility::AllPortalCustomers,
        ),
    )
    .unwrap();
    let (o1, o2, o3): (OrderId, OrderId, OrderId) = (id(101), id(102), id(103));
    let (c1, c2): (CustomerId, CustomerId) = (id(1), id(2));
    let with_location = content_with("PO", date!(2025 - 06 - 03), None, Some(l));
    for (o, c, body) in [
        (o1, c2, with_location.clone()),
        (o2, c1, content("PO")),
        (o3, c2, with_location.clone()),
    ] {
        h.apply::<Order>(
            &t,
            o,
            OrderEvent::OrderDraftCreated {
                order_id: o,
                customer_id: c,
                number: "N".into(),
                content: body.into(),
            },
        )
        .unwrap();
    }
    let row: LocationRow = h.row(&t, l).unwrap();
    assert_eq!(row.used_by, vec![c2]);
    // c1's draft starts using it when submitted.
    h.apply::<Order>(
        &t,
        o2,
        OrderEvent::OrderSubmitted {
            order_id: o2,
            content: with_location,
            submitted_at: datetime!(2025-06-01 10:00 UTC),
        },
    )
    .unwrap();
    let row: LocationRow = h.row(&t, l).unwrap();
    assert_eq!(row.used_by, vec![c1, c2]);
}

#[test]
fn unknown_locations_and_invalid_payloads() {
    let mut h = Harness::new(LocationsProjection);
    let t = tenant("acme");
    let l: LocationId = id(50);
    let e = h
        .apply::<Location>(&t, l, LocationEvent::LocationArchived { location_id: l })
        .unwrap_err();
    assert!(matches!(e, ApplyError::Event(_)));
    // An order referring to an unknown location, and an update of an unknown order: no rows.
    let o: OrderId = id(100);
    h.apply::<Order>(
        &t,
        o,
        OrderEvent::OrderDraftUpdated {
            order_id: o,
            content: content_with("PO", date!(2025 - 06 - 03), None, Some(l)).into(),
        },
    )
    .unwrap();
    assert!(h.row::<LocationRow>(&t, l).is_none());
    for stream in ["location-1", "order-1"] {
        let e = h
            .apply_raw(&t, stream, "LocationAdded", serde_json::json!({}))
            .unwrap_err();
        assert!(matches!(e, ApplyError::Event(_)));
    }
    h.apply_raw(&t, "customer-1", "CustomerCreated", serde_json::json!({}))
        .unwrap();
}
