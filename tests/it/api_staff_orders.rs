//! The staff JSON API for orders, charges, carrier locations and audit through the real binary,
//! on both backends: status changes along the lifecycle (409 off it), charges (staff see them;
//! a portal user only where the customer shows charges), the tenant's event export, a stream's
//! history and state at a position, carrier locations with the "used by two customers" rule;
//! an order's documents (CMR, labels as PDF or ZPL) for staff, and not for another customer.

use portal_testkit::TestStoreRef;
use portal_testkit::api::{Env, field_error, problem};
use portal_testkit::fixtures::draft_using;
use portal_testkit::fixtures::{contact, customer, submitted_order, tenant};
use portal_testkit::on_both_backends;
use portal_testkit::process::token;
use serde_json::json;

const ANN: &str = "ann@alpha.example";
const BOB: &str = "bob@beta.example";

async fn orders(t: TestStoreRef) {
    let env = Env::start(t).await;
    let api = &env.api;
    let store = &env.t.store;
    let alpha = customer(store, &env.acme, "Alpha Foods").await;
    contact(store, &env.acme, alpha, ANN).await;
    let order = submitted_order(store, &env.acme, alpha, "ORD-1").await;
    let status = format!("/api/v1/orders/{order}/status");

    let a = api.post(&status, &json!({"status": "accepted"})).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        (a.json()["status"].clone(), a.json()["changed"].clone()),
        (json!("accepted"), json!(true))
    );
    let before = env.events().await;
    let a = api.post(&status, &json!({"status": "accepted"})).await;
    assert_eq!(a.json()["changed"], false, "{}", a.body);
    let a = api.post(&status, &json!({"status": "delivered"})).await;
    assert!(
        problem(&a, 409, "off the lifecycle")["detail"]
            .as_str()
            .unwrap()
            .contains("accepted")
    );
    field_error(
        &api.post(&status, &json!({"status": "shipped"})).await,
        "status",
        "bad status",
    );
    field_error(
        &api.post(&status, &json!({"status": "cancelled"})).await,
        "reason",
        "no reason",
    );
    field_error(
        &api.post(&status, &json!({"status": 3})).await,
        "status",
        "wrong type",
    );
    let unknown = uuid::Uuid::now_v7();
    let a = api
        .post(
            &format!("/api/v1/orders/{unknown}/status"),
            &json!({"status": "planned"}),
        )
        .await;
    problem(&a, 404, "unknown order");
    assert_eq!(env.events().await, before);
    for next in ["planned", "in_transit"] {
        let a = api.post(&status, &json!({"status": next})).await;
        assert_eq!(a.json()["status"], next, "{}", a.body);
    }

    // Charges.
    let charges = format!("/api/v1/orders/{order}/charges");
    let before = env.events().await;
    let bad = api
        .post(
            &charges,
            &json!({"description": "", "amount_minor": -5, "currency": "EURO"}),
        )
        .await;
    field_error(&bad, "description", "empty description");
    field_error(&bad, "currency", "bad currency");
    let bad = api
        .post(
            &charges,
            &json!({"description": "Waiting", "amount_minor": "12", "currency": "EUR"}),
        )
        .await;
    field_error(&bad, "amount_minor", "wrong type");
    let bad = api
        .post(
            &charges,
            &json!({"description": "Waiting", "amount_minor": -1, "currency": "EUR"}),
        )
        .await;
    field_error(&bad, "amount_minor", "negative");
    assert_eq!(env.events().await, before);
    let body = json!({"description": "Waiting time", "amount_minor": 12500, "currency": "eur", "request_approval": true});
    let first = api.send_keyed("POST", &charges, &body, "charge-1").await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.json()["approval"], "requested");
    assert_eq!(first.json()["currency"], "EUR");
    let again = api.send_keyed("POST", &charges, &body, "charge-1").await;
    assert_eq!((again.status, again.json()), (201, first.json()));
    assert_eq!(
        env.events().await,
        before + 2,
        "ChargeAdded + ChargeApprovalRequested once"
    );

    // Staff see the charge; the portal user only once the customer shows charges.
    let listed = api
        .until(&charges, |v| {
            v["items"].as_array().is_some_and(|i| i.len() == 1)
        })
        .await;
    assert_eq!(listed["items"][0]["charge_id"], first.json()["id"]);
    env.projected().await;
    let portal = env.with_token(&token(&env.t.url, "acme", ANN, Some(&alpha.to_string())).await);
    let hidden = portal.get(&charges).await;
    assert_eq!(hidden.status, 200, "{}", hidden.body);
    assert_eq!(
        (
            hidden.json()["charges_shown"].clone(),
            hidden.json()["items"].clone()
        ),
        (json!(false), json!([]))
    );
    api.portal(&alpha.to_string(), true, true).await;
    portal
        .until(&charges, |v| {
            v["charges_shown"] == true && v["items"].as_array().unwrap().len() == 1
        })
        .await;
    problem(
        &portal
            .get(&format!("/api/v1/orders/{unknown}/charges"))
            .await,
        404,
        "unknown order",
    );
    problem(
        &portal.post(&status, &json!({"status": "delivered"})).await,
        404,
        "portal user moves an order",
    );
    problem(
        &portal.post(&charges, &body).await,
        404,
        "portal user adds a charge",
    );
}

