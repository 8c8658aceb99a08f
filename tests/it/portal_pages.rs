//! The customer portal's pages through the real binary, on both backends, as a browser without
//! script sends them: the new user's empty dashboard, the address book, the order form (rows
//! added by button, every bad field named, nothing appended), submission (read-only afterwards:
//! 409 "Submitted orders cannot be edited"), *Order again*, the export links, printer settings,
//! charge decisions; a user of another customer gets 404 for all of it, staff get 404 (or, for
//! the dashboard, `/staff`), and a customer that does not show charges sees no trace of them.

use portal_testkit::TestStoreRef;
use portal_testkit::api::{Env, STAFF};
use portal_testkit::http::{Answer, Browser};
use portal_testkit::on_both_backends;
use serde_json::json;
use std::time::Duration;

/// A customer with portal access and a contact logged in through the emailed link.
async fn portal_user(env: &Env, name: &str, email: &str, show_charges: bool) -> Browser {
    let id = env.api.customer(name).await;
    env.api.portal(&id, true, show_charges).await;
    let a = env
        .api
        .post(
            &format!("/api/v1/customers/{id}/contacts"),
            &json!({"name": "Ann", "email": email, "portal_access": true}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    env.projected().await;
    // The welcome email first, so the login link is the next one.
    portal_testkit::wait_until("the welcome email", Duration::from_secs(30), || async {
        !env.sink.to(email).is_empty()
    })
    .await;
    let browser = Browser::new(&env.base());
    assert_eq!(
        browser.login(&env.sink, email).await.location(),
        Some("/portal")
    );
    browser
}

fn assert_field(page: &Answer, field: &str) {
    let id = format!("id=\"{field}-error\"");
    assert!(
        page.body.contains(&id),
        "no message for {field}: {}",
        page.body
    );
}

const STOP: [(&str, &str); 5] = [
    ("address.name", "Berlin site"),
    ("address.street", "Alexanderplatz 1"),
    ("address.postal_code", "10178"),
    ("address.city", "Berlin"),
    ("address.country", "DE"),
];

async fn journey(t: TestStoreRef) {
    let env = Env::start(t).await;
    let ann = portal_user(&env, "Alpha Foods", "ann@alpha.example", true).await;
    let bob = portal_user(&env, "Beta Steel", "bob@beta.example", false).await;

    // A new user's dashboard says what to do first.
    let home = ann.get("/portal").await;
    assert_eq!(home.status, 200);
    assert!(
        home.body.contains("Welcome to your portal"),
        "{}",
        home.body
    );

    // Address book: bad input is named at its fields and appends nothing.
    let before = env.events().await;
    let bad = ann
        .submit(
            "/portal/locations",
            &[
                ("name", ""),
                ("address.country", "XX"),
                ("opening_hours", "someday"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    for field in ["name", "address.street"] {
        assert_field(&bad, field);
    }
    assert!(
        bad.body
            .contains("line 1: “someday” is not a day of the week"),
        "{}",
        bad.body
    );
    assert_eq!(env.events().await, before);
    let added = ann
        .submit(
            "/portal/locations",
            &[
                ("name", "Hamburg Depot"),
                ("address.street", "Hafenstraße 1"),
                ("address.postal_code", "20457"),
                ("address.city", "Hamburg"),
                ("address.country", "DE"),
                (
                    "opening_hours",
                    "Mon-Fri 08:00-12:00, 13:00-17:00\nsat 08:00-12:00",
                ),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let book = ann.get("/portal/locations").await;
    assert!(book.body.contains("Hamburg Depot"), "{}", book.body);
    let location = book
        .body
        .split("href=\"/portal/locations/")
        .filter_map(|rest| rest.get(..36))
        .find(|id| uuid::Uuid::parse_str(id).is_ok())
        .unwrap()
        .to_owned();
    let edit = ann.get(&format!("/portal/locations/{location}")).await;
    assert!(
        edit.body
            .contains("Mon-Fri 08:00-12:00, 13:00-17:00\nSat 08:00-12:00"),
        "the hours are shown grouped: {}",
        edit.body
    );

    // The order form: a goods line added by button keeps what was typed.
    let form = ann.get("/portal/orders/new").await;
    assert_eq!(form.status, 200);
    assert!(
        form.body.contains("Hamburg Depot"),
        "the address book is offered"
    );
    let more = ann
        .submit(
            "/portal/orders/new",
            &[("customer_reference", "PO-77"), ("action", "add_goods:0")],
        )
        .await;
    assert_eq!(more.status, 200);
    assert!(
        more.body.contains("consignments[0].goods[1].description") && more.body.contains("PO-77")
    );

    // Every bad field at once, nothing appended.
    let before = env.events().await;
    let bad = ann
        .submit(
            "/portal/orders/new",
            &[
                ("action", "save"),
                ("consignments[0].pickup.date", "tomorrow"),
                ("consignments[0].delivery.address.postal_code", "12/34"),
                ("consignments[0].goods[0].quantity", "three"),
                ("consignments[0].goods[0].packaging", "euro_pallet"),
                ("consignments[0].goods[0].weight_kg", "-1"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    for field in [
        "consignments[0].pickup.date",
        "consignments[0].delivery.address.postal_code",
        "consignments[0].goods[0].quantity",
        "consignments[0].goods[0].weight_kg",
    ] {
        assert_field(&bad, field);
    }
    // Blanks are gaps of a draft, not errors of the form.
    assert!(
        !bad.body
            .contains("id=\"consignments[0].delivery.address.city-error\"")
    );
    assert_eq!(env.events().await, before);

    // A sketch is saved as a draft that says what it lacks; the list marks it.
    let sketch = ann
        .submit(
            "/portal/orders/new",
            &[
                ("action", "save"),
                ("form_id", "sketchform000000001"),
                ("customer_reference", "PO-SKETCH"),
                ("consignments[0].pickup.address.city", "Växjö"),
                ("consignments[0].goods[0].description", "Tiles"),
            ],
        )
        .await;
    assert_eq!(sketch.status, 303, "{}", sketch.body);
    let draft_page = sketch.location().unwrap().to_owned();
    let page = ann.get(&draft_page).await;
    assert!(page.body.contains("Not complete yet"), "{}", page.body);
    assert!(
        page.body.contains("It is not complete yet"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Consignment 1, delivery, date"),
        "{}",
        page.body
    );
    env.projected().await;
    let list = ann.get("/portal/orders").await;
    assert!(list.body.contains("badge incomplete"), "{}", list.body);
    // *Check and submit* on it lists the gaps and offers no submit button.
    let review = ann.get(&format!("{draft_page}/review")).await;
    assert_eq!(review.status, 200);
    assert!(
        review.body.contains("Complete the order"),
        "{}",
        review.body
    );
    assert!(
        !review.body.contains("Submit to carrier"),
        "{}",
        review.body
    );
    // Submitting it anyway lands on the form with every gap at its field.
    let complete = ann.get(&format!("{draft_page}/complete")).await;
    assert_eq!(complete.status, 200);
    for field in [
        "consignments[0].pickup.date",
        "consignments[0].delivery.date",
        "consignments[0].goods[0].weight_kg",
    ] {
        assert_field(&complete, field);
    }
    assert!(complete.body.contains("Växjö"));

    // A valid order: pickup from the book, delivery typed and kept; saved and submitted.
    let mut fields: Vec<(String, String)> = vec![
        ("action".into(), "submit".into()),
        ("customer_reference".into(), "PO-77".into()),
        (
            "consignments[0].pickup.location_id".into(),
            location.clone(),
        ),
        (
            "consignments[0].pickup.date".into(),
            portal_testkit::fixtures::day(5),
        ),
        (
            "consignments[0].pickup.time_window.from".into(),
            "08:00".into(),
        ),
        (
            "consignments[0].pickup.time_window.to".into(),
            "12:00".into(),
        ),
        ("consignments[0].delivery.save_to_book".into(), "on".into()),
        (
            "consignments[0].goods[0].description".into(),
            "Tiles".into(),
        ),
        ("consignments[0].goods[0].quantity".into(), "3".into()),
        (
            "consignments[0].goods[0].packaging".into(),
            "euro_pallet".into(),
        ),
        ("consignments[0].goods[0].weight_kg".into(), "500".into()),
    ];
    for (k, v) in STOP {
        fields.push((format!("consignments[0].delivery.{k}"), v.into()));
    }
    fields.push((
        "consignments[0].delivery.date".into(),
        portal_testkit::fixtures::day(6),
    ));
    // The form as the page renders it: with its one-time id.
    fields.push(("form_id".into(), "neworderform0000001".into()));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let sent = ann.submit("/portal/orders/new", &pairs).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    // *Save and submit* saves the draft and leads to the review step, not to the carrier.
    let review_path = sent.location().unwrap().to_owned();
    assert!(review_path.ends_with("/review"), "{review_path}");
    let order = review_path
        .trim_start_matches("/portal/orders/")
        .trim_end_matches("/review")
        .to_owned();
    // The same form posted again (a double click, Back + resubmit): the same draft, no second.
    let before = env.events().await;
    let twice = ann.submit("/portal/orders/new", &pairs).await;
    assert_eq!(twice.location(), Some(review_path.as_str()));
    assert_eq!(env.events().await, before, "a second post appends nothing");
    let review = ann.get(&review_path).await;
    assert_eq!(review.status, 200, "{}", review.body);
    for text in [
        "Check and submit order",
        "Hafenstraße 1",
        "Alexanderplatz 1",
        "CMR consignment note",
        "Shipping labels: 3",
        "Submit to carrier",
    ] {
        assert!(review.body.contains(text), "{text}: {}", review.body);
    }
    assert!(env.events().await == before, "the review step only reads");
    // The review's form as sent: its hidden inputs but the CSRF token, which `submit` adds.
    let submit_form: Vec<(String, String)> = portal_testkit::http::hidden_inputs(
        &review.body,
        &format!("/portal/orders/{order}/submit"),
    )
    .into_iter()
    .filter(|(name, _)| name != "csrf")
    .collect();
    let submit_form: Vec<(&str, &str)> = submit_form
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let submitted = ann
        .submit(&format!("/portal/orders/{order}/submit"), &submit_form)
        .await;
    assert_eq!(submitted.status, 303, "{}", submitted.body);
    assert_eq!(
        submitted.location(),
        Some(format!("/portal/orders/{order}").as_str())
    );
    let after_submit = env.events().await;
    // *Submit to carrier* twice, and the order form once more after Back: nothing appended, the
    // order's page says why.
    let again = ann
        .submit(&format!("/portal/orders/{order}/submit"), &submit_form)
        .await;
    assert_eq!(again.status, 303, "{}", again.body);
    let back = ann.submit("/portal/orders/new", &pairs).await;
    assert_eq!(
        back.location(),
        Some(format!("/portal/orders/{order}").as_str())
    );
    assert_eq!(env.events().await, after_submit, "submitted once");
    let page = ann.get(&format!("/portal/orders/{order}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("was submitted on") && page.body.contains("can no longer be changed"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Submitted orders cannot be edited"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Hafenstraße 1") && page.body.contains("Alexanderplatz 1"));
    assert!(
        ann.get("/portal/locations")
            .await
            .body
            .contains("Berlin site"),
        "delivery kept in the book"
    );
    // Read-only: the form and its POST lead to the order's page, saying why; nothing appended.
    let edit = ann.get(&format!("/portal/orders/{order}/edit")).await;
    assert_eq!(edit.status, 303);
    assert_eq!(
        edit.location(),
        Some(format!("/portal/orders/{order}").as_str())
    );
    let page = ann.get(&format!("/portal/orders/{order}")).await;
    assert!(
        page.body.contains("can no longer be changed"),
        "{}",
        page.body
    );
    let edited = ann
        .submit(&format!("/portal/orders/{order}/edit"), &pairs)
        .await;
    assert_eq!(edited.status, 303);
    assert_eq!(env.events().await, after_submit);

    // Order again: a new draft's form, the content copied.
    let again = ann
        .submit(&format!("/portal/orders/{order}/again"), &[])
        .await;
    assert_eq!(again.status, 303, "{}", again.body);
    let copy = ann.get(again.location().unwrap()).await;
    assert_eq!(copy.status, 200);
    assert!(copy.body.contains("PO-77") && copy.body.contains("Alexanderplatz 1"));

    // The list: tabs with counts, search, CSV.
    let list = ann.get("/portal/orders?status=submitted").await;
    assert!(
        list.body.contains("submitted (1)") && list.body.contains("draft (2)"),
        "{}",
        list.body
    );
    assert!(list.body.contains("/api/v1/orders/export?format=xlsx"));
    // The former CSV address redirects to the API's export with the same filter.
    let moved = ann.get("/portal/orders.csv?q=PO-77").await;
    assert_eq!(moved.status, 308);
    let to = moved.location().unwrap().to_owned();
    assert!(to.starts_with("/api/v1/orders/export?format=csv"), "{to}");
    let csv = ann.get(&to).await;
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(
        csv.body
            .starts_with("\u{feff}order_number,reference,status")
    );
    assert_eq!(csv.body.lines().count(), 3, "{}", csv.body);
    assert!(
        csv.body.contains("charges_awaiting_approval"),
        "Alpha shows charges"
    );

    // Charges: staff ask for approval; Ann decides with a comment.
    let charge = env
        .api
        .post(
            &format!("/api/v1/orders/{order}/charges"),
            &json!({"description": "Waiting time",
            "amount_minor": 4500, "currency": "EUR", "request_approval": true}),
        )
        .await;
    assert_eq!(charge.status, 201, "{}", charge.body);
    let charge = charge.json()["id"].as_str().unwrap().to_owned();
    env.projected().await;
    assert!(
        ann.get("/portal/charges")
            .await
            .body
            .contains("Waiting time")
    );
    let decision = format!("/portal/orders/{order}/charges/{charge}/decision");
    let long = "x".repeat(1001);
    let bad = ann
        .submit(&decision, &[("decision", "approved"), ("comment", &long)])
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_field(&bad, "comment");
    let ok = ann
        .submit(
            &decision,
            &[("decision", "approved"), ("comment", "Driver waited 2 h")],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let page = ann.get(&format!("/portal/orders/{order}")).await;
    assert!(page.body.contains("Driver waited 2 h") && page.body.contains("approved"));

    // Printer settings.
    let bad = ann
        .submit(
            "/portal/settings/printers",
            &[
                ("label_format", "a4"),
                ("label_output", "zpl"),
                ("label_copies", "11"),
                ("document_format", "a4"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_field(&bad, "label_output");
    assert_field(&bad, "label_copies");
    let ok = ann
        .submit(
            "/portal/settings/printers",
            &[
                ("label_format", "4x6in"),
                ("label_output", "zpl"),
                ("label_copies", "2"),
                ("document_format", "letter"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert!(
        ann.get("/portal/settings")
            .await
            .body
            .contains("value=\"2\"")
    );
    // The order's download buttons follow the settings: ZPL, 3 pieces × 2 copies.
    assert!(
        page.body
            .contains(&format!("/portal/orders/{order}/documents/label"))
    );
    let zpl = ann
        .get(&format!("/portal/orders/{order}/documents/label"))
        .await;
    assert_eq!(zpl.status, 200);
    assert_eq!(
        zpl.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(zpl.body.matches("^XA").count(), 6);
    let cmr = ann
        .get(&format!("/portal/orders/{order}/documents/cmr"))
        .await;
    assert_eq!(cmr.header("content-type"), Some("application/pdf"));
    assert!(cmr.body.starts_with("%PDF-"));

    // Isolation: Bob and staff get 404 for Ann's order, location and charge.
    for path in [
        format!("/portal/orders/{order}"),
        format!("/portal/orders/{order}/edit"),
        format!("/portal/locations/{location}"),
        format!("/portal/orders/{order}/documents/label"),
        format!("/portal/orders/{order}/documents/cmr"),
    ] {
        let page = bob.get(&path).await;
        assert_eq!(page.status, 404, "{path}");
        // An error page of the application: Bob's own header and the portal's navigation.
        if page
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
        {
            assert!(
                page.body.contains("bob@beta.example")
                    && page.body.contains("aria-label=\"Portal\""),
                "{path}: {}",
                page.body
            );
        }
    }
    for (path, fields) in [
        (format!("/portal/orders/{order}/again"), vec![]),
        (decision.clone(), vec![("decision", "rejected")]),
        (format!("/portal/locations/{location}/archive"), vec![]),
    ] {
        assert_eq!(bob.submit(&path, &fields).await.status, 404, "{path}");
    }
    let staff = Browser::new(&env.base());
    staff.login(&env.sink, STAFF).await;
    let page = staff.get("/portal/orders").await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("aria-label=\"Staff\""), "{}", page.body);
    assert_eq!(staff.get("/portal").await.location(), Some("/staff"));

    // Beta does not show charges: no page, no column, no figure.
    assert_eq!(bob.get("/portal/charges").await.status, 404);
    assert!(!bob.get("/portal").await.body.contains("charges to approve"));
    assert!(
        !bob.get("/api/v1/orders/export?format=csv")
            .await
            .body
            .contains("charges")
    );
}

on_both_backends!(journey);
