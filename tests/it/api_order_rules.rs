//! The rules an order meets before it reaches the carrier, through the real binary's JSON API on
//! both backends: the date rules (no pickup before today, none more than 365 days ahead, no
//! delivery before its pickup, on one day no delivery window ending before the pickup window
//! starts, `from` before `to`) on drafts, edits and submission, every problem in one answer at
//! its field with nothing appended; a draft saved with gaps, marked incomplete, whose submission
//! lists every gap; the same creation sent twice with one idempotency key makes
//! one order; a customer reference used by another recent order is a warning on submission,
//! never a refusal.

use portal_testkit::TestStoreRef;
use portal_testkit::api::{Env, field_error, problem};
use portal_testkit::fixtures::day;
use portal_testkit::http::Answer;
use portal_testkit::on_both_backends;
use serde_json::{Value, json};

fn stop(city: &str, date: &str, window: Option<(&str, &str)>) -> Value {
    let mut stop = json!({"address": {"name": format!("{city} site"), "street": "Hafenstraße 1",
        "postal_code": "20457", "city": city, "country": "DE"}, "date": date});
    if let Some((from, to)) = window {
        stop["time_window"] = json!({"from": from, "to": to});
    }
    stop
}

fn order(reference: &str, pickup: Value, delivery: Value) -> Value {
    json!({"customer_reference": reference, "consignments": [{
        "pickup": pickup, "delivery": delivery,
        "goods": [{"description": "Tiles", "quantity": 1, "packaging": "euro_pallet",
            "weight_kg": 500.0, "stackable": false}]
    }]})
}