async fn audit_and_locations(t: TestStoreRef) {
    let env = Env::start(t).await;
    let api = &env.api;
    let store = &env.t.store;
    let beta = tenant(store, "beta", "Beta Haulage").await;
    customer(store, &beta, "Beta Customer").await;
    let alpha = api.customer("Alpha Foods").await;
    let a = api
        .put(
            &format!("/api/v1/customers/{alpha}"),
            &json!({"name": "Alpha Foods AG"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);

    // The export: only acme's events, in log order, paged by position.
    let all = api.get("/api/v1/events?limit=1000").await.json();
    let items = all["items"].as_array().unwrap();
    assert!(items.iter().all(|e| e["tenant"] == "acme"), "{all}");
    let positions: Vec<i64> = items
        .iter()
        .map(|e| e["position"].as_i64().unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]));
    let first = api.get("/api/v1/events?limit=2").await.json();
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let rest = api
        .get(&format!("/api/v1/events?after={}", first["next"]))
        .await
        .json();
    let rest: Vec<i64> = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["position"].as_i64().unwrap())
        .collect();
    // On PostgreSQL the export reads below the oldest running transaction, so a later read may
    // see more of the log (never a different prefix): compare against a read made after both.
    let again: Vec<i64> = api.get("/api/v1/events?limit=1000").await.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["position"].as_i64().unwrap())
        .collect();
    assert!(again.starts_with(&positions), "{again:?} {positions:?}");
    assert!(
        !rest.is_empty() && again[2..].starts_with(&rest),
        "{rest:?} {again:?}"
    );
    field_error(
        &api.get("/api/v1/events?after=x").await,
        "after",
        "bad after",
    );

    // A stream's history and its state then.
    let stream = format!("/api/v1/audit/streams/customer-{alpha}");
    let h = api.get(&stream).await.json();
    assert_eq!(h["events"].as_array().unwrap().len(), 2, "{h}");
    assert_eq!(h["state"]["name"], "Alpha Foods AG");
    let at = h["events"][0]["position"].as_i64().unwrap();
    let then = api.get(&format!("{stream}?until={at}")).await.json();
    assert_eq!(
        (then["state"]["name"].clone(), then["later_events"].clone()),
        (json!("Alpha Foods"), json!(1))
    );
    let by_time = api
        .get(&format!("{stream}?until=2000-01-01T00:00:00Z"))
        .await
        .json();
    assert_eq!(by_time["events"], json!([]));
    field_error(
        &api.get(&format!("{stream}?until=yesterday")).await,
        "until",
        "bad until",
    );
    problem(
        &api.get(&format!(
            "/api/v1/audit/streams/customer-{}",
            uuid::Uuid::now_v7()
        ))
        .await,
        404,
        "unknown stream",
    );
    problem(
        &api.get("/api/v1/audit/streams/no%20such").await,
        404,
        "bad stream id",
    );

    // Carrier locations.
    let before = env.events().await;
    let bad = api
        .post("/api/v1/carrier-locations", &json!({"name": "Hub", "address": {"city": "Hamburg"}, "visibility": {"kind": "customer_only", "customer_id": "junk"}}))
        .await;
    field_error(&bad, "address.street", "no street");
    field_error(&bad, "address.country", "no country");
    field_error(&bad, "visibility.customer_id", "bad customer");
    let bad = api
        .post(
            "/api/v1/carrier-locations",
            &json!({"name": "Hub", "visibility": {"kind": "everyone"}}),
        )
        .await;
    field_error(&bad, "visibility.kind", "bad kind");
    assert_eq!(env.events().await, before);
    let address = json!({"name": "ACME Hub", "street": "Hafenstraße 1", "postal_code": "20457", "city": "Hamburg", "country": "DE"});
    let body = json!({"name": "Hamburg Hub", "address": address, "opening_hours": [{"weekday": "monday", "opens": "08:00", "closes": "17:00"}], "visibility": {"kind": "all_portal_customers"}});
    let a = api.post("/api/v1/carrier-locations", &body).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let hub = a.json()["id"].as_str().unwrap().to_owned();
    api.until("/api/v1/carrier-locations", |v| {
        v["items"].as_array().unwrap().len() == 1
    })
    .await;

    // Used by two customers: cannot be limited to one, nothing appended.
    let hub_id: portal_domain::LocationId = hub.parse().unwrap();
    let other = customer(store, &env.acme, "Other Customer").await;
    draft_using(store, &env.acme, alpha.parse().unwrap(), hub_id).await;
    draft_using(store, &env.acme, other, hub_id).await;
    env.projected().await;
    let narrowed = json!({"name": "Hamburg Hub", "address": address, "visibility": {"kind": "customer_only", "customer_id": alpha}});
    let before = env.events().await;
    let a = api
        .put(&format!("/api/v1/carrier-locations/{hub}"), &narrowed)
        .await;
    assert!(
        problem(&a, 422, "narrowed")["detail"]
            .as_str()
            .unwrap()
            .contains("2 customers")
    );
    assert_eq!(
        env.events().await,
        before,
        "neither the details nor the visibility changed"
    );
    let a = api
        .put(&format!("/api/v1/carrier-locations/{hub}"), &json!({"name": "Hamburg Hub 2", "address": address, "visibility": {"kind": "not_on_portal"}}))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        (
            a.json()["name"].clone(),
            a.json()["visibility"]["kind"].clone()
        ),
        (json!("Hamburg Hub 2"), json!("not_on_portal"))
    );
    let a = api
        .put(
            &format!("/api/v1/carrier-locations/{}", uuid::Uuid::now_v7()),
            &narrowed,
        )
        .await;
    problem(&a, 404, "unknown location");
}

