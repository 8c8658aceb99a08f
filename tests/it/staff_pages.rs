//! The staff pages through the real binary, on both backends, with a logged-in staff browser:
//! every page renders for staff (200, CSP) and is 404 for a portal user; the help article's
//! steps by form (create a customer, enable its portal, add a contact with access → the welcome
//! email arrives); the contact toggle is disabled with its hint while the customer has no
//! portal; bad input is 422 with the message next to the field and appends nothing; posts
//! without the CSRF field are refused (403); a failure inside is the opaque 500 page.

use portal_testkit::TestStoreRef;
use portal_testkit::db::wait_projected;
use portal_testkit::db::*;
use portal_testkit::fixtures::{contact, customer, staff_member, submitted_order, tenant};
use portal_testkit::http::*;
use portal_testkit::on_both_backends;
use portal_testkit::process::*;
use portal_testkit::smtp::SmtpSink;
use portal_testkit::wait_until;
use std::time::Duration;

const OPS: &str = "ops@acme.example";
const ANN: &str = "ann@a.example";
const NEW: &str = "nina@new.example";
const HINT: &str = "Enable Access to Customer Portal on the customer first";

/// The id in a `Location: /staff/customers/<id>…` redirect.
fn id_in(location: &str, prefix: &str) -> String {
    let rest = location
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{location}"));
    rest.split(['#', '/', '?']).next().unwrap().to_owned()
}

/// The `<input …>` tag with id `id`.
fn input_tag<'a>(body: &'a str, id: &str) -> &'a str {
    let at = body.find(&format!("id=\"{id}\"")).unwrap();
    let start = body[..at].rfind("<input").unwrap();
    &body[start..at + body[at..].find('>').unwrap()]
}

fn assert_ok_page(a: &Answer, what: &str) {
    assert_eq!(a.status, 200, "{what}: {}", a.body);
    assert_page_headers(a, what);
}

