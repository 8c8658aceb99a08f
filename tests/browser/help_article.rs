//! The help article "Giving access to Customer Portal", step by step as the staff member does it,
//! in headless Chromium through WebDriver against the real binary (SQLite, an SMTP server inside
//! the test):
//! 1. log in with an emailed link; CUSTOMERS › Customers › *New customer*, fill, create;
//! 2. on the profile, *Add contact*: the *Access customer portal* toggle is disabled with the
//!    hint to enable the customer first;
//! 3. switch on *Access to Customer Portal* and *Show charges on customer portal*, *Save*;
//! 4. *Add contact* with access (the welcome email arrives) and one without;
//! 5. three more customers, then *Quick actions* on the list: field *Access to customer portal*,
//!    on, the header box (every customer matching the filter), *Update details*, the report;
//! 6. CUSTOMERS › Contacts: edit the contact without access, switch it on (the welcome email
//!    arrives);
//! 7. the orders inbox, locations and the customer's audit trail.
//!
//! Every step is asserted through what the browser shows (and the emails through the sink); the
//! pages passed are saved as screenshots under `docs/screenshots/` and checked with axe-core: no
//! violation of impact serious or critical.

use crate::driver::Browser;
use portal_eventlog::testing::{Backend, with_store};
use portal_testkit::db::settle_mail;
use portal_testkit::db::wait_projected;
use portal_testkit::fixtures::{staff_member, submitted_order, tenant};
use portal_testkit::http::next_link;
use portal_testkit::process::{base_of, start};
use portal_testkit::smtp::{Received, SmtpSink};
use portal_testkit::wait_until;
use std::time::Duration;

const STAFF: &str = "staff@acme.example";
const NINA: &str = "nina@bolt.example";
const OSKAR: &str = "oskar@bolt.example";
const HINT: &str = "Enable Access to Customer Portal on the customer first";
/// The three customers created for the quick action (the search "bolt" matches them and the
/// first one, Bolt Bikes).
const MORE: [(&str, &str); 3] = [
    ("Bolt Cargo", "BC"),
    ("Bolt Couriers", "BK"),
    ("Bolt Freight", "BF"),
];

/// Logs the staff member in through the login page and the emailed link.
async fn log_in(b: &Browser, sink: &SmtpSink, base: &str) {
    b.goto(&format!("{base}/login")).await;
    b.screenshot("login").await;
    b.assert_accessible("login").await;
    b.fill("#link-email", STAFF).await;
    b.click("form[action='/login/link'] button[type=submit]")
        .await;
    b.wait_text("Check your email").await;
    let link = next_link(sink, STAFF, 0).await;
    b.goto(&link).await;
    b.wait_text(&format!("Continue as {STAFF}")).await;
    b.click("form[action='/login/continue'] button[type=submit]")
        .await;
    b.wait_text("ACME Transport — Staff").await;
    assert_eq!(b.path().await, "/staff");
    b.screenshot("staff-home").await;
    b.assert_accessible("staff-home").await;
}

/// Fills *New customer* (the page is open) with `name`, `code`, approved.
async fn fill_new_customer(b: &Browser, name: &str, code: &str) {
    b.wait_text("New customer").await;
    b.fill("#name", name).await;
    b.fill("#code", code).await;
    b.select("#status", "approved").await;
}

/// Submits *New customer* and waits for the profile with the flash message.
async fn create_customer(b: &Browser) -> String {
    let name = b.css("#name").await.prop("value").await.unwrap().unwrap();
    b.click("form[action='/staff/customers'] button[type=submit]")
        .await;
    b.wait_text(&format!("Customer {name} created.")).await;
    assert_eq!(
        b.text_of(".flash").await,
        format!("Customer {name} created.")
    );
    assert_eq!(b.text_of("main h1").await, name);
    b.path().await
}

/// Waits for the welcome email to `to` (exactly one) and checks its login link.
async fn welcome(sink: &SmtpSink, base: &str, to: &str) -> Received {
    wait_until(
        &format!("the welcome email to {to}"),
        Duration::from_secs(30),
        || async { !sink.to(to).is_empty() },
    )
    .await;
    let mails = sink.to(to);
    assert_eq!(mails.len(), 1, "one welcome email to {to}");
    let mail = mails[0].clone();
    assert!(
        mail.decoded().contains("ACME Transport"),
        "{}",
        mail.decoded()
    );
    assert_eq!(mail.links("/login"), [format!("{base}/login")]);
    mail
}

