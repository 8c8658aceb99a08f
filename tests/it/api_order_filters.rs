//! The pickup-date filters of the order lists, on both backends: `GET /api/v1/orders` with
//! `pickup_from` / `pickup_to` (bounds included; a bad date is a 422 naming the field), and the
//! staff inbox with the same filters, its status tabs counting what each tab would list, its
//! pickup date column and its counts in words ("1 order"). The staff order page names the
//! order's customer and links to it.

use portal_testkit::TestStoreRef;
use portal_testkit::api::{Env, STAFF, field_error};
use portal_testkit::fixtures::{customer, submitted_order_on};
use portal_testkit::http::Browser;
use portal_testkit::on_both_backends;
use serde_json::{Value, json};
use time::macros::date;

fn numbers(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

async fn pickup_filters(t: TestStoreRef) {
    let env = Env::start(t).await;
    let api = &env.api;
    let store = &env.t.store;
    let alpha = customer(store, &env.acme, "Alpha Foods").await;
    let early = submitted_order_on(store, &env.acme, alpha, "ORD-1", date!(2030 - 06 - 01)).await;
    submitted_order_on(store, &env.acme, alpha, "ORD-2", date!(2030 - 06 - 05)).await;
    submitted_order_on(store, &env.acme, alpha, "ORD-3", date!(2030 - 06 - 10)).await;
    let a = api
        .post(
            &format!("/api/v1/orders/{early}/status"),
            &json!({"status": "accepted"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    env.projected().await;

    let cases = [
        ("", vec!["ORD-1", "ORD-2", "ORD-3"]),
        ("?pickup_from=2030-06-05", vec!["ORD-2", "ORD-3"]),
        ("?pickup_to=2030-06-05", vec!["ORD-1", "ORD-2"]),
        (
            "?pickup_from=2030-06-02&pickup_to=2030-06-09",
            vec!["ORD-2"],
        ),
        ("?pickup_from=2030-06-11", vec![]),
        ("?pickup_to=2030-06-05&status=accepted", vec!["ORD-1"]),
    ];
    for (query, expected) in cases {
        let a = api.get(&format!("/api/v1/orders{query}")).await;
        assert_eq!(a.status, 200, "{query}: {}", a.body);
        assert_eq!(numbers(&a.json()), expected, "{query}");
        assert_eq!(a.json()["total"], expected.len(), "{query}");
    }
    let a = api.get("/api/v1/orders?pickup_from=5.6.2030").await;
    field_error(&a, "pickup_from", "not a date");
    let a = api.get("/api/v1/orders?pickup_to=2030-02-30").await;
    field_error(&a, "pickup_to", "no such day");

    // The inbox: tabs count what they would list under the same filters.
    let staff = Browser::new(&env.base());
    assert_eq!(
        staff.login(&env.sink, STAFF).await.location(),
        Some("/staff")
    );
    let inbox = staff.get("/staff/orders").await;
    assert_eq!(inbox.status, 200, "{}", inbox.body);
    for text in [
        "All (3)",
        "Submitted (2)",
        "Accepted (1)",
        "3 orders",
        "2030-06-10",
    ] {
        assert!(inbox.body.contains(text), "{text}: {}", inbox.body);
    }
    let filtered = staff
        .get("/staff/orders?status=submitted&pickup_from=2030-06-02&pickup_to=2030-06-09")
        .await
        .body;
    for text in [
        "All (1)",
        "Submitted (1)",
        "Accepted (0)",
        "1 order<",
        "ORD-2",
        // The tabs keep the dates.
        "pickup_from=2030-06-02&amp;pickup_to=2030-06-09",
    ] {
        assert!(filtered.contains(text), "{text}: {filtered}");
    }
    assert!(!filtered.contains("ORD-3"), "{filtered}");
    let bad = staff.get("/staff/orders?pickup_from=someday").await.body;
    assert!(
        bad.contains(r#"aria-describedby="pickup_from-error""#) && bad.contains("All (3)"),
        "{bad}"
    );

    // The order page names the customer, linked.
    let page = staff.get(&format!("/staff/orders/{early}")).await.body;
    let link = format!(r#"<a class="customer" href="/staff/customers/{alpha}">Alpha Foods</a>"#);
    assert!(page.contains(&link), "{page}");
}

on_both_backends!(pickup_filters);
