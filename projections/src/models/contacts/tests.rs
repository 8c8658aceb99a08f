//! Tests of the contacts projection, in memory (queries: `projections/tests/models_*.rs`).
#![allow(clippy::unwrap_used)]
use super::*;
use crate::error::ApplyError;
use crate::models::testkit::{Harness, id, name, tenant};
use portal_domain::contact::{Contact, ContactEvent, ContactRole};
use portal_domain::customer::{Customer, CustomerEvent, CustomerStatus};
use portal_domain::values::{Email, Phone};
use portal_domain::{ContactId, CustomerId};

fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}

fn added(k: ContactId, c: CustomerId, n: &str, mail: &str) -> ContactEvent {
    ContactEvent::ContactAdded {
        contact_id: k,
        customer_id: c,
        name: name(n),
        email: email(mail),
        phone: Some(Phone::parse("+49 30 1234567").unwrap()),
        roles: vec![ContactRole::Invoices, ContactRole::Orders],
    }
}

#[test]
fn contact_rows_copy_and_follow_their_customer() {
    let mut h = Harness::new(ContactsProjection);
    let t = tenant("acme");
    let c: CustomerId = id(1);
    let (k1, k2): (ContactId, ContactId) = (id(11), id(12));
    h.apply::<Customer>(
        &t,
        c,
        CustomerEvent::CustomerCreated {
            customer_id: c,
            name: name("Bolt Bikes"),
            code: None,
            status: CustomerStatus::Approved,
        },
    )
    .unwrap();
    h.apply::<Contact>(&t, k1, added(k1, c, "Zoe", "zoe@bolt.example"))
        .unwrap();
    h.apply::<Customer>(
        &t,
        c,
        CustomerEvent::CustomerPortalEnabled { customer_id: c },
    )
    .unwrap();
    h.apply::<Contact>(&t, k2, added(k2, c, "Adam", "adam@bolt.example"))
        .unwrap();
    h.apply::<Contact>(
        &t,
        k1,
        ContactEvent::ContactAccessGranted {
            contact_id: k1,
            customer_id: c,
            email: email("zoe@bolt.example"),
        },
    )
    .unwrap();
    let z: ContactRow = h.row(&t, k1).unwrap();
    assert_eq!(
        z.customer_name.as_ref().map(|n| n.as_str()),
        Some("Bolt Bikes")
    );
    assert!(z.customer_portal_enabled && z.portal_access && z.has_effective_access());
    let a: ContactRow = h.row(&t, k2).unwrap();
    assert!(a.customer_portal_enabled && !a.portal_access);
    assert_eq!(
        a.search_text(),
        "adam adam@bolt.example +49 30 1234567 bolt bikes"
    );

    // Rename and portal switch reach every contact row.
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
    h.apply::<Customer>(
        &t,
        c,
        CustomerEvent::CustomerPortalDisabled { customer_id: c },
    )
    .unwrap();
    for k in [k1, k2] {
        let row: ContactRow = h.row(&t, k).unwrap();
        assert_eq!(
            row.customer_name.as_ref().map(|n| n.as_str()),
            Some("Bolt Bicycles")
        );
        assert!(!row.customer_portal_enabled);
    }
    let z: ContactRow = h.row(&t, k1).unwrap();
    assert!(z.portal_access && !z.has_effective_access());

    // Update, revoke, remove.
    h.apply::<Contact>(
        &t,
        k1,
        ContactEvent::ContactUpdated {
            contact_id: k1,
            customer_id: c,
            name: name("Zoe Zed"),
            email: email("zz@bolt.example"),
            phone: None,
            roles: vec![],
        },
    )
    .unwrap();
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
    let z: ContactRow = h.row(&t, k1).unwrap();
    assert_eq!(z.name.as_str(), "Zoe Zed");
    assert_eq!(z.email.as_str(), "zz@bolt.example");
    assert_eq!(z.status, ContactStatus::Removed);
    assert!(!z.portal_access && z.phone.is_none() && z.roles.is_empty());
    let index: ContactCustomerRow = h.row(&t, c).unwrap();
    assert_eq!(index.contact_ids, vec![k1, k2]);
}

#[test]
fn contact_before_its_customer_gets_the_name_later() {
    let mut h = Harness::new(ContactsProjection);
    let t = tenant("acme");
    let c: CustomerId = id(1);
    let k: ContactId = id(11);
    h.apply::<Contact>(&t, k, added(k, c, "Zoe", "zoe@bolt.example"))
        .unwrap();
    let z: ContactRow = h.row(&t, k).unwrap();
    assert_eq!(z.customer_name, None);
    h.apply::<Customer>(
        &t,
        c,
        CustomerEvent::CustomerCreated {
            customer_id: c,
            name: name("Late Ltd"),
            code: None,
            status: CustomerStatus::Prospect,
        },
    )
    .unwrap();
    let z: ContactRow = h.row(&t, k).unwrap();
    assert_eq!(
        z.customer_name.as_ref().map(|n| n.as_str()),
        Some("Late Ltd")
    );
}

#[test]
fn unknown_contact_and_invalid_payload_fail() {
    let mut h = Harness::new(ContactsProjection);
    let t = tenant("acme");
    let k: ContactId = id(11);
    let e = h
        .apply::<Contact>(
            &t,
            k,
            ContactEvent::ContactAccessRevoked {
                contact_id: k,
                customer_id: id(1),
            },
        )
        .unwrap_err();
    assert!(
        matches!(&e, ApplyError::Event(m) if m.contains("contact")),
        "{e}"
    );
    let e = h
        .apply_raw(
            &t,
            "contact-1",
            "ContactAdded",
            serde_json::json!({"email": "nope"}),
        )
        .unwrap_err();
    assert!(matches!(e, ApplyError::Event(_)));
    h.apply_raw(&t, "location-1", "LocationAdded", serde_json::json!({}))
        .unwrap();
    h.apply_raw(&t, "gizmo-1", "GizmoMade", serde_json::json!({}))
        .unwrap();
}
