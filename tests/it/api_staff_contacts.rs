//! The staff JSON API for contacts through the real binary, on both backends: add a contact, the
//! contacts list view, edit, portal access (refused while the customer has no portal access; the
//! grant sends the welcome email); a portal user's token gets 404 on staff paths and another
//! tenant's ids are 404; nothing is appended on any error.

use portal_testkit::TestStoreRef;
use portal_testkit::api::{Env, field_error, problem};
use portal_testkit::fixtures::{contact, customer, tenant};
use portal_testkit::on_both_backends;
use portal_testkit::process::token;
use portal_testkit::wait_until;
use serde_json::json;
use std::time::Duration;

const ANN: &str = "ann@alpha.example";

async fn contacts(t: TestStoreRef) {
    let env = Env::start(t).await;
    let api = &env.api;
    let alpha = api.customer("Alpha Foods").await;
    let path = format!("/api/v1/customers/{alpha}/contacts");

    // Access while the customer has no portal access: refused with the UI's hint.
    let before = env.events().await;
    let with_access =
        json!({"name": "Ann", "email": ANN, "roles": ["orders"], "portal_access": true});
    let a = api.post(&path, &with_access).await;
    let body = problem(&a, 422, "access without the customer's portal");
    assert_eq!(
        body["detail"],
        "Enable Access to Customer Portal on the customer first"
    );

    // Bad input: field messages.
    let a = api
        .post(
            &path,
            &json!({"email": "not-an-email", "phone": "12", "roles": ["boss"]}),
        )
        .await;
    field_error(&a, "name", "missing name");
    assert!(field_error(&a, "email", "bad email").contains("valid email"));
    field_error(&a, "phone", "bad phone");
    field_error(&a, "roles[0]", "bad role");
    let a = api
        .post(
            &path,
            &json!({"name": "Ann", "email": ANN, "portal_access": "yes"}),
        )
        .await;
    field_error(&a, "portal_access", "wrong type");
    let unknown = uuid::Uuid::now_v7();
    let a = api
        .post(
            &format!("/api/v1/customers/{unknown}/contacts"),
            &json!({"name": "Ann", "email": ANN}),
        )
        .await;
    problem(&a, 404, "unknown customer");
    assert_eq!(env.events().await, before, "no event on any error");

    // Added without access, then granted from the contacts list view.
    let a = api
        .post(&path, &json!({"name": "Ann Example", "email": ANN, "phone": "+49 30 1234567", "roles": ["orders", "invoices"]}))
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let ann = a.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(a.json()["portal_access"], false);
    assert_eq!(a.json()["roles"], json!(["orders", "invoices"]));
    let access = format!("/api/v1/contacts/{ann}/portal-access");
    let before = env.events().await;
    let a = api.put(&access, &json!({"enabled": true})).await;
    assert_eq!(
        problem(&a, 422, "grant without portal")["detail"],
        "Enable Access to Customer Portal on the customer first"
    );
    field_error(
        &api.put(&access, &json!({})).await,
        "enabled",
        "missing enabled",
    );
    assert_eq!(env.events().await, before);
    api.portal(&alpha, true, false).await;
    let before = env.events().await;
    let first = api
        .send_keyed("PUT", &access, &json!({"enabled": true}), "grant-ann")
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json()["portal_access"], true);
    assert_eq!(first.json()["changed"], true);
    let again = api
        .send_keyed("PUT", &access, &json!({"enabled": true}), "grant-ann")
        .await;
    assert_eq!(again.json(), first.json());
    assert_eq!(env.events().await, before + 1);
    wait_until("the welcome email", Duration::from_secs(30), || async {
        !env.sink.to(ANN).is_empty()
    })
    .await;

    // Duplicate email at the same customer; edit details.
    env.projected().await;
    let before = env.events().await;
    let a = api
        .post(&path, &json!({"name": "Ann Again", "email": ANN}))
        .await;
    problem(&a, 422, "duplicate email");
    let edit = format!("/api/v1/contacts/{ann}");
    let a = api
        .put(&edit, &json!({"name": "Ann E.", "email": "bad@"}))
        .await;
    field_error(&a, "email", "bad email on edit");
    assert_eq!(env.events().await, before);
    let a = api
        .put(
            &edit,
            &json!({"name": "Ann E.", "email": ANN, "roles": ["management"]}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["name"], "Ann E.");

    // Lists and one contact.
    env.projected().await;
    let listed = api
        .until(&format!("/api/v1/contacts?customer_id={alpha}"), |v| {
            v["total"] == 1
        })
        .await;
    assert_eq!(listed["items"][0]["contact_id"], ann.as_str());
    assert_eq!(listed["items"][0]["portal_access"], true);
    assert_eq!(
        api.get("/api/v1/contacts?q=nobody").await.json()["total"],
        0
    );
    field_error(
        &api.get("/api/v1/contacts?customer_id=junk").await,
        "customer_id",
        "bad filter",
    );
    let one = api.get(&edit).await;
    assert_eq!(one.json()["customer_portal_enabled"], true, "{}", one.body);
    problem(
        &api.get(&format!("/api/v1/contacts/{unknown}")).await,
        404,
        "unknown contact",
    );
    let profile = api.get(&format!("/api/v1/customers/{alpha}")).await.json();
    assert_eq!(profile["contacts"][0]["email"], ANN);

    // Revoke.
    let a = api.put(&access, &json!({"enabled": false})).await;
    assert_eq!(a.json()["portal_access"], false, "{}", a.body);
}

