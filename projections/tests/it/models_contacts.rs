//! Database tests of the contacts read model, on SQLite and PostgreSQL.

use crate::models_support::*;
use portal_domain::contact::{Contact, ContactEvent};
use portal_domain::customer::{Customer, CustomerEvent};
use portal_domain::values::Email;
use portal_domain::{ContactId, CustomerId, TenantId};
use portal_eventlog::testing::{Backend, TestStoreRef, with_store};
use portal_projections::models::contacts::{self, ContactFilter, ContactStatus};

async fn contacts_body(t: TestStoreRef) {
    let (db, projector) = read_db(&t).await;
    let mut w = Writer::new(&t.store);
    let (acme, bolt) = seed_customers(&mut w).await;
    add_contact(
        &mut w,
        &acme,
        id(14),
        id(2),
        "Carl Cook",
        "carl@beta.example",
        false,
    )
    .await;
    w.emit::<Contact>(
        &acme,
        id::<ContactId>(14),
        &staff(),
        &[ContactEvent::ContactRemoved {
            contact_id: id(14),
            customer_id: id(2),
        }],
    )
    .await;
    project(&projector, &t.store).await;

    let list = |filter: ContactFilter, tenant: TenantId| {
        let db = db.clone();
        async move {
            contacts::list(
                &db,
                &tenant,
                &filter,
                &portal_projections::models::Page::first(50),
            )
            .await
            .unwrap()
        }
    };
    let names = |p: &portal_projections::models::Paged<contacts::ContactRow>| {
        p.items
            .iter()
            .map(|c| c.name.to_string())
            .collect::<Vec<_>>()
    };
    let all = list(ContactFilter::default(), acme.clone()).await;
    assert_eq!(names(&all), ["Adam Ant", "Eve Eps", "Zoe Zed"]);
    assert_eq!(all.total, 3);
    assert_eq!(
        all.items[0].customer_name.as_ref().map(|n| n.as_str()),
        Some("Alpha Foods")
    );
    let with_removed = list(
        ContactFilter {
            include_removed: true,
            ..Default::default()
        },
        acme.clone(),
    )
    .await;
    assert_eq!(
        names(&with_removed),
        ["Adam Ant", "Carl Cook", "Eve Eps", "Zoe Zed"]
    );
    assert_eq!(with_removed.items[1].status, ContactStatus::Removed);

    let by_customer = list(
        ContactFilter {
            customer: Some(id(1)),
            ..Default::default()
        },
        acme.clone(),
    )
    .await;
    assert_eq!(names(&by_customer), ["Adam Ant", "Zoe Zed"]);
    let with_access = list(
        ContactFilter {
            access: Some(true),
            ..Default::default()
        },
        acme.clone(),
    )
    .await;
    assert_eq!(names(&with_access), ["Eve Eps", "Zoe Zed"]);
    let without = list(
        ContactFilter {
            access: Some(false),
            customer: Some(id(1)),
            ..Default::default()
        },
        acme.clone(),
    )
    .await;
    assert_eq!(names(&without), ["Adam Ant"]);
    // Search covers name, email and customer name.
    for (q, expected) in [
        ("ZOE", vec!["Zoe Zed"]),
        ("alpha.example", vec!["Adam Ant", "Zoe Zed"]),
        ("epsilon", vec!["Eve Eps"]),
        ("alpha adam", vec!["Adam Ant"]),
    ] {
        let p = list(
            ContactFilter {
                search: Some(q.into()),
                ..Default::default()
            },
            acme.clone(),
        )
        .await;
        assert_eq!(names(&p), expected, "{q}");
    }
    // Paging.
    let first = contacts::list(
        &db,
        &acme,
        &ContactFilter::default(),
        &portal_projections::models::Page::first(2),
    )
    .await
    .unwrap();
    assert_eq!(names(&first), ["Adam Ant", "Eve Eps"]);
    let second = contacts::list(
        &db,
        &acme,
        &ContactFilter::default(),
        &portal_projections::models::Page::after(first.next.unwrap(), 2),
    )
    .await
    .unwrap();
    assert_eq!(names(&second), ["Zoe Zed"]);
    assert_eq!((second.total, second.next), (3, None));

    // get, and tenant isolation.
    let zoe = contacts::get(&db, &acme, id(11)).await.unwrap().unwrap();
    assert!(zoe.has_effective_access());
    assert!(contacts::get(&db, &bolt, id(11)).await.unwrap().is_none());
    let b = list(ContactFilter::default(), bolt.clone()).await;
    assert_eq!(names(&b), ["Bo Bolt"]);

    // The email uniqueness fact.
    let zoe_mail = Email::parse("zoe@alpha.example").unwrap();
    assert!(
        contacts::email_in_use(&db, &acme, id(1), &zoe_mail, None)
            .await
            .unwrap()
    );
    assert!(
        !contacts::email_in_use(&db, &acme, id(1), &zoe_mail, Some(id(11)))
            .await
            .unwrap()
    );
    assert!(
        !contacts::email_in_use(&db, &acme, id(2), &zoe_mail, None)
            .await
            .unwrap()
    );
    assert!(
        !contacts::email_in_use(&db, &bolt, id(1), &zoe_mail, None)
            .await
            .unwrap()
    );
    let carl = Email::parse("carl@beta.example").unwrap();
    assert!(
        !contacts::email_in_use(&db, &acme, id(2), &carl, None)
            .await
            .unwrap()
    );

    // Login lookup across tenants, effective access only.
    let shared = Email::parse("Shared@Example.com").unwrap();
    let grants = contacts::by_email(&db, &shared).await.unwrap();
    let got: Vec<(&str, Option<&str>, Option<&str>)> = grants
        .iter()
        .map(|g| {
            (
                g.tenant.as_str(),
                g.tenant_name.as_deref(),
                g.customer_name.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("acme", Some("ACME Transport"), Some("Epsilon Foods")),
            ("bolt", Some("Bolt Freight"), Some("Alpha Foods")),
        ]
    );
    let adam = Email::parse("adam@alpha.example").unwrap();
    assert!(contacts::by_email(&db, &adam).await.unwrap().is_empty());
    w.emit::<Customer>(
        &acme,
        id::<CustomerId>(5),
        &staff(),
        &[CustomerEvent::CustomerPortalDisabled { customer_id: id(5) }],
    )
    .await;
    project(&projector, &t.store).await;
    let grants = contacts::by_email(&db, &shared).await.unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].tenant.as_str(), "bolt");
    assert_eq!(grants[0].contact_id, id(21));
}

#[tokio::test]
async fn contacts_sqlite() {
    with_store(Backend::Sqlite, "contacts_sqlite", contacts_body).await;
}

#[tokio::test]
async fn contacts_postgres() {
    with_store(Backend::Postgres, "contacts_postgres", contacts_body).await;
}
