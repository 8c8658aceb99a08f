//! The tenant's time zone through the real binary, on both backends: `GET`/`PUT
//! /api/v1/tenant/time-zone` (unknown names and malformed ones are 422 and append nothing;
//! portal users read it but cannot set it), the staff settings page, the zone's effect on the
//! order pages and the export (local times with the zone's abbreviation), and a user's own zone
//! on `/account`, which wins over the carrier's for that user only.

use portal_testkit::TestStoreRef;
use portal_testkit::api::{Env, STAFF, field_error, problem};
use portal_testkit::http::Browser;
use portal_testkit::on_both_backends;
use portal_testkit::process::token;
use serde_json::json;

const PATH: &str = "/api/v1/tenant/time-zone";

async fn time_zone(t: TestStoreRef) {
    let env = Env::start(t).await;
    let a = env.api.get(PATH).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["time_zone"], "UTC");

    // Bad names name the field and append nothing.
    let before = env.events().await;
    for bad in [
        json!({"time_zone": "Mars/Olympus"}),
        json!({"time_zone": "+01:00"}),
        json!({}),
    ] {
        field_error(&env.api.put(PATH, &bad).await, "time_zone", "bad zone");
    }
    assert_eq!(env.events().await, before);

    // A portal user reads the carrier's zone but cannot set it.
    let customer = env.api.customer("Alpha Foods").await;
    env.api.portal(&customer, true, false).await;
    let a = env
        .api
        .post(
            &format!("/api/v1/customers/{customer}/contacts"),
            &json!({"name": "Ann", "email": "ann@alpha.example", "portal_access": true}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    env.projected().await;
    let ann =
        env.with_token(&token(&env.t.url, "acme", "ann@alpha.example", Some(&customer)).await);
    assert_eq!(ann.get(PATH).await.json()["time_zone"], "UTC");
    problem(
        &ann.put(PATH, &json!({"time_zone": "Asia/Tokyo"})).await,
        404,
        "portal user sets the zone",
    );

    // Staff set it; the same zone again changes nothing.
    let a = env.api.put(PATH, &json!({"time_zone": "Asia/Tokyo"})).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        (
            a.json()["time_zone"].clone(),
            a.json()["abbreviation"].clone(),
            a.json()["changed"].clone()
        ),
        (json!("Asia/Tokyo"), json!("JST"), json!(true))
    );
    let before = env.events().await;
    let a = env.api.put(PATH, &json!({"time_zone": "Asia/Tokyo"})).await;
    assert_eq!(a.json()["changed"], false, "{}", a.body);
    assert_eq!(env.events().await, before);
    ann.until(PATH, |v| v["time_zone"] == "Asia/Tokyo").await;

    // An order's times: the export in Tokyo time, the pages with "JST".
    let stop = |city: &str| {
        json!({"address": {"name": "Site", "street": "Hafenstraße 1", "postal_code": "20457",
            "city": city, "country": "DE"}, "date": portal_testkit::fixtures::day(5)})
    };
    let a = ann
        .post(
            "/api/v1/orders",
            &json!({"customer_reference": "TZ-1", "consignments": [{"pickup": stop("Hamburg"),
            "delivery": stop("Berlin"), "goods": [{"description": "Tiles", "quantity": 1,
            "packaging": "euro_pallet", "weight_kg": 10.0, "stackable": false}]}]}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.json()["id"].as_str().unwrap().to_owned();
    let a = ann
        .post(&format!("/api/v1/orders/{id}/submit"), &json!({}))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    env.projected().await;
    let listed = ann.get("/api/v1/orders").await.json();
    let created = listed["items"][0]["created_at"]
        .as_str()
        .unwrap()
        .to_owned();
    let created =
        time::OffsetDateTime::parse(&created, &time::format_description::well_known::Rfc3339)
            .unwrap();
    let tokyo = created.to_offset(time::macros::offset!(+9));
    let local = tokyo
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]"
        ))
        .unwrap();
    let csv = ann.get("/api/v1/orders/export").await.body;
    assert!(csv.contains(&format!("{local},")), "{local} in {csv}");
    assert!(csv.contains(",Asia/Tokyo"), "{csv}");

    let staff = Browser::new(&env.base());
    staff.login(&env.sink, STAFF).await;
    let minutes = tokyo
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]"
        ))
        .unwrap();
    let page = staff.get(&format!("/staff/orders/{id}")).await;
    assert!(page.body.contains("JST"), "{}", page.body);
    let inbox = staff.get("/staff/orders").await;
    assert!(
        inbox.body.contains(&format!("{minutes} JST")),
        "{}",
        inbox.body
    );

    // The settings page shows the zone selected, refuses an unknown one and saves another.
    let page = staff.get("/staff/settings").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains(r#"<option value="Asia/Tokyo" selected>"#),
        "{}",
        page.body
    );
    let a = staff
        .submit(
            "/staff/settings/time-zone",
            &[("time_zone", "Nowhere/Land")],
        )
        .await;
    assert_eq!(a.status, 422);
    assert!(a.body.contains("time_zone-error"), "{}", a.body);
    let a = staff
        .submit(
            "/staff/settings/time-zone",
            &[("time_zone", "Europe/Stockholm")],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    env.api
        .until(PATH, |v| v["time_zone"] == "Europe/Stockholm")
        .await;
    assert_eq!(ann.get("/staff/settings").await.status, 404);

    // A user's own zone (on /account) wins over the carrier's, for that user only.
    let a = staff
        .submit("/account/time-zone", &[("time_zone", "Nowhere/Land")])
        .await;
    assert_eq!(a.status, 422);
    assert!(a.body.contains("time_zone-error"), "{}", a.body);
    let a = staff
        .submit("/account/time-zone", &[("time_zone", "Asia/Kolkata")])
        .await;
    assert_eq!(a.location(), Some("/account?saved=time-zone"), "{}", a.body);
    let account = staff.get("/account?saved=time-zone").await;
    assert!(
        account
            .body
            .contains(r#"<option value="Asia/Kolkata" selected>"#)
            && account
                .body
                .contains("The carrier's time zone (Europe/Stockholm)"),
        "{}",
        account.body
    );
    let inbox = staff.get("/staff/orders").await;
    assert!(inbox.body.contains(" IST<"), "{}", inbox.body);
    // The staff member's token is the same identity: its export follows the preference.
    let csv = env.api.get("/api/v1/orders/export").await.body;
    assert!(csv.contains(",Asia/Kolkata"), "{csv}");
    let csv = ann.get("/api/v1/orders/export").await.body;
    assert!(csv.contains(",Europe/Stockholm"), "{csv}");
    // Blank: the carrier's zone again.
    let a = staff
        .submit("/account/time-zone", &[("time_zone", "")])
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let csv = env.api.get("/api/v1/orders/export").await.body;
    assert!(csv.contains(",Europe/Stockholm"), "{csv}");
}

on_both_backends!(time_zone);