async fn scopes(t: TestStoreRef) {
    let env = Env::start(t).await;
    let api = &env.api;
    let store = &env.t.store;
    // A portal user of acme, and a customer and contact of another tenant.
    let alpha = customer(store, &env.acme, "Alpha Foods").await;
    let ann = contact(store, &env.acme, alpha, ANN).await;
    let beta = tenant(store, "beta", "Beta Haulage").await;
    let beta_customer = customer(store, &beta, "Beta Customer").await;
    let beta_contact = contact(store, &beta, beta_customer, "bob@beta.example").await;
    env.projected().await;
    let portal_token = token(&env.t.url, "acme", ANN, Some(&alpha.to_string())).await;
    let portal = env.with_token(&portal_token);

    let before = env.events().await;
    let body = json!({"name": "X", "email": "x@x.example", "enabled": true, "show_charges": true,
        "customer_ids": [alpha.to_string()], "field": "show_charges", "value": true});
    let staff_paths = [
        ("GET", "/api/v1/customers".to_owned()),
        ("GET", format!("/api/v1/customers/{alpha}")),
        ("GET", "/api/v1/contacts".to_owned()),
        ("GET", "/api/v1/events".to_owned()),
        ("GET", "/api/v1/carrier-locations".to_owned()),
        ("GET", format!("/api/v1/audit/streams/customer-{alpha}")),
        ("POST", "/api/v1/customers".to_owned()),
        ("POST", format!("/api/v1/customers/{alpha}/contacts")),
        ("POST", "/api/v1/customers/portal/bulk".to_owned()),
        ("PUT", format!("/api/v1/customers/{alpha}")),
        ("PUT", format!("/api/v1/customers/{alpha}/portal")),
        ("PUT", format!("/api/v1/contacts/{ann}")),
        ("PUT", format!("/api/v1/contacts/{ann}/portal-access")),
    ];
    for (method, path) in &staff_paths {
        let a = match *method {
            "GET" => portal.get(path).await,
            "POST" => portal.post(path, &body).await,
            _ => portal.put(path, &body).await,
        };
        problem(&a, 404, &format!("portal user: {method} {path}"));
    }
    // Another tenant's ids answer like unknown ones.
    for (method, path) in [
        ("GET", format!("/api/v1/customers/{beta_customer}")),
        ("GET", format!("/api/v1/contacts/{beta_contact}")),
        (
            "GET",
            format!("/api/v1/audit/streams/customer-{beta_customer}"),
        ),
        (
            "POST",
            format!("/api/v1/customers/{beta_customer}/contacts"),
        ),
        ("PUT", format!("/api/v1/customers/{beta_customer}")),
        ("PUT", format!("/api/v1/customers/{beta_customer}/portal")),
        ("PUT", format!("/api/v1/contacts/{beta_contact}")),
        (
            "PUT",
            format!("/api/v1/contacts/{beta_contact}/portal-access"),
        ),
    ] {
        let a = match method {
            "GET" => api.get(&path).await,
            "POST" => api.post(&path, &body).await,
            _ => api.put(&path, &body).await,
        };
        problem(&a, 404, &format!("other tenant: {method} {path}"));
    }
    let r = api
        .post(
            "/api/v1/customers/portal/bulk",
            &json!({"customer_ids": [beta_customer.to_string()], "field": "show_charges", "value": true}),
        )
        .await;
    assert_eq!(r.json()["results"][0]["outcome"], "failed", "{}", r.body);
    assert_eq!(
        env.events().await,
        before,
        "no event on any refused request"
    );
    // Without a token: 401.
    let anonymous = env.with_token("nonsense");
    problem(&anonymous.get("/api/v1/customers").await, 401, "bad token");
}

on_both_backends!(contacts, scopes);