async fn documents(t: TestStoreRef) {
    let env = Env::start(t).await;
    let api = &env.api;
    let store = &env.t.store;
    let alpha = customer(store, &env.acme, "Alpha Foods").await;
    let beta = customer(store, &env.acme, "Beta Foods").await;
    contact(store, &env.acme, beta, BOB).await;
    let order = submitted_order(store, &env.acme, alpha, "ORD-9").await;
    env.projected().await;

    // The staff order page links the documents; the links download them.
    let page = api.get(&format!("/staff/orders/{order}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<h2>Documents</h2>"), "{}", page.body);
    for link in [
        format!("/staff/orders/{order}/documents/cmr"),
        format!("/staff/orders/{order}/documents/label?format=pdf"),
        format!("/staff/orders/{order}/documents/label?format=zpl"),
    ] {
        let escaped = link.replace('&', "&amp;");
        assert!(page.body.contains(&escaped), "{link}: {}", page.body);
        let a = api.get(&link).await;
        assert_eq!(a.status, 200, "{link}: {}", a.body);
        let ctype = a.header("content-type").unwrap();
        if link.ends_with("zpl") {
            assert!(ctype.starts_with("text/plain"), "{ctype}");
            assert!(a.body.starts_with("^XA") && a.body.contains("^FDORD-9^FS"));
        } else {
            assert_eq!(ctype, "application/pdf");
            assert!(a.body.starts_with("%PDF-"), "{link}");
        }
    }
    let json = format!("/api/v1/orders/{order}/documents");
    let cmr = api.get(&format!("{json}/cmr")).await;
    let disposition = cmr.header("content-disposition");
    assert_eq!(disposition, Some("attachment; filename=\"ORD-9-cmr.pdf\""));
    let zpl = api.get(&format!("{json}/label?format=zpl")).await;
    assert_eq!(zpl.body.matches("^XA").count(), 2, "a label per piece");
    problem(&api.get(&format!("{json}/invoice")).await, 404, "kind");
    let invoice = format!("/staff/orders/{order}/documents/invoice");
    assert_eq!(api.get(&invoice).await.status, 404, "kind, page route");
    field_error(
        &api.get(&format!(
            "/api/v1/orders/{order}/documents/label?format=docx"
        ))
        .await,
        "format",
        "unknown label format",
    );
    let unknown = format!("/api/v1/orders/{}/documents/cmr", uuid::Uuid::now_v7());
    problem(&api.get(&unknown).await, 404, "unknown order");

    // A user of another customer learns nothing, on either route.
    let bob = env.with_token(&token(&env.t.url, "acme", BOB, Some(&beta.to_string())).await);
    for kind in ["cmr", "label"] {
        problem(
            &bob.get(&format!("/api/v1/orders/{order}/documents/{kind}"))
                .await,
            404,
            "another customer's document",
        );
        let a = bob
            .get(&format!("/staff/orders/{order}/documents/{kind}"))
            .await;
        assert_eq!(a.status, 404, "the staff route is not for portal users");
    }
}

on_both_backends!(orders, audit_and_locations, documents);