async fn pages_render_for_staff_and_not_for_portal_users(t: TestStoreRef) {
    let sink = SmtpSink::start().await;
    let server = start(&t.url, &sink, &[]);
    let base = base_of(&server);
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    let a = customer(&t.store, &acme, "Customer A").await;
    let ann = contact(&t.store, &acme, a, ANN).await;
    let order = submitted_order(&t.store, &acme, a, "ORD-1").await;
    staff_member(&t.store, &acme, OPS).await;
    wait_projected(&t.store, &t.url).await;
    settle_mail(&t.store, &t.url).await;
    let position = all_events(&t.store)
        .await
        .iter()
        .find(|e| e.stream_id.as_str() == format!("customer-{a}"))
        .unwrap()
        .position;

    let staff = Browser::new(&base);
    assert_eq!(staff.login(&sink, OPS).await.location(), Some("/staff"));
    let portal = Browser::new(&base);
    assert_eq!(portal.login(&sink, ANN).await.location(), Some("/portal"));

    let pages = [
        "/staff".to_owned(),
        "/staff/customers".to_owned(),
        "/staff/customers?q=customer&status=approved&portal=on".to_owned(),
        "/staff/customers?qa_field=show_charges&qa_value=on".to_owned(),
        "/staff/customers/new".to_owned(),
        format!("/staff/customers/{a}"),
        format!("/staff/customers/{a}/audit"),
        format!("/staff/customers/{a}/audit?at={position}"),
        "/staff/contacts".to_owned(),
        format!("/staff/contacts/{ann}"),
        format!("/staff/contacts/{ann}/audit"),
        "/staff/orders".to_owned(),
        "/staff/orders?status=submitted".to_owned(),
        format!("/staff/orders/{order}"),
        format!("/staff/orders/{order}/audit"),
        "/staff/locations".to_owned(),
        "/staff/locations/new".to_owned(),
    ];
    for path in &pages {
        let page = staff.get(path).await;
        assert_ok_page(&page, path);
        assert!(
            page.body.contains("href=\"/staff/contacts\""),
            "{path}: staff nav"
        );
        if path.as_str() != "/staff" {
            assert_eq!(portal.get(path).await.status, 404, "portal user on {path}");
        }
    }
    let profile = staff.get(&format!("/staff/customers/{a}")).await.body;
    assert!(
        profile.contains("Customer A") && profile.contains(ANN),
        "{profile}"
    );
    let audit = staff
        .get(&format!("/staff/customers/{a}/audit?at={position}"))
        .await
        .body;
    assert!(
        audit.contains("CustomerCreated") && audit.contains("State after event 1"),
        "{audit}"
    );
    let detail = staff.get(&format!("/staff/orders/{order}")).await.body;
    for action in ["Accept", "Reject", "Cancel order", "Add charge"] {
        assert!(detail.contains(action), "{action}: {detail}");
    }
    assert!(
        !detail.contains(">Delivered<"),
        "not allowed from submitted"
    );
    assert!(staff.get("/staff/orders").await.body.contains("ORD-1"));
    assert_eq!(staff.get("/staff/customers/not-an-id").await.status, 404);
    assert_eq!(
        staff
            .get(&format!("/staff/customers/{}", uuid::Uuid::now_v7()))
            .await
            .status,
        404
    );

    // Form posts without the CSRF field are refused before anything runs.
    let before = all_events(&t.store).await.len();
    for path in [
        "/staff/customers".to_owned(),
        format!("/staff/customers/{a}/portal"),
        format!("/staff/contacts/{ann}/access"),
        "/staff/customers/quick-actions".to_owned(),
        format!("/staff/orders/{order}/status"),
    ] {
        let refused = staff
            .post_raw(&path, &[("name", "Sneaky"), ("status", "accepted")], &[])
            .await;
        assert_eq!(refused.status, 403, "{path}: {}", refused.body);
    }
    assert_eq!(all_events(&t.store).await.len(), before);

    // A failure inside (a read model's table gone) is the opaque 500 page: no cause shown.
    let db = portal_identity::Db::connect(&t.url, 1).await.unwrap();
    let rename = |from: &str, to: &str| format!("ALTER TABLE {from} RENAME TO {to}");
    sqlx::query(&rename("rm_locations", "rm_locations_away"))
        .execute(db.pool())
        .await
        .unwrap();
    let broken = staff.get("/staff/locations").await;
    sqlx::query(&rename("rm_locations_away", "rm_locations"))
        .execute(db.pool())
        .await
        .unwrap();
    assert_eq!(broken.status, 500, "{}", broken.body);
    assert_page_headers(&broken, "the 500 page");
    assert!(broken.body.contains("Something went wrong on our side"));
    for leak in ["rm_locations", "no such table", "does not exist", "sqlx"] {
        assert!(!broken.body.contains(leak), "{leak}: {}", broken.body);
    }
    assert_ok_page(&staff.get("/staff/locations").await, "locations again");
}

