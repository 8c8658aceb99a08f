//! Staff page actions through the real binary, on both backends: quick actions with the header's
//! select-all over more customers than one page (60, pages of 50) update and report all of them;
//! the orders inbox moves an order along its lifecycle and adds a charge; carrier locations are
//! created and edited, and narrowing a location two customers use to one is a field error.

use portal_domain::customer::{Customer, CustomerCommand, CustomerStatus};
use portal_domain::order::{Order, OrderCommand};
use portal_domain::values::{
    AddressInput, ConsignmentInput, GoodsInput, Name, OrderContent, OrderContentInput, Packaging,
    StopInput,
};
use portal_domain::{CustomerId, LocationId, OrderId, TenantId};
use portal_eventlog::{Store, StreamId, execute};
use portal_testkit::TestStoreRef;
use portal_testkit::db::wait_projected;
use portal_testkit::db::*;
use portal_testkit::fixtures::{customer, staff_ctx, staff_member, submitted_order, tenant};
use portal_testkit::http::*;
use portal_testkit::on_both_backends;
use portal_testkit::process::*;
use portal_testkit::smtp::SmtpSink;
use uuid::Uuid;

const OPS: &str = "ops@acme.example";

/// A customer without portal access.
async fn plain_customer(store: &Store, t: &TenantId, name: &str) -> CustomerId {
    let id = CustomerId(Uuid::now_v7());
    let command = CustomerCommand::CreateCustomer {
        customer_id: id,
        name: Name::parse(name).unwrap(),
        code: None,
        status: CustomerStatus::Approved,
    };
    execute::<Customer>(
        store,
        &StreamId::of::<Customer>(id),
        &staff_ctx(t),
        &command,
    )
    .await
    .unwrap();
    id
}

/// A draft of customer `c` picking up at location `loc`.
async fn draft_using(store: &Store, t: &TenantId, c: CustomerId, loc: LocationId, n: &str) {
    let stop = |location_id: Option<LocationId>, city: &str| StopInput {
        location_id,
        address: AddressInput {
            name: format!("Depot {city}"),
            street: "Hafenweg 1".into(),
            postal_code: "20457".into(),
            city: city.into(),
            country: "DE".into(),
            contact_name: None,
            contact_phone: None,
        },
        date: Some(time::macros::date!(2030 - 06 - 05)),
        time_window: None,
        reference: None,
        instructions: None,
    };
    let content = OrderContent::new(OrderContentInput {
        customer_reference: None,
        consignments: vec![ConsignmentInput {
            pickup: stop(Some(loc), "Hamburg"),
            delivery: stop(None, "Bremen"),
            goods: vec![GoodsInput {
                description: "Crates".into(),
                quantity: Some(1),
                packaging: Some(Packaging::EuroPallet),
                weight_kg: Some(100.0),
                volume_m3: None,
                loading_metres: None,
                pallet_spaces: None,
                stackable: true,
                adr: None,
            }],
        }],
        notes: None,
    })
    .unwrap();
    let id = OrderId(Uuid::now_v7());
    let command = OrderCommand::CreateDraft {
        order_id: id,
        customer_id: c,
        number: n.to_owned(),
        content: content.into(),
        // The fixture's dates are fixed: decide as of a day before them.
        today: time::macros::date!(2030 - 06 - 01),
    };
    execute::<Order>(store, &StreamId::of::<Order>(id), &staff_ctx(t), &command)
        .await
        .unwrap();
}

async fn logged_in(
    t: &TestStoreRef,
) -> (SmtpSink, portal_testkit::process::Logged, Browser, TenantId) {
    let sink = SmtpSink::start().await;
    let server = start(&t.url, &sink, &[]);
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    staff_member(&t.store, &acme, OPS).await;
    wait_projected(&t.store, &t.url).await;
    settle_mail(&t.store, &t.url).await;
    let staff = Browser::new(&base_of(&server));
    staff.login(&sink, OPS).await;
    (sink, server, staff, acme)
}

