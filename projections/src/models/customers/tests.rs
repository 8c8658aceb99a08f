//! Tests of the customers projection, in memory (queries: `projections/tests/models_*.rs`).
#![allow(clippy::unwrap_used)]
use super::*;
use crate::error::ApplyError;
use crate::models::testkit::{Harness, id, name, tenant};
use crate::rows::{ColValue, Row};
use portal_domain::contact::{Contact, ContactEvent, ContactRole};
use portal_domain::customer::{Customer, CustomerEvent, CustomerStatus};
use portal_domain::values::Email;
use portal_domain::{ContactId, CustomerId};

fn customer_created(c: CustomerId, n: &str) -> CustomerEvent {
    CustomerEvent::CustomerCreated {
        customer_id: c,
        name: name(n),
        code: Some("AC-1".into()),
        status: CustomerStatus::Approved,
    }
}

fn contact_added(k: ContactId, c: CustomerId, n: &str) -> ContactEvent {
    ContactEvent::ContactAdded {
        contact_id: k,
        customer_id: c,
        name: name(n),
        email: Email::parse(&format!(
            "{}@example.com",
            n.to_lowercase().replace(" ", ".")
        ))
        .unwrap(),
        phone: None,
        roles: vec![ContactRole::Orders],
    }
}

#[test]
fn customer_lifecycle_sets_every_field() {
    let mut h = Harness::new(CustomersProjection);
    let t = tenant("acme");
    let c: CustomerId = id(1);
    h.apply::<Customer>(&t, c, customer_created(c, "Bolt Bikes"))
        .unwrap();
    h.apply::<Customer>(
        &t,
        c,
        CustomerEvent::CustomerPortalEnabled { customer_id: c },
    )
    .unwrap();
    h.apply::<Customer>(
        &t,
        c,
        CustomerEvent::CustomerChargesShown { customer_id: c },
    )
    .unwrap();
    h.apply::<Customer>(
        &t,
        c,
        CustomerEvent::CustomerDetailsUpdated {
            customer_id: c,
            name: name("Bolt Bicycles"),
            code: None,
        },
    )
    .unwrap();
    let row: CustomerRow = h.row(&t, c).unwrap();
    assert_eq!(row.name.as_str(), "Bolt Bicycles");
    assert_eq!(row.code, None);
    assert!(row.portal_enabled && row.show_charges);
    assert_eq!(row.status, CustomerStatus::Approved);
    assert_eq!(row.columns()[0], ColValue::from("Bolt Bicycles"));
    assert_eq!(row.columns()[1], ColValue::from("bolt bicycles"));
    assert_eq!(row.columns()[7], ColValue::from("bolt bicycles"));

    h.apply::<Customer>(
        &t,
        c,
        CustomerEvent::CustomerStatusChanged {
            customer_id: c,
            from: CustomerStatus::Approved,
            to: CustomerStatus::Blocked,
        },
    )
    .unwrap();
    h.apply::<Customer>(
        &t,
        c,
        CustomerEvent::CustomerPortalDisabled { customer_id: c },
    )
    .unwrap();
    h.apply::<Customer>(
        &t,
        c,
        CustomerEvent::CustomerChargesHidden { customer_id: c },
    )
    .unwrap();
    let row: CustomerRow = h.row(&t, c).unwrap();
    assert_eq!(row.status, CustomerStatus::Blocked);
    assert!(!row.portal_enabled && !row.show_charges);
}

