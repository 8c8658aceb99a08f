//! The portal users' JSON API through the real binary, on both backends: the address book,
//! drafts, submission (read-only afterwards: 409 "Submitted orders cannot be edited"), *Order
//! again*, charge decisions, the dashboard and the printer configuration; bad bodies answer
//! 4xx problem+json with field messages and append nothing; a user of customer B gets 404 for
//! customer A's orders, locations and charges; a customer that does not show charges leaks no
//! amount.

use portal_testkit::TestStoreRef;
use portal_testkit::api::{Api, Env, field_error, problem};
use portal_testkit::on_both_backends;
use serde_json::{Value, json};

fn address(name: &str, city: &str) -> Value {
    json!({"name": name, "street": "Hafenstraße 1", "postal_code": "20457",
        "city": city, "country": "DE", "contact_name": "Ole", "contact_phone": "+49 40 123456"})
}

/// A stop at a location from the book (its address taken from there) or at a typed address.
fn stop(location: Option<&str>, city: &str, date: &str) -> Value {
    let mut stop = json!({"location_id": location,
        "date": date, "time_window": {"from": "08:00", "to": "12:00"},
        "reference": "REF-1", "instructions": "Ring at gate 4"});
    if location.is_none() {
        stop["address"] = address(&format!("{city} site"), city);
    }
    stop
}

pub(crate) fn order_body(reference: &str, pickup_location: Option<&str>) -> Value {
    json!({"customer_reference": reference, "consignments": [{
        "pickup": stop(pickup_location, "Hamburg", &portal_testkit::fixtures::day(5)),
        "delivery": stop(None, "Berlin", &portal_testkit::fixtures::day(6)),
        "goods": [{"description": "Tiles", "quantity": 3, "packaging": "euro_pallet",
            "weight_kg": 500.0, "volume_m3": 1.2, "loading_metres": 1.2, "pallet_spaces": 3,
            "stackable": false, "adr": {"un_number": "1263", "class": "3", "packing_group": "II"}}]
    }]})
}

/// The page sizes (mm, rounded) of a PDF document answered at `path`.
async fn pdf_pages(api: &Api, path: &str) -> Vec<(u32, u32)> {
    let (bytes, _) = api.download(path).await;
    let doc = lopdf::Document::load_mem(&bytes).unwrap();
    doc.get_pages()
        .values()
        .map(|id| {
            let b = doc
                .get_dictionary(*id)
                .unwrap()
                .get(b"MediaBox")
                .unwrap()
                .as_array()
                .unwrap()
                .clone();
            let mm = |i: usize| (b[i].as_float().unwrap() * 25.4 / 72.0).round() as u32;
            (mm(2), mm(3))
        })
        .collect()
}

