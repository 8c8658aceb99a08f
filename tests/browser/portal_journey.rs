//! A portal user's whole journey in headless Chromium through WebDriver against the real binary
//! (SQLite, an SMTP server inside the test), every step asserted through what the browser shows:
//! 1. staff give Alpha Foods portal access (charges shown) and Ann access: the welcome email;
//! 2. Ann logs in through an emailed link: the dashboard's first steps;
//! 3. *Locations* › *Add location*;
//! 4. *Orders* › *New order*: a first *Save draft* shows every missing field in an error summary
//!    that has the focus and links to the fields; then the pickup from the address book, a typed
//!    delivery, a goods line added by button with ADR data; *Save and submit* leads to the review
//!    step, and Back + *Save and submit* again to the same draft; the pickup's street changed on
//!    the form detaches it from the book; *Submit to carrier*, then Back: the order's page says
//!    it was submitted, once, with the typed address; an API edit is 409;
//! 5. the label PDF (A6, one page per handling unit) and the CMR;
//! 6. the dashboard counts the order;
//! 7. staff add a charge and ask for approval; Ann approves it with a comment;
//! 8. *Settings*: labels as ZPL on 4×6 in, two copies: the labels come as ZPL.
//!
//! The pages passed are saved as screenshots under `docs/screenshots/` (`portal-*.png`) and
//! checked with axe-core: no violation of impact serious or critical.

use crate::driver::Browser;
use portal_eventlog::testing::{Backend, with_store};
use portal_testkit::api::Api;
use portal_testkit::db::wait_projected;
use portal_testkit::fixtures::{staff_member, tenant};
use portal_testkit::http::next_link;
use portal_testkit::process::token;
use portal_testkit::process::{base_of, start};
use portal_testkit::smtp::SmtpSink;
use portal_testkit::wait_until;
use serde_json::json;
use std::time::Duration;

const STAFF: &str = "staff@acme.example";
const ANN: &str = "ann@alpha.example";

/// The page sizes (mm, rounded) of a PDF.
fn pdf_pages(bytes: &[u8]) -> Vec<(u32, u32)> {
    let doc = lopdf::Document::load_mem(bytes).unwrap();
    doc.get_pages()
        .values()
        .map(|id| {
            let b = doc.get_dictionary(*id).unwrap().get(b"MediaBox").unwrap();
            let b = b.as_array().unwrap();
            let mm = |i: usize| (b[i].as_float().unwrap() * 25.4 / 72.0).round() as u32;
            (mm(2), mm(3))
        })
        .collect()
}