#[test]
fn contact_counts_follow_the_contacts_exactly() {
    let mut h = Harness::new(CustomersProjection);
    let t = tenant("acme");
    let c: CustomerId = id(1);
    let (k1, k2): (ContactId, ContactId) = (id(11), id(12));
    h.apply::<Customer>(&t, c, customer_created(c, "Bolt"))
        .unwrap();
    h.apply::<Contact>(&t, k1, contact_added(k1, c, "Zoe"))
        .unwrap();
    h.apply::<Contact>(&t, k2, contact_added(k2, c, "Adam"))
        .unwrap();
    let grant = |k| ContactEvent::ContactAccessGranted {
        contact_id: k,
        customer_id: c,
        email: Email::parse("x@example.com").unwrap(),
    };
    h.apply::<Contact>(&t, k1, grant(k1)).unwrap();
    h.apply::<Contact>(&t, k2, grant(k2)).unwrap();
    let row: CustomerRow = h.row(&t, c).unwrap();
    assert_eq!((row.contact_count, row.contacts_with_access), (2, 2));

    // An update keeps the access.
    let mut updated = contact_added(k1, c, "Zoe Zed");
    if let ContactEvent::ContactAdded {
        contact_id,
        customer_id,
        name,
        email,
        phone,
        roles,
    } = updated
    {
        updated = ContactEvent::ContactUpdated {
            contact_id,
            customer_id,
            name,
            email,
            phone,
            roles,
        };
    }
    h.apply::<Contact>(&t, k1, updated).unwrap();
    let k1_row: CustomerContactRow = h.row(&t, k1).unwrap();
    assert!(k1_row.portal_access);
    assert_eq!(k1_row.name.as_str(), "Zoe Zed");

    h.apply::<Contact>(
        &t,
        k2,
        ContactEvent::ContactAccessRevoked {
            contact_id: k2,
            customer_id: c,
        },
    )
    .unwrap();
    let row: CustomerRow = h.row(&t, c).unwrap();
    assert_eq!((row.contact_count, row.contacts_with_access), (2, 1));

    // Removal (the domain revokes first) deletes the contact row.
    h.apply::<Contact>(
        &t,
        k1,
        ContactEvent::ContactAccessRevoked {
            contact_id: k1,
            customer_id: c,
        },
    )
    .unwrap();
    h.apply::<Contact>(
        &t,
        k1,
        ContactEvent::ContactRemoved {
            contact_id: k1,
            customer_id: c,
        },
    )
    .unwrap();
    let row: CustomerRow = h.row(&t, c).unwrap();
    assert_eq!((row.contact_count, row.contacts_with_access), (1, 0));
    assert!(h.row::<CustomerContactRow>(&t, k1).is_none());
    // A repeated grant of a contact that has access already changes no count.
    h.apply::<Contact>(&t, k2, grant(k2)).unwrap();
    h.apply::<Contact>(&t, k2, grant(k2)).unwrap();
    let row: CustomerRow = h.row(&t, c).unwrap();
    assert_eq!((row.contact_count, row.contacts_with_access), (1, 1));
}

#[test]
fn missing_rows_are_handled() {
    let mut h = Harness::new(CustomersProjection);
    let t = tenant("acme");
    let c: CustomerId = id(1);
    let k: ContactId = id(11);
    // An update of an unknown customer is an event error that names the customer.
    let e = h
        .apply::<Customer>(
            &t,
            c,
            CustomerEvent::CustomerPortalEnabled { customer_id: c },
        )
        .unwrap_err();
    assert!(
        matches!(&e, ApplyError::Event(m) if m.contains(&c.to_string())),
        "{e}"
    );
    // A contact of an unknown customer is kept; a grant for an unknown contact changes nothing.
    h.apply::<Contact>(&t, k, contact_added(k, c, "Zoe"))
        .unwrap();
    assert!(h.row::<CustomerContactRow>(&t, k).is_some());
    let other: ContactId = id(12);
    h.apply::<Contact>(
        &t,
        other,
        ContactEvent::ContactAccessGranted {
            contact_id: other,
            customer_id: c,
            email: Email::parse("o@example.com").unwrap(),
        },
    )
    .unwrap();
    assert!(h.row::<CustomerContactRow>(&t, other).is_none());
    assert!(h.row::<CustomerRow>(&t, c).is_none());
}

#[test]
fn invalid_payloads_fail_and_foreign_events_are_ignored() {
    let mut h = Harness::new(CustomersProjection);
    let t = tenant("acme");
    for (stream, ty) in [
        (
            "customer-00000000-0000-0000-0000-000000000001",
            "CustomerCreated",
        ),
        (
            "contact-00000000-0000-0000-0000-000000000002",
            "ContactAdded",
        ),
    ] {
        let e = h
            .apply_raw(&t, stream, ty, serde_json::json!({"x": 1}))
            .unwrap_err();
        assert!(matches!(e, ApplyError::Event(_)), "{e}");
    }
    // An undecodable event of a category this projection does not read is not its business.
    h.apply_raw(&t, "order-1", "OrderAccepted", serde_json::json!({"x": 1}))
        .unwrap();
    h.apply_raw(&t, "gizmo-1", "GizmoMade", serde_json::json!({}))
        .unwrap();
}

#[test]
fn tenants_do_not_mix() {
    let mut h = Harness::new(CustomersProjection);
    let (a, b) = (tenant("acme"), tenant("bolt"));
    let c: CustomerId = id(1);
    h.apply::<Customer>(&a, c, customer_created(c, "Shared Id"))
        .unwrap();
    assert!(h.row::<CustomerRow>(&b, c).is_none());
    let e = h
        .apply::<Customer>(
            &b,
            c,
            CustomerEvent::CustomerPortalEnabled { customer_id: c },
        )
        .unwrap_err();
    assert!(matches!(e, ApplyError::Event(_)));
    let row: CustomerRow = h.row(&a, c).unwrap();
    assert!(!row.portal_enabled);
}
