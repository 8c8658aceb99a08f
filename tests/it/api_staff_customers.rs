//! The staff JSON API for customers through the real binary, on both backends: create, list,
//! profile, edit, portal switches; bad input (missing fields, wrong types, unknown ids, oversized
//! and non-JSON bodies, bad `Idempotency-Key`) is a 4xx problem+json that appends nothing;
//! `Idempotency-Key` replays; the bulk quick action reports changed / already / failed.

use portal_testkit::TestStoreRef;
use portal_testkit::api::{Env, field_error, problem};
use portal_testkit::on_both_backends;
use serde_json::json;

async fn customers(t: TestStoreRef) {
    let env = Env::start(t).await;
    let api = &env.api;

    // Create: 201 with id and Location.
    let before = env.events().await;
    let a = api
        .post(
            "/api/v1/customers",
            &json!({"name": "Alpha Foods", "code": "ALF", "status": "approved"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let alpha = a.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        a.header("location"),
        Some(format!("/api/v1/customers/{alpha}").as_str())
    );
    assert_eq!(env.events().await, before + 1);
    let beta = api.customer("Beta Bakery").await;

    // Bad input: 4xx problem+json with field messages, nothing appended.
    let before = env.events().await;
    let a = api.post("/api/v1/customers", &json!({"code": "X"})).await;
    assert_eq!(field_error(&a, "name", "missing name"), "must not be empty");
    let a = api.post("/api/v1/customers", &json!({"name": 5})).await;
    assert!(field_error(&a, "name", "wrong type").contains("invalid type"));
    let a = api
        .post(
            "/api/v1/customers",
            &json!({"name": "X", "status": "vip", "code": "a".repeat(40)}),
        )
        .await;
    field_error(&a, "status", "bad status");
    field_error(&a, "code", "long code");
    let a = api
        .send_raw(
            "POST",
            "/api/v1/customers",
            b"{\"name\": ".to_vec(),
            "application/json",
        )
        .await;
    problem(&a, 400, "broken JSON");
    let a = api
        .send_raw(
            "POST",
            "/api/v1/customers",
            b"name=X".to_vec(),
            "application/x-www-form-urlencoded",
        )
        .await;
    problem(&a, 415, "form body");
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(300 * 1024));
    let a = api
        .send_raw(
            "POST",
            "/api/v1/customers",
            big.into_bytes(),
            "application/json",
        )
        .await;
    problem(&a, 413, "oversized body");
    for key in ["has space", &"k".repeat(201)] {
        let a = api
            .send_keyed("POST", "/api/v1/customers", &json!({"name": "Keyed"}), key)
            .await;
        field_error(&a, "Idempotency-Key", "bad key");
    }
    assert_eq!(env.events().await, before, "no event on any error");

    // Idempotency: the same key and body answers the same and appends nothing.
    let body = json!({"name": "Gamma Glass"});
    let first = api
        .send_keyed("POST", "/api/v1/customers", &body, "create-gamma")
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    let after_first = env.events().await;
    let again = api
        .send_keyed("POST", "/api/v1/customers", &body, "create-gamma")
        .await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.json(), first.json());
    assert_eq!(env.events().await, after_first);
    let other = api
        .send_keyed(
            "POST",
            "/api/v1/customers",
            &json!({"name": "Other"}),
            "create-gamma",
        )
        .await;
    problem(&other, 409, "a key reused with another body");
    assert_eq!(env.events().await, after_first);

    // Edit details.
    let a = api
        .put(
            &format!("/api/v1/customers/{beta}"),
            &json!({"name": "Beta Bakery Ltd", "code": "BB"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["name"], "Beta Bakery Ltd");
    assert_eq!(a.json()["code"], "BB");

    // Portal switches: what changed, then nothing.
    let v = api.portal(&alpha, true, true).await.json();
    assert_eq!(
        (v["portal_enabled"].clone(), v["show_charges"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(
        (
            v["portal_changed"].clone(),
            v["show_charges_changed"].clone()
        ),
        (json!(true), json!(true))
    );
    let before = env.events().await;
    let v = api.portal(&alpha, true, true).await.json();
    assert_eq!(
        (
            v["portal_changed"].clone(),
            v["show_charges_changed"].clone()
        ),
        (json!(false), json!(false))
    );
    assert_eq!(env.events().await, before);
    let a = api
        .put(
            &format!("/api/v1/customers/{alpha}/portal"),
            &json!({"enabled": "yes"}),
        )
        .await;
    field_error(&a, "enabled", "wrong type");
    let a = api
        .put(
            &format!("/api/v1/customers/{alpha}/portal"),
            &json!({"enabled": true}),
        )
        .await;
    field_error(&a, "show_charges", "missing show_charges");

    // Unknown and junk ids: 404, nothing appended.
    let unknown = uuid::Uuid::now_v7();
    for (method, path) in [
        ("GET", format!("/api/v1/customers/{unknown}")),
        ("GET", "/api/v1/customers/not-an-id".to_owned()),
        ("PUT", format!("/api/v1/customers/{unknown}")),
        ("PUT", format!("/api/v1/customers/{unknown}/portal")),
    ] {
        let body = json!({"name": "X", "enabled": true, "show_charges": false});
        let a = if method == "GET" {
            api.get(&path).await
        } else {
            api.put(&path, &body).await
        };
        problem(&a, 404, &path);
    }
    assert_eq!(env.events().await, before);

    // List: search, portal filter, cursor paging; the profile.
    env.projected().await;
    let all = api.until("/api/v1/customers", |v| v["total"] == 3).await;
    assert_eq!(all["items"][0]["name"], "Alpha Foods");
    let on = api
        .get("/api/v1/customers?portal_enabled=true")
        .await
        .json();
    assert_eq!(on["total"], 1);
    assert_eq!(on["items"][0]["customer_id"], alpha.as_str());
    let found = api.get("/api/v1/customers?q=bakery").await.json();
    assert_eq!(found["items"][0]["customer_id"], beta.as_str());
    let page = api.get("/api/v1/customers?limit=2").await.json();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let next = page["next"].as_str().unwrap();
    let rest = api
        .get(&format!("/api/v1/customers?limit=2&after={next}"))
        .await
        .json();
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    field_error(
        &api.get("/api/v1/customers?portal_enabled=maybe").await,
        "portal_enabled",
        "bad bool",
    );
    field_error(
        &api.get("/api/v1/customers?after=zz").await,
        "after",
        "bad cursor",
    );
    let profile = api.get(&format!("/api/v1/customers/{alpha}")).await;
    assert_eq!(profile.status, 200, "{}", profile.body);
    assert_eq!(profile.json()["code"], "ALF");
    assert_eq!(profile.json()["contacts"], json!([]));
}

async fn bulk(t: TestStoreRef) {
    let env = Env::start(t).await;
    let api = &env.api;
    let a = api.customer("A Enabled").await;
    let b = api.customer("B Off").await;
    let blocked = api
        .post(
            "/api/v1/customers",
            &json!({"name": "C Blocked", "status": "blocked"}),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.portal(&a, true, false).await;
    let unknown = uuid::Uuid::now_v7().to_string();
    let body = json!({
        "customer_ids": [a, b, blocked, unknown, "junk"],
        "field": "portal_enabled",
        "value": true,
    });
    let before = env.events().await;
    let r = api
        .send_keyed("POST", "/api/v1/customers/portal/bulk", &body, "bulk-1")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    let outcomes: Vec<&str> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["already", "changed", "failed", "failed", "failed"]
    );
    assert_eq!(
        (
            v["changed"].clone(),
            v["already"].clone(),
            v["failed"].clone()
        ),
        (json!(1), json!(1), json!(3))
    );
    assert!(
        v["results"][2]["message"]
            .as_str()
            .unwrap()
            .contains("blocked"),
        "{v}"
    );
    assert_eq!(v["results"][3]["message"], "customer not found");
    assert_eq!(env.events().await, before + 1);

    // The replay answers the same and appends nothing.
    let again = api
        .send_keyed("POST", "/api/v1/customers/portal/bulk", &body, "bulk-1")
        .await;
    assert_eq!(again.json(), v);
    assert_eq!(env.events().await, before + 1);

    // show_charges on both; then invalid requests.
    let r = api
        .post(
            "/api/v1/customers/portal/bulk",
            &json!({"customer_ids": [a, b], "field": "show_charges", "value": true}),
        )
        .await;
    assert_eq!(r.json()["changed"], 2, "{}", r.body);
    let before = env.events().await;
    let a2 = api
        .post(
            "/api/v1/customers/portal/bulk",
            &json!({"customer_ids": [], "field": "colour"}),
        )
        .await;
    field_error(&a2, "customer_ids", "no ids");
    field_error(&a2, "field", "bad field");
    field_error(&a2, "value", "no value");
    let a3 = api
        .post(
            "/api/v1/customers/portal/bulk",
            &json!({"customer_ids": "all", "field": "show_charges", "value": true}),
        )
        .await;
    field_error(&a3, "customer_ids", "wrong type");
    assert_eq!(env.events().await, before);
}

on_both_backends!(customers, bulk);