async fn download(api: &Api, path: &str) -> (String, Vec<u8>) {
    let r = api
        .http
        .get(format!("{}{path}", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{path}");
    let kind = r.headers()["content-type"].to_str().unwrap().to_owned();
    (kind, r.bytes().await.unwrap().to_vec())
}

/// Ann logs in through the login page and the emailed link (after the welcome email).
async fn log_in(b: &Browser, sink: &SmtpSink, base: &str) {
    b.goto(&format!("{base}/login")).await;
    b.fill("#link-email", ANN).await;
    b.click("form[action='/login/link'] button[type=submit]")
        .await;
    b.wait_text("Check your email").await;
    let link = next_link(sink, ANN, 1).await;
    b.goto(&link).await;
    b.wait_text(&format!("Continue as {ANN}")).await;
    b.click("form[action='/login/continue'] button[type=submit]")
        .await;
    b.wait_text("Welcome to your portal").await;
    assert_eq!(b.path().await, "/portal");
}

/// Fills one stop's typed address, date and time window.
async fn stop(b: &Browser, role: &str, city: &str, date: &str) {
    let f = |k: &str| format!("#consignments_0__{role}_{k}");
    b.fill(&f("address_name"), &format!("{city} Logistics"))
        .await;
    b.fill(&f("address_street"), "Alexanderplatz 1").await;
    b.fill(&f("address_postal_code"), "10178").await;
    b.fill(&f("address_city"), city).await;
    b.select(&f("address_country"), "DE").await;
    b.set_value(&f("date"), date).await;
    b.set_value(&f("time_window_from"), "08:00").await;
    b.set_value(&f("time_window_to"), "12:00").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_portal_users_journey() {
    let Some(b) = crate::driver::browser("a_portal_users_journey").await else {
        return;
    };
    with_store(
        Backend::Sqlite,
        "browser_portal_journey",
        move |t| async move {
            // 1. The carrier gives Alpha Foods and Ann access.
            let sink = SmtpSink::start().await;
            let server = start(&t.url, &sink, &[]);
            let base = base_of(&server);
            let acme = tenant(&t.store, "acme", "ACME Transport").await;
            staff_member(&t.store, &acme, STAFF).await;
            wait_projected(&t.store, &t.url).await;
            let staff = Api::new(&base, &token(&t.url, "acme", STAFF, None).await);
            let alpha = staff.customer("Alpha Foods").await;
            staff.portal(&alpha, true, true).await;
            let a = staff
                .post(
                    &format!("/api/v1/customers/{alpha}/contacts"),
                    &json!({"name": "Ann Berg", "email": ANN, "portal_access": true}),
                )
                .await;
            assert_eq!(a.status, 201, "{}", a.body);
            wait_until("the welcome email", Duration::from_secs(30), || async {
                !sink.to(ANN).is_empty()
            })
            .await;

            // 2. Log in: the dashboard's first steps.
            log_in(&b, &sink, &base).await;
            b.screenshot("portal-dashboard-empty").await;
            b.assert_accessible("portal-dashboard-empty").await;

            // 3. The address book.
            b.click("nav.subnav a[href='/portal/locations']").await;
            b.wait_text("No locations yet.").await;
            b.click("a.button[href='/portal/locations/new']").await;
            b.wait_text("New location").await;
            b.fill("#name", "Hamburg Depot").await;
            b.fill("[id='address.street']", "Hafenstraße 1").await;
            b.fill("[id='address.postal_code']", "20457").await;
            b.fill("[id='address.city']", "Hamburg").await;
            b.select("[id='address.country']", "DE").await;
            b.fill("[id='address.contact_name']", "Ole Sund").await;
            b.fill("#opening_hours", "Mon-Tue 07:00-12:00, 12:30-16:00")
                .await;
            b.fill("#instructions", "Ramp 2, book a slot the day before")
                .await;
            b.screenshot("portal-location-form").await;
            b.assert_accessible("portal-location-form").await;
            b.click("form[action='/portal/locations'] button[type=submit]")
                .await;
            b.wait_text("Location Hamburg Depot added.").await;
            b.screenshot("portal-locations").await;
            b.assert_accessible("portal-locations").await;

            // 4. A new order: *Save and submit* on the empty form saves a draft and shows every
            // missing field at once; then it is filled in.
            b.click("nav.subnav a[href='/portal/orders']").await;
            b.wait_text("No orders yet.").await;
            b.click("a.button[href='/portal/orders/new']").await;
            b.wait_text("Save it as a draft").await;
            b.click("button[value=submit]").await;
            b.wait_text("complete the fields marked below").await;
            assert!(b.path().await.ends_with("/complete"), "{}", b.path().await);
            b.wait_text("Must not be empty").await;
            b.wait_text("Is required").await;
            b.screenshot("portal-order-form-errors").await;
            b.assert_accessible("portal-order-form-errors").await;
            // The error summary has the focus and lists every problem; a link moves the focus to
            // its field.
            assert_eq!(b.focused_id().await, "error-summary");
            let listed = b.texts_of("#error-summary li").await;
            assert!(listed.len() >= 8, "{listed:?}");
            b.click("#error-summary a[href='#consignments_0__goods_0__description']")
                .await;
            assert_eq!(b.focused_id().await, "consignments_0__goods_0__description");
            b.fill("#customer_reference", "PO-4711").await;
            let depot = b
                .attr(
                    "#consignments_0__pickup_location_id option:nth-child(2)",
                    "value",
                )
                .await
                .unwrap();
            b.select("#consignments_0__pickup_location_id", &depot)
                .await;
            b.set_value(
                "#consignments_0__pickup_date",
                &portal_testkit::fixtures::day(5),
            )
            .await;
            stop(&b, "delivery", "Berlin", &portal_testkit::fixtures::day(6)).await;
            b.fill("#consignments_0__goods_0__description", "Floor tiles")
                .await;
            b.fill("#consignments_0__goods_0__quantity", "2").await;
            b.select("#consignments_0__goods_0__packaging", "euro_pallet")
                .await;
            b.fill("#consignments_0__goods_0__weight_kg", "900").await;
            b.click("button[value='add_goods:0']").await;
            b.wait_text("Goods line 2").await;
            assert_eq!(
                b.css("#customer_reference")
                    .await
                    .prop("value")
                    .await
                    .unwrap()
                    .as_deref(),
                Some("PO-4711"),
                "typed values survive adding a row"
            );
            adhesive(&b).await;
            b.screenshot("portal-order-form").await;
            b.assert_accessible("portal-order-form").await;
            // *Save and submit* leads to the review step; Back to the filled form and *Save and
            // submit* again: the same draft, not a second one.
            b.click("button[value=submit]").await;
            b.wait_text("Check and submit order").await;
            let review = b.path().await;
            // The form was the answer to a post (the added goods line): the browser asks to
            // send it again, which renders it again as it was.
            b.back().await;
            b.reload().await;
            b.wait_text("Save it as a draft").await;
            adhesive(&b).await;
            b.click("button[value=submit]").await;
            b.wait_text("Check and submit order").await;
            assert_eq!(b.path().await, review, "the same draft again");
            let order = review
                .trim_start_matches("/portal/orders/")
                .trim_end_matches("/review")
                .to_owned();
            b.click(&format!("a[href='/portal/orders/{order}']")).await;
            b.wait_text("This order is a draft").await;
            b.screenshot("portal-order-draft").await;
            b.assert_accessible("portal-order-draft").await;
            // The pickup's street changed after it was filled from the book: the stop leaves
            // the book entry and keeps what was typed.
            b.click(&format!("a.button[href='/portal/orders/{order}/edit']"))
                .await;
            b.wait_text("Edit draft").await;
            assert_eq!(
                b.css("#consignments_0__pickup_address_street")
                    .await
                    .prop("value")
                    .await
                    .unwrap()
                    .as_deref(),
                Some("Hafenstraße 1"),
                "filled from the book"
            );
            b.fill("#consignments_0__pickup_address_street", "Hafenstraße 7")
                .await;
            b.click("button[value=submit]").await;
            b.wait_text("Changed from Hamburg Depot").await;
            b.wait_text("Check and submit order").await;
            assert!(b.text().await.contains("Hafenstraße 7"), "the typed street");
            b.screenshot("portal-order-review").await;
            b.assert_accessible("portal-order-review").await;
            // *Submit to carrier*, then Back: the order's page says it was submitted already.
            b.click(&format!(
                "form[action='/portal/orders/{order}/submit'] button"
            ))
            .await;
            b.wait_text("submitted to the carrier.").await;
            b.back().await;
            b.wait_text("can no longer be changed").await;
            b.wait_text("Submitted orders cannot be edited.").await;
            assert!(
                b.text().await.contains("Hafenstraße 7"),
                "the typed address reached the carrier"
            );
            b.screenshot("portal-order-submitted").await;
            b.assert_accessible("portal-order-submitted").await;
            let ann = Api::new(&base, &token(&t.url, "acme", ANN, Some(&alpha)).await);
            let edit = ann
                .put(
                    &format!("/api/v1/orders/{order}"),
                    &json!({"consignments": []}),
                )
                .await;
            assert_eq!(edit.status, 409, "{}", edit.body);
            assert_eq!(edit.json()["detail"], "Submitted orders cannot be edited");

            // 5. Documents in the defaults: an A6 page per handling unit (2 + 1), the CMR on A4.
            let (kind, pdf) =
                download(&ann, &format!("/api/v1/orders/{order}/documents/label")).await;
            assert_eq!(kind, "application/pdf");
            assert_eq!(pdf_pages(&pdf), vec![(105, 148); 3]);
            let (_, cmr) = download(&ann, &format!("/api/v1/orders/{order}/documents/cmr")).await;
            assert_eq!(pdf_pages(&cmr), vec![(210, 297)]);

            // 6. The dashboard counts it.
            b.click("nav.subnav a[href='/portal']").await;
            b.wait_text("Orders per day").await;
            assert!(
                b.text().await.contains("1\norder in all"),
                "{}",
                b.text().await
            );
            b.screenshot("portal-dashboard").await;
            b.assert_accessible("portal-dashboard").await;
            b.click("nav.subnav a[href='/portal/orders']").await;
            b.wait_text("submitted (1)").await;
            b.screenshot("portal-orders").await;
            b.assert_accessible("portal-orders").await;

            // 7. A charge to approve.
            let charge = staff
                .post(
                    &format!("/api/v1/orders/{order}/charges"),
                    &json!({"description": "Waiting time at pickup", "amount_minor": 4500,
                    "currency": "EUR", "request_approval": true}),
                )
                .await;
            assert_eq!(charge.status, 201, "{}", charge.body);
            let charge = charge.json()["id"].as_str().unwrap().to_owned();
            wait_projected(&t.store, &t.url).await;
            b.goto(&format!("{base}/portal/orders/{order}")).await;
            b.wait_text("awaiting your approval").await;
            b.fill(
                &format!("[id='comment-{charge}']"),
                "Driver waited 2 h, agreed",
            )
            .await;
            b.screenshot("portal-charge-approval").await;
            b.assert_accessible("portal-charge-approval").await;
            b.click("button[value=approved]").await;
            b.wait_text("Charge approved.").await;
            b.wait_text("Driver waited 2 h, agreed").await;

            // 8. Settings: labels as ZPL on 4×6 in, two copies.
            b.click("nav.subnav a[href='/portal/settings']").await;
            b.wait_text("How your labels and transport documents print.")
                .await;
            b.fill("#label_printer", "Zebra GK420d").await;
            b.select("#label_format", "4x6in").await;
            b.select("#label_output", "zpl").await;
            b.fill("#label_copies", "2").await;
            b.select("#document_format", "letter").await;
            b.click("form[action='/portal/settings/printers'] button[type=submit]")
                .await;
            b.wait_text("Printer settings saved.").await;
            b.screenshot("portal-settings").await;
            b.assert_accessible("portal-settings").await;
            let (kind, zpl) =
                download(&ann, &format!("/api/v1/orders/{order}/documents/label")).await;
            assert_eq!(kind, "text/plain; charset=utf-8");
            let zpl = String::from_utf8(zpl).unwrap();
            assert_eq!(zpl.matches("^XA").count(), 6, "3 pieces, 2 copies");
            assert!(zpl.contains("^PW813"), "4x6in");
            let (_, cmr) = download(&ann, &format!("/api/v1/orders/{order}/documents/cmr")).await;
            assert_eq!(pdf_pages(&cmr), vec![(216, 279)]);
        },
    )
    .await;
}

/// Fills the second goods line: tile adhesive, dangerous goods.
async fn adhesive(b: &Browser) {
    b.fill("#consignments_0__goods_1__description", "Tile adhesive")
        .await;
    b.fill("#consignments_0__goods_1__quantity", "1").await;
    b.select("#consignments_0__goods_1__packaging", "drum")
        .await;
    b.fill("#consignments_0__goods_1__weight_kg", "200").await;
    b.fill("#consignments_0__goods_1__adr_un_number", "1133")
        .await;
    b.fill("#consignments_0__goods_1__adr_class", "3").await;
    b.fill("#consignments_0__goods_1__adr_packing_group", "III")
        .await;
}
