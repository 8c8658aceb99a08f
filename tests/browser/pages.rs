//! Every main page fits the screen, in headless Chromium through WebDriver against the real
//! binary (SQLite): the portal's dashboard, orders, new order form (empty and with its
//! messages), an order, locations, the location form, charges, settings, webhooks, the account
//! page and an email's unsubscribe page, and the staff's home, customers (with the quick actions'
//! check boxes), a customer, contacts, the orders inbox, an order and its audit trail, the carrier
//! locations with their form and the webhooks, each at
//! 390×844 (a phone) and 1280×800. A page fits when the document is no wider than the window
//! (`scrollWidth <= innerWidth`): nothing scrolls sideways. The phone views are saved as
//! `docs/screenshots/phone-*.png`.
//!
//! At desktop width each of those pages is also checked with axe-core (no violation of impact
//! serious or critical), and so are the login pages, a location's edit form,
//! the new customer form, a customer's audit trail, a contact, the staff settings, and the order,
//! location and new customer forms showing their messages.
//!
//! The data has the long words that push pages wide: a long company name, a long location name
//! and reference.

use crate::driver::Browser;
use portal_eventlog::testing::{Backend, with_store};
use portal_testkit::api::Api;
use portal_testkit::db::wait_projected;
use portal_testkit::fixtures::{staff_member, submitted_order, tenant};
use portal_testkit::http::next_link;
use portal_testkit::process::token;
use portal_testkit::process::{base_of, start};
use portal_testkit::smtp::SmtpSink;
use portal_testkit::wait_until;
use serde_json::json;
use std::time::Duration;

const STAFF: &str = "staff@acme.example";
const ANN: &str = "ann@alpha.example";
const PHONE: (u32, u32) = (390, 844);
const DESKTOP: (u32, u32) = (1280, 800);

/// The login identity of `email`, the audit's person filter value.
fn user_id(email: &str) -> String {
    let email = portal_domain::values::Email::parse(email).unwrap();
    portal_domain::UserId::for_email(&email).to_string()
}

/// Logs `email` in through an emailed link (`before`: the emails it had already), landing on
/// `home`; the pages on the way are checked with axe-core.
async fn log_in(b: &Browser, sink: &SmtpSink, base: &str, email: &str, before: usize, home: &str) {
    b.client.delete_all_cookies().await.unwrap();
    b.goto(&format!("{base}/login")).await;
    b.fill("#link-email", email).await;
    b.click("form[action='/login/link'] button[type=submit]")
        .await;
    b.wait_text("Check your email").await;
    b.assert_accessible("login-link-sent").await;
    let link = next_link(sink, email, before).await;
    b.goto(&link).await;
    b.wait_text(&format!("Continue as {email}")).await;
    b.assert_accessible("login-continue").await;
    b.click("form[action='/login/continue'] button[type=submit]")
        .await;
    wait_until("the home page", Duration::from_secs(10), || async {
        b.path().await == home
    })
    .await;
}

/// The document's and the window's widths.
async fn widths(b: &Browser) -> (u64, u64) {
    let v = b
        .client
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    (v[0].as_u64().unwrap(), v[1].as_u64().unwrap())
}

/// Asserts that the page has at least `at_least` fields marked invalid, and that each names its
/// message (`aria-describedby`) and the message is on the page.
async fn messages_linked(b: &Browser, at_least: u64) {
    let v = b
        .client
        .execute(
            "const bad = [...document.querySelectorAll('[aria-invalid=true]')];
             return [bad.length, bad.filter(e => {
               const id = e.getAttribute('aria-describedby');
               return !id || !document.getElementById(id);
             }).map(e => e.id)];",
            vec![],
        )
        .await
        .unwrap();
    let invalid = v[0].as_u64().unwrap();
    assert!(invalid >= at_least, "{invalid} fields marked invalid");
    assert_eq!(v[1], json!([]), "fields without their message");
}

/// Opens `path` at both sizes and asserts it fits, and that the desktop view has no serious or
/// critical accessibility violation; the phone view is saved as `phone-<name>`.
async fn fits(b: &Browser, base: &str, path: &str, shows: &str, name: &str) {
    for (w, h) in [DESKTOP, PHONE] {
        b.client.set_window_size(w, h).await.unwrap();
        b.goto(&format!("{base}{path}")).await;
        b.wait_text(shows).await;
        let (document, window) = widths(b).await;
        assert!(
            document <= window,
            "{path} at {w}×{h}: the document is {document} px wide, the window {window} px"
        );
        if (w, h) == DESKTOP {
            b.assert_accessible(name).await;
        }
    }
    whole_page_screenshot(b, &format!("phone-{name}")).await;
}