async fn quick_actions_select_all_matching(t: TestStoreRef) {
    let (_sink, _server, staff, acme) = logged_in(&t).await;
    for i in 0..60 {
        plain_customer(&t.store, &acme, &format!("Bulk {i:02}")).await;
    }
    customer(&t.store, &acme, "Already On").await;
    plain_customer(&t.store, &acme, "Other Name").await;
    wait_projected(&t.store, &t.url).await;

    // Choosing the quick action changes nothing; the list gets check boxes and a pager.
    let before = all_events(&t.store).await.len();
    let list = staff
        .get("/staff/customers?q=bulk&qa_field=portal_enabled&qa_value=on")
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body.matches("name=\"customer_ids\"").count(), 50);
    assert!(list.body.contains("All 60 matching"), "{}", list.body);
    assert!(list.body.contains("rel=\"next\""));
    let next = list.body.split("rel=\"next\"").next().unwrap();
    let next = attr(&next[next.rfind("<a").unwrap()..], "href").unwrap();
    let second = staff.get(&next).await;
    assert_eq!(second.body.matches("name=\"customer_ids\"").count(), 10);
    assert_eq!(all_events(&t.store).await.len(), before);

    // Nothing chosen: 422 back on the list.
    let none = staff
        .submit(
            "/staff/customers/quick-actions",
            &[("field", "portal_enabled"), ("value", "on"), ("q", "bulk")],
        )
        .await;
    assert_eq!(none.status, 422, "{}", none.body);
    assert!(
        none.body.contains("Choose at least one customer"),
        "{}",
        none.body
    );

    // The header box: all 60 matching "bulk", not only the 50 shown.
    let done = staff
        .submit(
            "/staff/customers/quick-actions",
            &[
                ("field", "portal_enabled"),
                ("value", "on"),
                ("q", "bulk"),
                ("all_matching", "1"),
                ("customer_ids", "ignored-when-all-matching"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let report_path = done.location().unwrap().to_owned();
    let report = staff.get(&report_path).await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert!(
        report.body.contains("60 changed, 0 already so, 0 failed"),
        "{}",
        report.body
    );
    assert_eq!(report.body.matches("outcome-changed").count(), 60);
    assert!(!report.body.contains("Other Name"));
    assert_eq!(count_events(&t.store, "CustomerPortalEnabled").await, 61);
    assert_eq!(staff.get(&report_path).await.status, 303, "shown once");

    // Ticked rows: one already on, one changed, one unknown id failed.
    let on = staff.get("/staff/customers?q=already").await.body;
    let link = on[..on.find(">Already On<").unwrap()].rfind("<a").unwrap();
    let already = attr(&on[link..], "href").unwrap();
    let already = already.trim_start_matches("/staff/customers/").to_owned();
    let other = all_events(&t.store)
        .await
        .iter()
        .rfind(|e| e.event_type == "CustomerCreated")
        .unwrap()
        .stream_id
        .as_str()
        .trim_start_matches("customer-")
        .to_owned();
    let done = staff
        .submit(
            "/staff/customers/quick-actions",
            &[
                ("field", "portal_enabled"),
                ("value", "on"),
                ("customer_ids", &already),
                ("customer_ids", &other),
                ("customer_ids", &Uuid::now_v7().to_string()),
            ],
        )
        .await;
    let report = staff.get(done.location().unwrap()).await.body;
    assert!(
        report.contains("1 changed, 1 already so, 1 failed"),
        "{report}"
    );
    assert!(report.contains("ustomer not found"), "{report}");
}

async fn orders_and_charges_by_form(t: TestStoreRef) {
    let (_sink, _server, staff, acme) = logged_in(&t).await;
    let a = customer(&t.store, &acme, "Customer A").await;
    let order = submitted_order(&t.store, &acme, a, "ORD-7").await;
    wait_projected(&t.store, &t.url).await;
    let page = format!("/staff/orders/{order}");
    let status = format!("{page}/status");

    let before = all_events(&t.store).await.len();
    let no_reason = staff.submit(&status, &[("status", "rejected")]).await;
    assert_eq!(no_reason.status, 422, "{}", no_reason.body);
    assert!(
        no_reason.body.contains("id=\"reason-error\""),
        "{}",
        no_reason.body
    );
    let not_allowed = staff.submit(&status, &[("status", "delivered")]).await;
    assert_eq!(not_allowed.status, 409, "{}", not_allowed.body);
    let bad_charge = staff
        .submit(
            &format!("{page}/charges"),
            &[
                ("description", "Waiting time"),
                ("amount", "12.345"),
                ("currency", "EUR"),
            ],
        )
        .await;
    assert_eq!(bad_charge.status, 422);
    assert!(
        bad_charge.body.contains("id=\"amount_minor-error\""),
        "{}",
        bad_charge.body
    );
    assert_eq!(all_events(&t.store).await.len(), before);

    for (next, shown) in [
        ("accepted", "accepted"),
        ("planned", "planned"),
        ("in_transit", "in transit"),
    ] {
        let moved = staff.submit(&status, &[("status", next)]).await;
        assert_eq!(moved.status, 303, "{next}: {}", moved.body);
        let body = staff.get(&page).await.body;
        assert!(
            body.contains(&format!("Order ORD-7 is now {shown}.")),
            "{body}"
        );
    }
    let charged = staff
        .submit(
            &format!("{page}/charges"),
            &[
                ("description", "Waiting time"),
                ("amount", "45,50"),
                ("currency", "eur"),
                ("request_approval", "on"),
            ],
        )
        .await;
    assert_eq!(charged.status, 303, "{}", charged.body);
    let body = staff.get(&page).await.body;
    assert!(
        body.contains("45.50 EUR") && body.contains("requested"),
        "{body}"
    );
    assert!(
        body.contains(">Delivered<") && !body.contains(">Accept<"),
        "{body}"
    );
    let inbox = staff.get("/staff/orders?status=in_transit").await.body;
    assert!(inbox.contains("ORD-7"), "{inbox}");
    assert!(
        !staff
            .get("/staff/orders?status=submitted")
            .await
            .body
            .contains("ORD-7")
    );
    let audit = staff.get(&format!("{page}/audit")).await.body;
    assert!(
        audit.contains("ChargeAdded")
            && audit.contains(&format!("<strong>{OPS}</strong>"))
            && audit.contains(&format!("{OPS} added charge")),
        "{audit}"
    );
}

async fn carrier_locations_by_form(t: TestStoreRef) {
    let (_sink, _server, staff, acme) = logged_in(&t).await;
    let a = customer(&t.store, &acme, "Customer A").await;
    let b = customer(&t.store, &acme, "Customer B").await;
    wait_projected(&t.store, &t.url).await;
    let fields = |kind: &'static str, customer: String| {
        vec![
            ("name", "Hub Hamburg".to_owned()),
            ("address.street", "Hafenweg 1".to_owned()),
            ("address.postal_code", "20457".to_owned()),
            ("address.city", "Hamburg".to_owned()),
            ("address.country", "DE".to_owned()),
            (
                "opening_hours",
                "monday 08:00-17:00\ntuesday 08:00-12:00".to_owned(),
            ),
            ("visibility.kind", kind.to_owned()),
            ("visibility.customer_id", customer),
        ]
    };
    let send = |path: String, fields: Vec<(&'static str, String)>| {
        let staff = staff.clone();
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            staff.submit(&path, &fields).await
        }
    };
    let mut bad = fields("all_portal_customers", String::new());
    bad[4].1 = "Germania".into();
    let refused = send("/staff/locations".into(), bad).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("id=\"address.country-error\""),
        "{}",
        refused.body
    );

    let created = send(
        "/staff/locations".into(),
        fields("all_portal_customers", String::new()),
    )
    .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let list = staff.get("/staff/locations").await.body;
    assert!(
        list.contains("Location Hub Hamburg created.") && list.contains("All portal customers")
    );
    let stream = all_events(&t.store)
        .await
        .iter()
        .find(|e| e.event_type == "LocationAdded")
        .unwrap()
        .stream_id
        .clone();
    let loc: LocationId = stream
        .as_str()
        .trim_start_matches("location-")
        .parse()
        .unwrap();
    let edit = format!("/staff/locations/{loc}");
    let form = staff.get(&edit).await.body;
    assert!(form.contains("Mon 08:00-17:00\nTue 08:00-12:00"), "{form}");
    assert!(
        form.contains(r#"<option value="DE" selected>Germany (DE)</option>"#),
        "the country is chosen from a list: {form}"
    );

    // Used by two customers: limiting it to one is refused next to the choice.
    draft_using(&t.store, &acme, a, loc, "D-1").await;
    draft_using(&t.store, &acme, b, loc, "D-2").await;
    wait_projected(&t.store, &t.url).await;
    let narrowed = send(
        format!("{edit}/save"),
        fields("customer_only", a.to_string()),
    )
    .await;
    assert_eq!(narrowed.status, 422, "{}", narrowed.body);
    assert!(
        narrowed.body.contains("id=\"visibility.kind-error\""),
        "{}",
        narrowed.body
    );
    assert!(
        narrowed.body.contains("used by 2 customers"),
        "{}",
        narrowed.body
    );
    let hidden = send(
        format!("{edit}/save"),
        fields("not_on_portal", String::new()),
    )
    .await;
    assert_eq!(hidden.status, 303, "{}", hidden.body);
    assert!(
        staff
            .get("/staff/locations")
            .await
            .body
            .contains("Not on portal")
    );
}

on_both_backends!(
    quick_actions_select_all_matching,
    orders_and_charges_by_form,
    carrier_locations_by_form,
);