async fn customer_portal_and_contact_by_form(t: TestStoreRef) {
    let sink = SmtpSink::start().await;
    let server = start(&t.url, &sink, &[]);
    let base = base_of(&server);
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    staff_member(&t.store, &acme, OPS).await;
    wait_projected(&t.store, &t.url).await;
    settle_mail(&t.store, &t.url).await;
    let staff = Browser::new(&base);
    staff.login(&sink, OPS).await;

    // Bad input: 422, the message under the field, nothing appended.
    let before = all_events(&t.store).await.len();
    let bad = staff
        .submit("/staff/customers", &[("name", "  "), ("code", "C-1")])
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_page_headers(&bad, "422 page");
    assert!(bad.body.contains("id=\"name-error\""), "{}", bad.body);
    assert!(bad.body.contains("value=\"C-1\""), "typed values kept");
    assert_eq!(all_events(&t.store).await.len(), before);

    // Create: the profile, with a flash message; the list shows it.
    let created = staff
        .submit(
            "/staff/customers",
            &[
                ("name", "Bolt Bikes"),
                ("code", "BB"),
                ("status", "approved"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let profile_path = created.location().unwrap().to_owned();
    let id = id_in(&profile_path, "/staff/customers/");
    let profile = staff.get(&profile_path).await;
    assert_ok_page(&profile, "profile");
    assert!(
        profile.body.contains("Customer Bolt Bikes created."),
        "{}",
        profile.body
    );
    assert!(
        !staff.get(&profile_path).await.body.contains("created."),
        "flash shown once"
    );
    let list = staff.get("/staff/customers?q=bolt").await;
    assert!(list.body.contains("Bolt Bikes") && list.body.contains("Portal off"));

    // Without portal access the contact toggle is disabled with the hint, and refused.
    assert!(profile.body.contains(HINT), "{}", profile.body);
    assert!(input_tag(&profile.body, "toggle-portal_access").contains("disabled"));
    let contacts = format!("/staff/customers/{id}/contacts");
    let before = all_events(&t.store).await.len();
    let refused = staff
        .submit(
            &contacts,
            &[
                ("name", "Nina New"),
                ("email", NEW),
                ("portal_access", "on"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("id=\"portal_access-error\""),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"Nina New\""));
    let bad_email = staff
        .submit(
            &contacts,
            &[("name", "Nina New"), ("email", "not-an-email")],
        )
        .await;
    assert_eq!(bad_email.status, 422);
    assert!(
        bad_email.body.contains("id=\"email-error\""),
        "{}",
        bad_email.body
    );
    assert_eq!(all_events(&t.store).await.len(), before);

    // Enable the portal and show charges, then add the contact with access.
    let saved = staff
        .submit(
            &format!("/staff/customers/{id}/portal"),
            &[("enabled", "on"), ("show_charges", "on")],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let profile = staff.get(&profile_path).await.body;
    assert!(
        profile.contains("Portal settings of Bolt Bikes saved"),
        "{profile}"
    );
    assert!(!profile.contains(HINT));
    let added = staff
        .submit(
            &contacts,
            &[
                ("name", "Nina New"),
                ("email", NEW),
                ("phone", "+49 30 1234567"),
                ("roles", "orders"),
                ("roles", "invoices"),
                ("portal_access", "on"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let profile = staff.get(&profile_path).await.body;
    assert!(
        profile.contains("welcome email") && profile.contains(NEW),
        "{profile}"
    );
    wait_until("the welcome email", Duration::from_secs(30), || async {
        !sink.to(NEW).is_empty()
    })
    .await;
    let welcome = &sink.to(NEW)[0];
    assert!(!welcome.links("/login").is_empty(), "{}", welcome.decoded());

    // The contacts list view shows it; its edit page revokes and grants again.
    let list = staff.get("/staff/contacts?q=nina").await;
    assert!(list.body.contains("Nina New") && list.body.contains("Bolt Bikes"));
    let contact_id = all_events(&t.store)
        .await
        .iter()
        .find(|e| e.event_type == "ContactAdded")
        .unwrap()
        .stream_id
        .as_str()
        .trim_start_matches("contact-")
        .to_owned();
    let edit = format!("/staff/contacts/{contact_id}");
    assert_ok_page(&staff.get(&edit).await, "contact edit");
    let revoked = staff.submit(&format!("{edit}/access"), &[]).await;
    assert_eq!(revoked.status, 303);
    assert!(staff.get(&edit).await.body.contains("revoked"));
    let granted = staff
        .submit(&format!("{edit}/access"), &[("enabled", "on")])
        .await;
    assert_eq!(granted.status, 303);
    assert_eq!(count_events(&t.store, "ContactAccessGranted").await, 2);
    let renamed = staff
        .submit(
            &format!("{edit}/details"),
            &[("name", "Nina Newer"), ("email", NEW), ("roles", "other")],
        )
        .await;
    assert_eq!(renamed.status, 303, "{}", renamed.body);
    assert!(staff.get(&edit).await.body.contains("Nina Newer"));
}

on_both_backends!(
    pages_render_for_staff_and_not_for_portal_users,
    customer_portal_and_contact_by_form,
);