/// A screenshot of the whole page at phone width: the window is made as tall as the document
/// (at most 4,000 px) for it, then set back.
async fn whole_page_screenshot(b: &Browser, name: &str) {
    let v = b
        .client
        .execute(
            "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight];",
            vec![],
        )
        .await
        .unwrap();
    let (height, chrome) = (v[0].as_u64().unwrap(), v[1].as_u64().unwrap());
    let tall = u32::try_from((height + chrome).min(4000)).unwrap();
    b.client
        .set_window_size(PHONE.0, tall.max(PHONE.1))
        .await
        .unwrap();
    b.screenshot(name).await;
    b.client.set_window_size(PHONE.0, PHONE.1).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_fit_phones_and_desktops() {
    let Some(b) = crate::driver::browser("pages_fit_phones_and_desktops").await else {
        return;
    };
    with_store(Backend::Sqlite, "browser_pages", move |t| async move {
        let sink = SmtpSink::start().await;
        let server = start(&t.url, &sink, &[]);
        let base = base_of(&server);
        let acme = tenant(&t.store, "acme", "ACME Transport").await;
        staff_member(&t.store, &acme, STAFF).await;
        wait_projected(&t.store, &t.url).await;
        let staff = Api::new(&base, &token(&t.url, "acme", STAFF, None).await);
        let alpha = staff
            .customer("Alpha Lebensmittelgroßhandelsgesellschaft")
            .await;
        staff.portal(&alpha, true, true).await;
        let a = staff
            .post(
                &format!("/api/v1/customers/{alpha}/contacts"),
                &json!({"name": "Ann Berg", "email": ANN, "portal_access": true,
                    "roles": ["invoices"]}),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        let contact = a.json()["id"].as_str().unwrap().to_owned();
        wait_until("the welcome email", Duration::from_secs(30), || async {
            !sink.to(ANN).is_empty()
        })
        .await;
        let ann = Api::new(&base, &token(&t.url, "acme", ANN, Some(&alpha)).await);
        let address = json!({"name": "Hamburger Hafenlogistikzentrum Nord", "street": "Hafenstraße 1",
            "postal_code": "20457", "city": "Hamburg", "country": "DE",
            "contact_name": "Ole Sund", "contact_phone": "+49 40 1234567"});
        let l = ann
            .post(
                "/api/v1/locations",
                &json!({"name": "Hamburger Hafenlogistikzentrum Nord", "address": address,
                    "instructions": "Rampe 2, Zeitfensterbuchung am Vortag bis 12 Uhr"}),
            )
            .await;
        assert_eq!(l.status, 201, "{}", l.body);
        let location = l.json()["id"].as_str().unwrap().to_owned();
        let order = submitted_order(&t.store, &acme, alpha.parse().unwrap(), "ORD-1").await;
        let charge = staff
            .post(
                &format!("/api/v1/orders/{order}/charges"),
                &json!({"description": "Wartezeit bei der Beladung", "amount_minor": 4500,
                    "currency": "EUR", "request_approval": true}),
            )
            .await;
        assert_eq!(charge.status, 201, "{}", charge.body);
        // Ann handles invoices: the charge is emailed to her.
        wait_until("the charge email", Duration::from_secs(30), || async {
            sink.to(ANN).len() >= 2
        })
        .await;
        // A second charge, decided by Ann with a comment: the audit names her in words.
        let ferry = staff
            .post(
                &format!("/api/v1/orders/{order}/charges"),
                &json!({"description": "Fährgebühr Puttgarden–Rødby", "amount_minor": 18900,
                    "currency": "EUR", "request_approval": true}),
            )
            .await;
        assert_eq!(ferry.status, 201, "{}", ferry.body);
        let decided = ann
            .post(
                &format!("/api/v1/orders/{order}/charges/{}/approval", ferry.json()["id"].as_str().unwrap()),
                &json!({"decision": "approved", "comment": "Abgesprochen mit der Disposition, Fähre war nötig"}),
            )
            .await;
        assert_eq!(decided.status, 200, "{}", decided.body);
        let accepted = staff
            .post(&format!("/api/v1/orders/{order}/status"), &json!({"status": "accepted"}))
            .await;
        assert_eq!(accepted.status, 200, "{}", accepted.body);
        // The second charge's email too: Ann's emails so far, before her login link.
        wait_until("the second charge email", Duration::from_secs(30), || async {
            sink.to(ANN).len() >= 3
        })
        .await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let ann_mails = sink.to(ANN).len();
        // Staff hear of a decision with a comment.
        wait_until("the decision email", Duration::from_secs(30), || async {
            !sink.to(STAFF).is_empty()
        })
        .await;
        let stop = |location: Option<&str>, date: String| match location {
            Some(id) => json!({"location_id": id, "date": date}),
            None => json!({"date": date, "address": {
                "name": "Niederlassung Süd", "street": "Industriestraße 12",
                "postal_code": "80939", "city": "München", "country": "DE"}}),
        };
        let d = ann
            .post(
                "/api/v1/orders",
                &json!({"customer_reference": "PO-2026-000417", "consignments": [{
                    "pickup": stop(Some(&location), portal_testkit::fixtures::day(3)),
                    "delivery": stop(None, portal_testkit::fixtures::day(4)),
                    "goods": [{"description": "Fliesenkleber, 25-kg-Säcke", "quantity": 12,
                        "packaging": "euro_pallet", "weight_kg": 900.0, "stackable": true}]}]}),
            )
            .await;
        assert_eq!(d.status, 201, "{}", d.body);
        let draft = d.json()["id"].as_str().unwrap().to_owned();
        // A draft with gaps: no delivery yet, a goods line without weight.
        let s = ann
            .post(
                "/api/v1/orders",
                &json!({"customer_reference": "PO-2026-000418", "consignments": [{
                    "pickup": stop(Some(&location), portal_testkit::fixtures::day(3)), "delivery": {},
                    "goods": [{"description": "Fliesenkleber", "quantity": 4}]}]}),
            )
            .await;
        assert_eq!(s.status, 201, "{}", s.body);
        let sketch = s.json()["id"].as_str().unwrap().to_owned();
        wait_projected(&t.store, &t.url).await;

        b.client
            .set_window_size(DESKTOP.0, DESKTOP.1)
            .await
            .unwrap();
        b.goto(&format!("{base}/login")).await;
        b.wait_text("Send login link").await;
        b.assert_accessible("login").await;
        log_in(&b, &sink, &base, ANN, ann_mails, "/portal").await;
        // The one-click unsubscribe page of the charge email Ann got.
        let unsubscribe = sink
            .to(ANN)
            .iter()
            .find_map(|m| m.header("List-Unsubscribe"))
            .expect("the charge email has an unsubscribe link");
        let unsubscribe = unsubscribe
            .trim_matches(|c| c == '<' || c == '>')
            .trim_start_matches(base.as_str())
            .to_owned();
        let portal = [
            ("/portal", "Orders per", "dashboard"),
            ("/portal/orders", "ORD-1", "orders"),
            ("/portal/orders/new", "New order", "order-form"),
            (&format!("/portal/orders/{order}"), "awaiting your approval", "order"),
            (&format!("/portal/orders/{draft}/review"), "Submit to carrier", "order-review"),
            (&format!("/portal/orders/{sketch}"), "Not complete yet", "order-incomplete"),
            ("/portal/locations", "Hafenlogistikzentrum", "locations"),
            ("/portal/locations/new", "New location", "location-form"),
            ("/portal/charges", "Wartezeit", "charges"),
            ("/portal/settings", "Settings", "settings"),
            ("/account", "Emails", "account"),
            ("/portal/settings/webhooks", "Events sent to your systems", "webhooks"),
            (&unsubscribe, "Stop emails about", "unsubscribe"),
        ];
        for (path, shows, name) in portal {
            fits(&b, &base, path, shows, name).await;
        }
        // The order's history names people as a portal user sees them.
        b.client
            .set_window_size(DESKTOP.0, DESKTOP.1)
            .await
            .unwrap();
        b.goto(&format!("{base}/portal/orders/{order}")).await;
        b.wait_text("by ACME Transport").await;
        assert!(!b.text().await.contains(STAFF), "no staff email on the portal");
        b.screenshot("portal-order-history").await;
        // *Save and submit* on an empty form: the draft is saved, and its form shows every gap.
        b.goto(&format!("{base}/portal/orders/new")).await;
        b.click("button[value=submit]").await;
        b.wait_text("Consignment 1").await;
        wait_until("the messages", Duration::from_secs(10), || async {
            b.client
                .find(fantoccini::Locator::Css("[aria-invalid=true]"))
                .await
                .is_ok()
        })
        .await;
        let (document, window) = widths(&b).await;
        assert!(document <= window, "the form's messages: {document} > {window}");
        messages_linked(&b, 10).await;
        whole_page_screenshot(&b, "phone-order-form-errors").await;
        b.client
            .set_window_size(DESKTOP.0, DESKTOP.1)
            .await
            .unwrap();
        b.assert_accessible("order-form-errors").await;
        // The location form's messages, the opening hours' ones under one element.
        b.goto(&format!("{base}/portal/locations/new")).await;
        b.fill("#name", "Depot").await;
        b.fill("#opening_hours", "someday 25:00").await;
        b.click("form[action='/portal/locations'] button[type=submit]")
            .await;
        b.wait_text("Must not be empty").await;
        messages_linked(&b, 3).await;
        b.assert_accessible("location-form-errors").await;
        // Pages whose width the list above does not need to check, for accessibility only.
        let more = [
            (&format!("/portal/locations/{location}"), "Hafenlogistikzentrum", "location-edit"),
        ];
        for (path, shows, name) in more {
            b.goto(&format!("{base}{path}")).await;
            b.wait_text(shows).await;
            b.assert_accessible(name).await;
        }

        let staff_mails = sink.to(STAFF).len();
        log_in(&b, &sink, &base, STAFF, staff_mails, "/staff").await;
        let staff_pages = [
            ("/staff", "Latest submitted orders", "staff-home"),
            ("/staff/customers", "Lebensmittel", "staff-customers"),
            (
                "/staff/customers?qa_field=show_charges&qa_value=on",
                "All 1 matching",
                "staff-quick-actions",
            ),
            (&format!("/staff/customers/{alpha}"), "Contacts", "staff-customer"),
            ("/staff/contacts", "Ann Berg", "staff-contacts"),
            ("/staff/orders", "ORD-1", "staff-orders"),
            (&format!("/staff/orders/{order}"), "Add charge", "staff-order"),
            (
                &format!("/staff/orders/{order}/audit"),
                "Audit trail",
                "staff-order-audit",
            ),
            ("/staff/locations", "Locations", "staff-locations"),
            ("/staff/locations/new", "New location", "staff-location-form"),
            ("/staff/settings/webhooks", "Events sent to your systems", "staff-webhooks"),
        ];
        for (path, shows, name) in staff_pages {
            fits(&b, &base, path, shows, name).await;
        }
        // The audit in words at desktop width, then filtered to Ann's events.
        b.client
            .set_window_size(DESKTOP.0, DESKTOP.1)
            .await
            .unwrap();
        b.goto(&format!("{base}/staff/orders/{order}/audit")).await;
        b.wait_text("Ann Berg approved charge").await;
        b.screenshot("staff-order-audit").await;
        b.select("#person", &user_id(ANN)).await;
        b.click("form.filters button[type=submit]").await;
        b.wait_text("the filter").await;
        assert!(!b.text().await.contains("added charge"), "the filter keeps Ann's events only");
        b.assert_accessible("staff-order-audit-filtered").await;
        b.screenshot("staff-order-audit-filtered").await;
        b.client
            .set_window_size(DESKTOP.0, DESKTOP.1)
            .await
            .unwrap();
        let more = [
            ("/staff/customers/new", "New customer", "staff-customer-form"),
            (&format!("/staff/customers/{alpha}/audit"), "Audit trail", "staff-customer-audit"),
            (&format!("/staff/contacts/{contact}"), "Ann Berg", "staff-contact"),
            ("/staff/settings", "Settings", "staff-settings"),
            ("/account", "Your account", "staff-account"),
        ];
        for (path, shows, name) in more {
            b.goto(&format!("{base}{path}")).await;
            b.wait_text(shows).await;
            b.assert_accessible(name).await;
        }
        // The new customer form with its message: a blank name passes the browser's `required`.
        b.goto(&format!("{base}/staff/customers/new")).await;
        b.fill("#name", " ").await;
        b.click("form[action='/staff/customers'] button[type=submit]")
            .await;
        b.css("p.field-error").await;
        b.assert_accessible("staff-customer-form-errors").await;
    })
    .await;
}