/// Opens *Add contact* on the profile and fills it (the access toggle left as it is).
async fn fill_contact(b: &Browser, name: &str, email: &str, phone: &str, roles: &[&str]) {
    b.click("details.add-contact summary").await;
    b.fill("#contact-name", name).await;
    b.fill("#contact-email", email).await;
    b.fill("#contact-phone", phone).await;
    for role in roles {
        b.click(&format!("#contacts input[name=roles][value={role}]"))
            .await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn giving_access_to_customer_portal() {
    let Some(b) = crate::driver::browser("giving_access_to_customer_portal").await else {
        return;
    };
    with_store(
        Backend::Sqlite,
        "browser_help_article",
        move |t| async move {
            let sink = SmtpSink::start().await;
            let server = start(&t.url, &sink, &[]);
            let base = base_of(&server);
            let acme = tenant(&t.store, "acme", "ACME Transport").await;
            staff_member(&t.store, &acme, STAFF).await;
            wait_projected(&t.store, &t.url).await;
            settle_mail(&t.store, &t.url).await;

            // 1. Log in; CUSTOMERS › Customers › New customer.
            log_in(&b, &sink, &base).await;
            b.click("nav.subnav a[href='/staff/customers']").await;
            b.wait_text("0 customers").await;
            b.click("a.button[href='/staff/customers/new']").await;
            fill_new_customer(&b, "Bolt Bikes", "BB").await;
            b.screenshot("customers-new").await;
            b.assert_accessible("customers-new").await;
            let profile = create_customer(&b).await;
            let bolt_id = profile.trim_start_matches("/staff/customers/").to_owned();
            assert!(
                profile.starts_with("/staff/customers/") && bolt_id.len() == 36,
                "{profile}"
            );
            b.wait_text("Portal off").await;
            b.screenshot("customer-profile").await;
            b.assert_accessible("customer-profile").await;

            // 2. The contact toggle is disabled, with the hint, while the portal is off.
            b.click("details.add-contact summary").await;
            assert!(!b.is_enabled("#toggle-portal_access").await);
            assert!(!b.is_checked("#toggle-portal_access").await);
            assert_eq!(b.text_of("#toggle-portal_access-hint").await, HINT);
            assert_eq!(
                b.attr("#toggle-portal_access", "aria-describedby").await,
                Some("toggle-portal_access-hint".to_owned())
            );
            b.screenshot("contact-toggle-disabled").await;
            b.assert_accessible("contact-toggle-disabled").await;

            // 3. Access to Customer Portal and Show charges on, Save.
            assert!(!b.is_checked("#toggle-enabled").await);
            assert!(!b.is_checked("#toggle-show_charges").await);
            b.click("label[for=toggle-enabled]").await;
            b.click("label[for=toggle-show_charges]").await;
            assert!(b.is_checked("#toggle-enabled").await);
            assert!(b.is_checked("#toggle-show_charges").await);
            b.click("#portal button[type=submit]").await;
            let saved = "Portal settings of Bolt Bikes saved: access on, charges shown.";
            b.wait_text(saved).await;
            assert_eq!(b.text_of(".flash").await, saved);
            b.reload().await;
            b.wait_text("Portal on").await;
            assert!(!b.text().await.contains(saved), "the flash is shown once");
            assert!(b.is_checked("#toggle-enabled").await);
            assert!(b.is_checked("#toggle-show_charges").await);
            assert!(b.is_enabled("#toggle-portal_access").await);
            assert!(!b.text().await.contains(HINT));

            // 4. Add contact with access: the welcome email; one more without access.
            fill_contact(
                &b,
                "Nina New",
                NINA,
                "+49 30 1234567",
                &["orders", "invoices"],
            )
            .await;
            b.click("label[for=toggle-portal_access]").await;
            assert!(b.is_checked("#toggle-portal_access").await);
            b.click("#contacts form button[type=submit]").await;
            b.wait_text(
                "Contact Nina New added with portal access; a welcome email is on its way.",
            )
            .await;
            welcome(&sink, &base, NINA).await;
            fill_contact(&b, "Oskar Off", OSKAR, "+49 30 7654321", &["operations"]).await;
            assert!(!b.is_checked("#toggle-portal_access").await);
            b.click("#contacts form button[type=submit]").await;
            b.wait_text("Contact Oskar Off added.").await;
            let rows = b.texts_of("#contacts tbody tr").await;
            assert_eq!(rows.len(), 2, "{rows:?}");
            let nina = rows.iter().find(|r| r.contains("Nina New")).unwrap();
            for shown in [NINA, "+49 30 1234567", "Orders, Invoices", "Access"] {
                assert!(nina.contains(shown), "{shown}: {nina}");
            }
            let oskar = rows.iter().find(|r| r.contains("Oskar Off")).unwrap();
            assert!(
                oskar.contains("Operations") && oskar.contains("No access"),
                "{oskar}"
            );
            b.screenshot("customer-contacts").await;
            b.assert_accessible("customer-contacts").await;

            // 5. Three more customers, then Quick actions on every customer matching "bolt".
            for (name, code) in MORE {
                b.goto(&format!("{base}/staff/customers")).await;
                b.click("a.button[href='/staff/customers/new']").await;
                fill_new_customer(&b, name, code).await;
                create_customer(&b).await;
            }
            b.click("nav.subnav a[href='/staff/customers']").await;
            b.wait_text("4 customers").await;
            b.fill("#q", "bolt").await;
            b.click("form[role=search] button[type=submit]").await;
            b.wait_text("4 customers matching “bolt”").await;
            b.click("details.quick-actions summary").await;
            b.select("#qa_field", "portal_enabled").await;
            b.click("details.quick-actions input[name=qa_value][value=on]")
                .await;
            b.click("details.quick-actions form button[type=submit]")
                .await;
            b.wait_text("Update details").await;
            let path = b.path().await;
            for part in ["q=bolt", "qa_field=portal_enabled", "qa_value=on"] {
                assert!(path.contains(part), "{part}: {path}");
            }
            let quick = "form[action='/staff/customers/quick-actions']";
            assert_eq!(
                b.texts_of(&format!("{quick} input[name=customer_ids]"))
                    .await
                    .len(),
                4
            );
            // The header box means every customer matching the filter (sent with the filter),
            // not only the rows shown.
            assert_eq!(b.text_of("th.select label").await, "All 4 matching");
            assert_eq!(
                b.attr("#select-all", "name").await.as_deref(),
                Some("all_matching")
            );
            let hidden_q = format!("{quick} input[type=hidden][name=q]");
            assert_eq!(b.attr(&hidden_q, "value").await.as_deref(), Some("bolt"));
            b.click("#select-all").await;
            assert!(b.is_checked("#select-all").await);
            b.screenshot("quick-actions").await;
            b.assert_accessible("quick-actions").await;
            b.click(&format!("{quick} button[type=submit]")).await;
            b.wait_text("Quick action report").await;
            let summary = "Access to customer portal updated: 3 changed, 1 already so, 0 failed.";
            assert_eq!(b.text_of(".flash").await, summary);
            assert_eq!(b.text_of("#changed-count").await, "3");
            assert_eq!(b.text_of("#already-count").await, "1");
            assert_eq!(b.text_of("#failed-count").await, "0");
            let changed = b.texts_of("tr.outcome-changed td:first-child").await;
            let mut expected: Vec<String> = MORE.iter().map(|(n, _)| (*n).to_owned()).collect();
            let mut got = changed.clone();
            got.sort();
            expected.sort();
            assert_eq!(got, expected);
            assert_eq!(
                b.texts_of("tr.outcome-already td:first-child").await,
                ["Bolt Bikes"]
            );
            assert!(b.texts_of("tr.outcome-failed").await.is_empty());
            b.screenshot("quick-actions-report").await;
            b.assert_accessible("quick-actions-report").await;
            b.click("a.button[href='/staff/customers']").await;
            b.wait_text("New customer").await; // the list again (the report says "4 customers")
            let portal_col = b.texts_of("table.customers tbody td:nth-child(4)").await;
            assert_eq!(portal_col, ["Portal on"; 4]);

            // 6. CUSTOMERS › Contacts: give Oskar access from the list view.
            assert!(sink.to(OSKAR).is_empty(), "no welcome email without access");
            b.click("nav.subnav a[href='/staff/contacts']").await;
            b.wait_text("2 contacts of all customers").await;
            let row = b.texts_of("main tbody tr").await;
            let oskar = row.iter().find(|r| r.contains("Oskar Off")).unwrap();
            assert!(
                oskar.contains("Bolt Bikes") && oskar.contains("No access"),
                "{oskar}"
            );
            b.screenshot("contacts-list").await;
            b.assert_accessible("contacts-list").await;
            b.click("a.edit[aria-label='Edit Oskar Off']").await;
            b.wait_text(&format!("With access, {OSKAR} receives a welcome email"))
                .await;
            assert!(b.is_enabled("#toggle-enabled").await);
            assert!(!b.is_checked("#toggle-enabled").await);
            assert!(!b.text().await.contains(HINT));
            b.click("label[for=toggle-enabled]").await;
            assert!(b.is_checked("#toggle-enabled").await);
            b.screenshot("contact-edit").await;
            b.assert_accessible("contact-edit").await;
            b.click("#access button[type=submit]").await;
            b.wait_text("Portal access granted to Oskar Off; a welcome email is on its way.")
                .await;
            assert!(b.is_checked("#toggle-enabled").await);
            welcome(&sink, &base, OSKAR).await;
            assert_eq!(sink.to(NINA).len(), 1, "no second email to Nina");

            // 7. The orders inbox, locations, and the customer's audit trail.
            submitted_order(&t.store, &acme, bolt_id.parse().unwrap(), "ORD-1001").await;
            wait_projected(&t.store, &t.url).await;
            b.click("nav.subnav a[href='/staff/orders']").await;
            b.wait_text("ORD-1001").await;
            b.screenshot("orders-inbox").await;
            b.assert_accessible("orders-inbox").await;
            b.click("nav.subnav a[href='/staff/locations']").await;
            b.wait_text("No carrier locations yet.").await;
            b.screenshot("locations").await;
            b.assert_accessible("locations").await;
            b.goto(&format!("{base}{profile}")).await;
            b.click(&format!("a.tab[href='{profile}/audit']")).await;
            b.wait_text("Audit trail of").await;
            for event in [
                "CustomerCreated",
                "CustomerPortalEnabled",
                "CustomerChargesShown",
            ] {
                b.wait_text(event).await;
            }
            b.wait_text(&format!("{STAFF} created customer")).await;
            b.wait_text("access to the customer portal").await;
            b.screenshot("customer-audit").await;
            b.assert_accessible("customer-audit").await;
        },
    )
    .await;
}