async fn address_book_and_orders(t: TestStoreRef) {
    let env = Env::start(t).await;
    let (_alpha, ann) = env
        .portal_user("Alpha Foods", "ann@alpha.example", true)
        .await;
    let (_beta, bob) = env
        .portal_user("Beta Steel", "bob@beta.example", false)
        .await;

    // Address book: bad input names every field, appends nothing.
    let before = env.events().await;
    let a = ann
        .post(
            "/api/v1/locations",
            &json!({"name": "", "address": {"country": "XX"}}),
        )
        .await;
    for field in ["name", "address.street", "address.city", "address.country"] {
        field_error(&a, field, "bad location");
    }
    field_error(
        &ann.post("/api/v1/locations", &json!({"name": 5})).await,
        "name",
        "wrong type",
    );
    let a = ann
        .send_raw(
            "POST",
            "/api/v1/locations",
            vec![b' '; 300 * 1024],
            "application/json",
        )
        .await;
    problem(&a, 413, "oversized");
    assert_eq!(env.events().await, before, "nothing appended on bad input");

    let a = ann
        .post(
            "/api/v1/locations",
            &json!({"name": "Hamburg Depot", "address": address("Depot", "Hamburg"),
            "opening_hours": [{"weekday": "monday", "opens": "08:00", "closes": "17:00"}], "instructions": "Ramp 2, book a slot"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let depot = a.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(a.json()["instructions"], "Ramp 2, book a slot");

    // Bob (another customer) cannot see or change it.
    problem(
        &bob.get(&format!("/api/v1/locations/{depot}")).await,
        404,
        "other customer's location",
    );
    problem(
        &bob.put(
            &format!("/api/v1/locations/{depot}"),
            &json!({"name": "x", "address": address("x", "Kiel")}),
        )
        .await,
        404,
        "other customer's location edit",
    );
    // …nor use it in an order.
    field_error(
        &bob.post("/api/v1/orders", &order_body("B-1", Some(&depot)))
            .await,
        "consignments[0].pickup.location_id",
        "other customer's location in an order",
    );

    // A draft with the location (usable at once: checked on the log, not a read model).
    let before = env.events().await;
    let mut bad = order_body("A-1", None);
    bad["consignments"][0]["goods"][0]["weight_kg"] = json!(-1);
    bad["consignments"][0]["delivery"]["date"] = json!(portal_testkit::fixtures::day(1));
    let a = ann.post("/api/v1/orders", &bad).await;
    field_error(&a, "consignments[0].goods[0].weight_kg", "negative weight");
    field_error(
        &ann.post("/api/v1/orders", &json!({"consignments": [{"pickup": 1}]}))
            .await,
        "consignments[0].pickup",
        "wrong type",
    );
    assert_eq!(env.events().await, before, "nothing appended on bad orders");

    // A location together with a different typed address is ambiguous: which one is meant?
    let mut both = order_body("A-1", Some(&depot));
    both["consignments"][0]["pickup"]["address"] = address("Elsewhere", "Kiel");
    field_error(
        &ann.post("/api/v1/orders", &both).await,
        "consignments[0].pickup.address",
        "location and a different address",
    );
    assert_eq!(env.events().await, before, "nothing appended on bad orders");

    let a = ann
        .post("/api/v1/orders", &order_body("A-1", Some(&depot)))
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let order = a.json();
    let id = order["id"].as_str().unwrap().to_owned();
    assert_eq!(order["status"], "draft");
    assert!(order["number"].as_str().unwrap().len() == 15, "{order}");
    // Edit the draft.
    let a = ann
        .put(
            &format!("/api/v1/orders/{id}"),
            &order_body("A-1 edited", Some(&depot)),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["content"]["customer_reference"], "A-1 edited");
    // Bob gets 404 for Ann's order, by every path.
    for a in [
        bob.get(&format!("/api/v1/orders/{id}")).await,
        bob.put(&format!("/api/v1/orders/{id}"), &order_body("x", None))
            .await,
        bob.post(&format!("/api/v1/orders/{id}/submit"), &json!({}))
            .await,
        bob.post(&format!("/api/v1/orders/{id}/order-again"), &json!({}))
            .await,
    ] {
        problem(&a, 404, "other customer's order");
    }
    // Staff do not submit drafts for a customer.
    problem(
        &env.api
            .post(&format!("/api/v1/orders/{id}/submit"), &json!({}))
            .await,
        404,
        "staff submit",
    );

    // Submit; the stop takes the location's address; edits are 409 from now on.
    let a = ann
        .post(&format!("/api/v1/orders/{id}/submit"), &json!({}))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["status"], "submitted");
    let before = env.events().await;
    for a in [
        ann.put(
            &format!("/api/v1/orders/{id}"),
            &order_body("changed", None),
        )
        .await,
        ann.put(&format!("/api/v1/orders/{id}"), &json!({"consignments": 3}))
            .await,
        ann.post(&format!("/api/v1/orders/{id}/cancel"), &json!({}))
            .await,
        ann.post(&format!("/api/v1/orders/{id}/submit"), &json!({}))
            .await,
    ] {
        let p = problem(
            &a,
            if a.status == 422 { 422 } else { 409 },
            "edit after submit",
        );
        if a.status == 409 {
            assert_eq!(p["detail"], "Submitted orders cannot be edited", "{p}");
        }
    }
    assert_eq!(
        env.events().await,
        before,
        "nothing appended after submission"
    );

    // Editing the location later never changes the submitted order.
    let a = ann
        .put(
            &format!("/api/v1/locations/{depot}"),
            &json!({"name": "Hamburg Depot", "address": address("Depot moved", "Lübeck")}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let detail = ann
        .until(&format!("/api/v1/orders/{id}"), |v| {
            v["status"] == "submitted"
        })
        .await;
    assert!(detail.to_string().contains("Hamburg"), "{detail}");
    assert!(!detail.to_string().contains("Lübeck"), "{detail}");

    // Order again: a new draft with the same content.
    let a = ann
        .post(&format!("/api/v1/orders/{id}/order-again"), &json!({}))
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let copy = a.json();
    assert_eq!(copy["status"], "draft");
    assert_ne!(copy["id"], json!(id));
    assert_eq!(copy["content"]["customer_reference"], "A-1 edited");

    // Archive the location: it leaves the address book, the order keeps its address.
    let a = ann
        .post(&format!("/api/v1/locations/{depot}/archive"), &json!({}))
        .await;
    assert_eq!(
        (a.status, a.json()["archived"].clone()),
        (200, json!(true)),
        "{}",
        a.body
    );
    ann.until("/api/v1/locations", |v| {
        v["items"].as_array().unwrap().is_empty()
    })
    .await;

    // The dashboard counts the submitted order.
    let dash = ann
        .until("/api/v1/dashboard", |v| {
            v.get("orders_by_status")
                .is_some_and(|s| s.to_string().contains("submitted"))
        })
        .await;
    assert!(
        dash.to_string().contains("charges_awaiting_approval"),
        "{dash}"
    );
}

async fn charges_and_printers(t: TestStoreRef) {
    let env = Env::start(t).await;
    let (_alpha, ann) = env
        .portal_user("Alpha Foods", "ann@alpha.example", true)
        .await;
    let (_beta, bob) = env
        .portal_user("Beta Steel", "bob@beta.example", false)
        .await;
    let submit = |api: Api, reference: &'static str| async move {
        let a = api
            .post("/api/v1/orders", &order_body(reference, None))
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        let id = a.json()["id"].as_str().unwrap().to_owned();
        let a = api
            .post(&format!("/api/v1/orders/{id}/submit"), &json!({}))
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        id
    };
    let a_order = submit(ann.clone(), "A-1").await;
    let b_order = submit(bob.clone(), "B-1").await;
    let charge = |order: String| {
        let api = env.api.clone();
        async move {
            let a = api
                .post(
                    &format!("/api/v1/orders/{order}/charges"),
                    &json!({"description": "Waiting time",
                    "amount_minor": 4500, "currency": "EUR", "request_approval": true}),
                )
                .await;
            assert_eq!(a.status, 201, "{}", a.body);
            a.json()["id"].as_str().unwrap().to_owned()
        }
    };
    let a_charge = charge(a_order.clone()).await;
    let b_charge = charge(b_order.clone()).await;
    let approval =
        |order: &str, charge: &str| format!("/api/v1/orders/{order}/charges/{charge}/approval");

    // Bad decisions append nothing.
    let before = env.events().await;
    field_error(
        &ann.post(
            &approval(&a_order, &a_charge),
            &json!({"decision": "maybe"}),
        )
        .await,
        "decision",
        "bad decision",
    );
    field_error(
        &ann.post(
            &approval(&a_order, &a_charge),
            &json!({"decision": "approved", "comment": "x".repeat(1001)}),
        )
        .await,
        "comment",
        "long comment",
    );
    problem(
        &bob.post(
            &approval(&a_order, &a_charge),
            &json!({"decision": "approved"}),
        )
        .await,
        404,
        "other customer's charge",
    );
    // Beta does not show charges: its own charge does not exist for Bob.
    problem(
        &bob.post(
            &approval(&b_order, &b_charge),
            &json!({"decision": "approved"}),
        )
        .await,
        404,
        "charges not shown",
    );
    assert_eq!(env.events().await, before);

    let a = ann
        .post(
            &approval(&a_order, &a_charge),
            &json!({"decision": "approved", "comment": "OK, driver waited 2 h"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        (a.json()["approval"].clone(), a.json()["comment"].clone()),
        (json!("approved"), json!("OK, driver waited 2 h"))
    );

    // No amount of Beta's anywhere Bob can read.
    env.projected().await;
    for path in [
        format!("/api/v1/orders/{b_order}"),
        format!("/api/v1/orders/{b_order}/charges"),
        "/api/v1/orders".to_owned(),
        "/api/v1/dashboard".to_owned(),
    ] {
        let a = bob.get(&path).await;
        assert_eq!(a.status, 200, "{path}: {}", a.body);
        assert!(
            !a.body.contains("amount_minor")
                && !a.body.contains("Waiting time")
                && !a.body.contains("\"charges_awaiting_approval\":1"),
            "{path}: {}",
            a.body
        );
    }

    // Documents in the defaults: one A6 label page per handling unit (3), a CMR page.
    let a = ann
        .get(&format!("/api/v1/orders/{a_order}/documents/label"))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.header("content-type"), Some("application/pdf"));
    assert_eq!(
        pdf_pages(&ann, &format!("/api/v1/orders/{a_order}/documents/label")).await,
        vec![(105, 148); 3]
    );
    assert_eq!(
        pdf_pages(&ann, &format!("/api/v1/orders/{a_order}/documents/cmr")).await,
        vec![(210, 297)]
    );
    problem(
        &bob.get(&format!("/api/v1/orders/{a_order}/documents/label"))
            .await,
        404,
        "other customer's labels",
    );
    problem(
        &ann.get(&format!("/api/v1/orders/{a_order}/documents/invoice"))
            .await,
        404,
        "unknown kind",
    );
    let draft = ann
        .post("/api/v1/orders", &order_body("draft", None))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    problem(
        &ann.get(&format!("/api/v1/orders/{draft}/documents/cmr"))
            .await,
        409,
        "draft documents",
    );

    // Printer configuration: defaults, bad input, save, per user.
    let a = ann.get("/api/v1/printer-config").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        (
            a.json()["label_format"].clone(),
            a.json()["label_copies"].clone(),
            a.json()["configured"].clone()
        ),
        (json!("a6"), json!(1), json!(false))
    );
    let before = env.events().await;
    let a = ann.put("/api/v1/printer-config", &json!({"label_format": "a3", "label_output": "zpl", "label_copies": 0, "document_format": "tabloid"})).await;
    for field in ["label_format", "document_format"] {
        field_error(&a, field, "bad printer config");
    }
    let a = ann.put("/api/v1/printer-config", &json!({"label_format": "a4", "label_output": "zpl", "label_copies": 11, "document_format": "a4"})).await;
    field_error(&a, "label_output", "zpl on a4");
    field_error(&a, "label_copies", "11 copies");
    assert_eq!(env.events().await, before);
    let a = ann.put("/api/v1/printer-config", &json!({"label_printer": "Zebra GK420d", "label_format": "4x6in", "label_output": "zpl", "label_copies": 2, "document_printer": "", "document_format": "letter"})).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        (
            a.json()["label_output"].clone(),
            a.json()["document_printer"].clone()
        ),
        (json!("zpl"), Value::Null)
    );
    ann.until("/api/v1/printer-config", |v| {
        v["configured"] == true && v["label_copies"] == 2
    })
    .await;
    // Labels follow it at once: ZPL, 3 pieces × 2 copies; the CMR on Letter paper.
    let a = ann
        .get(&format!("/api/v1/orders/{a_order}/documents/label"))
        .await;
    assert_eq!(a.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(
        (
            a.body.matches("^XA").count(),
            a.body.matches("^BCN").count()
        ),
        (6, 6),
        "{}",
        a.body
    );
    assert_eq!(
        pdf_pages(&ann, &format!("/api/v1/orders/{a_order}/documents/cmr")).await,
        vec![(216, 279)]
    );
    // Bob's is untouched; staff have none.
    assert_eq!(
        bob.get("/api/v1/printer-config").await.json()["configured"],
        false
    );
    problem(
        &env.api.get("/api/v1/printer-config").await,
        404,
        "staff printer config",
    );
}

on_both_backends!(address_book_and_orders, charges_and_printers);
