//! Database tests of the tenants and customers read models, on SQLite and PostgreSQL.

use crate::models_support::*;
use portal_domain::CustomerId;
use portal_domain::customer::{Customer, CustomerEvent, CustomerStatus};
use portal_eventlog::testing::{Backend, TestStoreRef, with_store};
use portal_projections::QueryError;
use portal_projections::models::customers::{self, CustomerFilter};
use portal_projections::models::{Page, tenants};

async fn customers_body(t: TestStoreRef) {
    let (db, projector) = read_db(&t).await;
    let mut w = Writer::new(&t.store);
    let (acme, bolt) = seed_customers(&mut w).await;
    project(&projector, &t.store).await;

    // Tenant names.
    assert_eq!(
        tenants::name(&db, &acme).await.unwrap().as_deref(),
        Some("ACME Transport")
    );
    assert_eq!(tenants::name(&db, &tenant("nobody")).await.unwrap(), None);

    // The whole list in name order (case-insensitive), with the contact counts.
    let all = customers::list(&db, &acme, &CustomerFilter::default(), &Page::first(50))
        .await
        .unwrap();
    let names: Vec<&str> = all.items.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Alpha Foods",
            "beta Bikes",
            "Delta Foods",
            "Epsilon Foods",
            "Gamma 100% Steel"
        ]
    );
    assert_eq!((all.total, all.next.as_deref()), (5, None));
    let alpha = &all.items[0];
    assert_eq!((alpha.contact_count, alpha.contacts_with_access), (2, 1));
    assert!(alpha.portal_enabled);

    // Paging: 2 + 2 + 1, every page knows the total.
    let mut seen = Vec::new();
    let mut page = Page::first(2);
    loop {
        let p = customers::list(&db, &acme, &CustomerFilter::default(), &page)
            .await
            .unwrap();
        assert_eq!(p.total, 5);
        assert!(p.items.len() <= 2);
        seen.extend(p.items.iter().map(|c| c.customer_id));
        match p.next {
            Some(next) => page = Page::after(next, 2),
            None => break,
        }
    }
    let expected: Vec<CustomerId> = all.items.iter().map(|c| c.customer_id).collect();
    assert_eq!(seen, expected);
    let bad = customers::list(
        &db,
        &acme,
        &CustomerFilter::default(),
        &Page::after("zz", 2),
    )
    .await;
    assert!(matches!(bad, Err(QueryError::InvalidCursor)));

    // Filters: search (all words, case-insensitive, wildcards literal), status, portal.
    let f = |search: Option<&str>, status, portal| CustomerFilter {
        search: search.map(Into::into),
        status,
        portal,
    };
    let ids = |filter: CustomerFilter| {
        let db = db.clone();
        let acme = acme.clone();
        async move {
            customers::list(&db, &acme, &filter, &Page::first(50))
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|c| c.customer_id)
                .collect::<Vec<CustomerId>>()
        }
    };
    assert_eq!(
        ids(f(Some("FOODS"), None, None)).await,
        [id(1), id(4), id(5)]
    );
    assert_eq!(ids(f(Some("foods eps"), None, None)).await, [id(5)]);
    assert_eq!(ids(f(Some("100%"), None, None)).await, [id(3)]);
    assert_eq!(ids(f(Some("0%"), None, None)).await, [id(3)]);
    assert_eq!(ids(f(Some("g_s"), None, None)).await, [id(3)]);
    assert_eq!(
        ids(f(Some("g%s"), None, None)).await,
        Vec::<CustomerId>::new()
    );
    assert_eq!(ids(f(Some("_"), None, None)).await, [id(3)]);
    assert_eq!(ids(f(Some("af-1"), None, None)).await, [id(1)]);
    assert_eq!(
        ids(f(None, Some(CustomerStatus::Approved), None)).await,
        [id(1), id(2), id(5)]
    );
    assert_eq!(ids(f(None, None, Some(true))).await, [id(1), id(5)]);
    assert_eq!(ids(f(None, None, Some(false))).await, [id(2), id(4), id(3)]);
    assert_eq!(
        ids(f(
            Some("foods"),
            Some(CustomerStatus::Approved),
            Some(false)
        ))
        .await,
        Vec::<CustomerId>::new()
    );
    let filtered = customers::list(&db, &acme, &f(Some("foods"), None, None), &Page::first(1))
        .await
        .unwrap();
    assert_eq!((filtered.items.len(), filtered.total), (1, 3));
    assert!(filtered.next.is_some());

    // Select all matching the filter.
    let matching = customers::all_ids_matching(&db, &acme, &f(None, None, Some(false)))
        .await
        .unwrap();
    assert_eq!(matching, [id(2), id(4), id(3)]);

    // Profile with contacts in name order.
    let profile = customers::profile(&db, &acme, id(1))
        .await
        .unwrap()
        .unwrap();
    let contacts: Vec<(&str, bool)> = profile
        .contacts
        .iter()
        .map(|c| (c.name.as_str(), c.portal_access))
        .collect();
    assert_eq!(contacts, [("Adam Ant", false), ("Zoe Zed", true)]);
    let json = serde_json::to_value(&profile).unwrap();
    assert_eq!(json["name"], "Alpha Foods");
    assert_eq!(json["contacts"][1]["email"], "zoe@alpha.example");

    // Tenant isolation: bolt sees its own customer with the same id only.
    let b = customers::list(&db, &bolt, &CustomerFilter::default(), &Page::first(50))
        .await
        .unwrap();
    assert_eq!(b.total, 1);
    assert_eq!(b.items[0].contact_count, 1);
    assert!(customers::get(&db, &bolt, id(2)).await.unwrap().is_none());
    let bp = customers::profile(&db, &bolt, id(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bp.contacts.len(), 1);
    assert_eq!(bp.contacts[0].name.as_str(), "Bo Bolt");
    assert!(
        customers::all_ids_matching(&db, &tenant("nobody"), &CustomerFilter::default())
            .await
            .unwrap()
            .is_empty()
    );

    // Later events move the rows; applying the log again changes nothing.
    w.emit::<Customer>(
        &acme,
        id::<CustomerId>(2),
        &staff(),
        &[CustomerEvent::CustomerDetailsUpdated {
            customer_id: id(2),
            name: name("Aardvark Bikes"),
            code: None,
        }],
    )
    .await;
    project(&projector, &t.store).await;
    project(&projector, &t.store).await;
    let first = customers::list(&db, &acme, &CustomerFilter::default(), &Page::first(1))
        .await
        .unwrap();
    assert_eq!(first.items[0].name.as_str(), "Aardvark Bikes");
    let alpha = customers::get(&db, &acme, id(1)).await.unwrap().unwrap();
    assert_eq!((alpha.contact_count, alpha.contacts_with_access), (2, 1));
}

#[tokio::test]
async fn customers_sqlite() {
    with_store(Backend::Sqlite, "customers_sqlite", customers_body).await;
}

#[tokio::test]
async fn customers_postgres() {
    with_store(Backend::Postgres, "customers_postgres", customers_body).await;
}