/// The fields a 422 names, in its order.
fn fields(a: &Answer) -> Vec<String> {
    problem(a, 422, "rules")["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

async fn dates_and_warnings(t: TestStoreRef) {
    let env = Env::start(t).await;
    let (_, ann) = env
        .portal_user("Alpha Foods", "ann@alpha.example", false)
        .await;
    let before = env.events().await;

    // A pickup in the past, one more than a year ahead.
    let past = order(
        "R-1",
        stop("Hamburg", &day(-1), None),
        stop("Berlin", &day(1), None),
    );
    let m = field_error(
        &ann.post("/api/v1/orders", &past).await,
        "consignments[0].pickup.date",
        "past pickup",
    );
    assert!(m.contains("in the past"), "{m}");
    let far = order(
        "R-1",
        stop("Hamburg", &day(366), None),
        stop("Berlin", &day(367), None),
    );
    let m = field_error(
        &ann.post("/api/v1/orders", &far).await,
        "consignments[0].pickup.date",
        "far pickup",
    );
    assert!(m.contains("365 days"), "{m}");

    // Every problem at once, cross-field ones included, each at its field.
    let mut bad = order(
        "R-1",
        stop("Hamburg", &day(3), Some(("12:00", "10:00"))),
        stop("Berlin", &day(2), None),
    );
    bad["consignments"][0]["goods"][0]["weight_kg"] = json!(-5);
    let a = ann.post("/api/v1/orders", &bad).await;
    let named = fields(&a);
    for field in [
        "consignments[0].pickup.time_window",
        "consignments[0].delivery.date",
        "consignments[0].goods[0].weight_kg",
    ] {
        assert!(
            named.iter().any(|f| f.starts_with(field)),
            "{field} in {named:?}"
        );
    }
    // On the same day the delivery window may not end before the pickup window starts.
    let same_day = order(
        "R-1",
        stop("Hamburg", &day(3), Some(("14:00", "16:00"))),
        stop("Berlin", &day(3), Some(("08:00", "10:00"))),
    );
    field_error(
        &ann.post("/api/v1/orders", &same_day).await,
        "consignments[0].delivery.time_window.to",
        "delivery window before pickup window",
    );
    assert_eq!(env.events().await, before, "nothing appended on bad orders");

    // A valid draft; its edit obeys the same rules.
    let good = order(
        "PO-9",
        stop("Hamburg", &day(0), None),
        stop("Berlin", &day(1), None),
    );
    let a = ann
        .send_keyed("POST", "/api/v1/orders", &good, "create-po-9")
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let first = a.json()["id"].as_str().unwrap().to_owned();
    // The same creation again with its key: the same order, nothing appended.
    let after = env.events().await;
    let again = ann
        .send_keyed("POST", "/api/v1/orders", &good, "create-po-9")
        .await;
    assert_eq!(again.json()["id"], first.as_str(), "{}", again.body);
    assert_eq!(env.events().await, after);
    field_error(
        &ann.put(&format!("/api/v1/orders/{first}"), &past).await,
        "consignments[0].pickup.date",
        "past pickup in an edit",
    );
    assert_eq!(env.events().await, after);

    // Submitted; a second order with the same reference is submitted too, with a warning
    // naming the first (and none of the orders whose references only contain it).
    let a = ann
        .post(&format!("/api/v1/orders/{first}/submit"), &json!({}))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["warnings"], json!([]), "{}", a.body);
    // Newer orders whose references merely contain it do not hide it.
    for n in 0..60 {
        let mut similar = good.clone();
        similar["customer_reference"] = json!(format!("PO-9/{n}"));
        assert_eq!(ann.post("/api/v1/orders", &similar).await.status, 201);
    }
    env.projected().await;
    let a = ann.post("/api/v1/orders", &good).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let second = a.json()["id"].as_str().unwrap().to_owned();
    let a = ann
        .post(&format!("/api/v1/orders/{second}/submit"), &json!({}))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let body = a.json();
    assert_eq!(body["status"], "submitted");
    let warnings = body["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{body}");
    assert_eq!(warnings[0]["code"], "duplicate_reference");
    assert_eq!(warnings[0]["order_id"], first.as_str());
    assert!(warnings[0]["number"].is_string());
}

/// A draft saved with gaps: only what is present is checked; the detail and the list say it is
/// incomplete; submission lists every gap at its field and appends nothing; completed, it goes.
async fn incomplete_drafts(t: TestStoreRef) {
    let env = Env::start(t).await;
    let (_, ann) = env
        .portal_user("Alpha Foods", "ann@alpha.example", false)
        .await;

    // Nothing but a reference and a pickup city: saved.
    let sketch = json!({"customer_reference": "R-9", "consignments": [{
        "pickup": {"address": {"city": "Växjö"}}, "delivery": {}, "goods": [{"description": "Tiles"}]
    }]});
    let a = ann.post("/api/v1/orders", &sketch).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let body = a.json();
    let id = body["id"].as_str().unwrap().to_owned();
    let missing: Vec<&str> = body["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "consignments[0].pickup.address.name",
        "consignments[0].pickup.date",
        "consignments[0].delivery.address.city",
        "consignments[0].delivery.date",
        "consignments[0].goods[0].quantity",
        "consignments[0].goods[0].weight_kg",
    ] {
        assert!(missing.contains(&f), "{f} not in {missing:?}");
    }
    assert_eq!(
        body["content"]["consignments"][0]["pickup"]["address"]["city"],
        "Växjö"
    );

    // What is present must still be well-formed, the date rules included.
    let mut wrong = sketch.clone();
    wrong["consignments"][0]["goods"][0]["weight_kg"] = json!(-1);
    wrong["consignments"][0]["pickup"]["date"] = json!(day(-1));
    assert_eq!(
        fields(&ann.post("/api/v1/orders", &wrong).await),
        [
            "consignments[0].goods[0].weight_kg",
            "consignments[0].pickup.date"
        ]
    );

    // The list and the detail mark it.
    env.projected().await;
    let a = ann.get("/api/v1/orders?status=draft").await;
    let row = a.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["order_id"] == id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(row["incomplete"], true, "{row}");
    let a = ann.get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(!a.json()["missing"].as_array().unwrap().is_empty());

    // Submission lists every gap at once and appends nothing.
    let before = env.events().await;
    let a = ann
        .post(&format!("/api/v1/orders/{id}/submit"), &json!({}))
        .await;
    let gaps = fields(&a);
    assert!(gaps.len() >= 6, "{gaps:?}");
    assert!(gaps.contains(&"consignments[0].delivery.date".to_owned()));
    assert_eq!(env.events().await, before);

    // Completed, it is submitted.
    let complete = order(
        "R-9",
        stop("Växjö", &day(1), None),
        stop("Malmö", &day(2), None),
    );
    let a = ann.put(&format!("/api/v1/orders/{id}"), &complete).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["missing"], json!([]));
    let a = ann
        .post(&format!("/api/v1/orders/{id}/submit"), &json!({}))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["status"], "submitted");
}

on_both_backends!(dates_and_warnings, incomplete_drafts);
