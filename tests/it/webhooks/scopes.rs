//! Scopes: a portal user's endpoint receives only its customer's order events, and charge
//! events only while that customer shows charges; never another customer's event. Another
//! scope's endpoint is 404 for the staff and for another customer's user.

use super::receiver::Receiver;
use super::{ALLOW, register, settled};
use portal_domain::CustomerId;
use portal_testkit::api::Env;
use portal_testkit::{Backend, TestStoreRef, with_store};
use serde_json::json;
use std::collections::HashSet;

async fn a_customers_endpoint_sees_only_its_customers_events(t: TestStoreRef) {
    let (rx_a, rx_b, rx_staff) = (
        Receiver::start().await,
        Receiver::start().await,
        Receiver::start().await,
    );
    let env = Env::start_with(t, &ALLOW).await;
    // A does not show charges, B does.
    let (a_id, api_a) = env.portal_user("Alpha", "ann@alpha.example", false).await;
    let (b_id, api_b) = env.portal_user("Beta", "bob@beta.example", true).await;
    // A customer's endpoint may name orders only.
    let refused = api_a
        .post(
            "/api/v1/webhooks",
            &json!({"url": rx_a.url, "event_types": ["customer.*"]}),
        )
        .await;
    portal_testkit::api::field_error(&refused, "event_types", "customer events for a customer");
    let (a_hook, _) = register(&api_a, &rx_a.url, &["*"]).await;
    let (b_hook, _) = register(&api_b, &rx_b.url, &["order.*"]).await;
    let (staff_hook, _) = register(&env.api, &rx_staff.url, &["order.*"]).await;

    let store = &env.t.store;
    let customer = |id: &str| CustomerId(id.parse().unwrap());
    let a_order =
        portal_testkit::fixtures::submitted_order(store, &env.acme, customer(&a_id), "A-1").await;
    let b_order =
        portal_testkit::fixtures::submitted_order(store, &env.acme, customer(&b_id), "B-1").await;
    env.projected().await;
    for order in [a_order, b_order] {
        let a = env
            .api
            .post(
                &format!("/api/v1/orders/{order}/charges"),
                &json!({"description": "Waiting time", "amount_minor": 12500, "currency": "EUR",
                    "request_approval": true}),
            )
            .await;
        assert!(a.status == 201 || a.status == 200, "{}", a.body);
    }
    // The staff endpoint gets both charges of both orders; then everything is settled.
    portal_testkit::wait_until(
        "the staff's charge events",
        std::time::Duration::from_secs(30),
        || async {
            rx_staff
                .received()
                .iter()
                .filter(|r| r.json()["type"].as_str().unwrap_or("").contains("Charge"))
                .count()
                >= 4
        },
    )
    .await;
    settled(&env.t.url).await;

    let orders_of = |rx: &Receiver| -> HashSet<String> {
        rx.received()
            .iter()
            .map(|r| r.json()["data"]["order_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let types_of = |rx: &Receiver| -> Vec<String> {
        rx.received()
            .iter()
            .map(|r| r.json()["type"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(orders_of(&rx_a), HashSet::from([a_order.to_string()]));
    assert_eq!(orders_of(&rx_b), HashSet::from([b_order.to_string()]));
    assert_eq!(
        orders_of(&rx_staff),
        HashSet::from([a_order.to_string(), b_order.to_string()])
    );
    let a_types = types_of(&rx_a);
    assert!(
        a_types.iter().any(|t| t.contains("OrderSubmitted")),
        "{a_types:?}"
    );
    assert!(
        !a_types.iter().any(|t| t.contains("Charge")),
        "A hides charges: {a_types:?}"
    );
    let b_types = types_of(&rx_b);
    assert!(
        b_types.iter().any(|t| t.contains("ChargeAdded")),
        "{b_types:?}"
    );

    // Another scope's endpoint does not exist for the caller.
    for (api, hook) in [
        (&api_b, &a_hook),
        (&env.api, &a_hook),
        (&api_a, &staff_hook),
        (&api_a, &b_hook),
    ] {
        assert_eq!(
            api.get(&format!("/api/v1/webhooks/{hook}")).await.status,
            404
        );
        let path = format!("/api/v1/webhooks/{hook}/deliveries");
        assert_eq!(api.get(&path).await.status, 404);
    }
    let listed = api_a.get("/api/v1/webhooks").await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["items"][0]["scope"], "customer");
    let listed = env.api.get("/api/v1/webhooks").await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["items"][0]["id"], staff_hook.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customers_endpoint_sees_only_its_customers_events_postgres() {
    with_store(
        Backend::Postgres,
        "webhook_scopes",
        a_customers_endpoint_sees_only_its_customers_events,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customers_endpoint_sees_only_its_customers_events_sqlite() {
    with_store(
        Backend::Sqlite,
        "webhook_scopes",
        a_customers_endpoint_sees_only_its_customers_events,
    )
    .await;
}
