//! Query strings that no store accepts, through the real binary on both backends: a NUL or other
//! control character in any value, invalid UTF-8 and malformed numbers answer a 422 naming the
//! parameter on every list endpoint of the JSON API (staff and portal scopes) and the export
//! (problem+json), and on the list pages (an HTML error page), never a 500; nothing is appended.

use portal_testkit::TestStoreRef;
use portal_testkit::api::{Api, Env, field_error};
use portal_testkit::on_both_backends;

/// Values that must be refused, each with the message the parameter gets.
const BAD_TEXT: [(&str, &str); 4] = [
    ("%00", "must not contain control characters"),
    ("Alpha%07Foods", "must not contain control characters"),
    ("a%0D%0Ab", "must not contain control characters"),
    ("%FF%FE", "is not valid UTF-8"),
];

/// Asserts that every bad value of `param` on `path` is a 422 problem+json naming `param`.
async fn refused(api: &Api, path: &str, param: &str) {
    let join = if path.contains('?') { '&' } else { '?' };
    for (value, message) in BAD_TEXT {
        let url = format!("{path}{join}{param}={value}");
        let a = api.get(&url).await;
        assert_eq!(field_error(&a, param, &url), message, "{url}");
    }
}

async fn control_characters_and_bad_numbers_are_4xx(t: TestStoreRef) {
    let env = Env::start(t).await;
    let (customer, portal) = env
        .portal_user("Alpha Foods", "ann@alpha.example", true)
        .await;
    let staff = &env.api;
    let before = env.events().await;

    let staff_lists = [
        "/api/v1/customers",
        "/api/v1/contacts",
        "/api/v1/carrier-locations",
        "/api/v1/orders",
        "/api/v1/events",
        "/api/v1/orders/export",
        "/api/v1/orders/export?format=xlsx",
    ];
    for path in staff_lists {
        refused(staff, path, "q").await;
        refused(staff, path, "after").await;
    }
    refused(staff, "/api/v1/orders", "status").await;
    refused(staff, "/api/v1/contacts", "customer_id").await;
    refused(staff, "/api/v1/customers", "portal_enabled").await;
    refused(
        staff,
        &format!("/api/v1/audit/streams/customer-{customer}"),
        "until",
    )
    .await;
    for path in [
        "/api/v1/orders",
        "/api/v1/locations",
        "/api/v1/orders/export",
    ] {
        refused(&portal, path, "q").await;
        refused(&portal, path, "include_archived").await;
    }

    // Malformed and out-of-range numbers name the parameter too (problem+json, not text/plain).
    for path in [
        "/api/v1/customers",
        "/api/v1/contacts",
        "/api/v1/orders",
        "/api/v1/events",
    ] {
        // 0 and 100000 parse, but are outside every list's page sizes: refused, not clamped.
        for limit in ["1.5", "-1", "99999999999", "ten", "0", "100000"] {
            let url = format!("{path}?limit={limit}");
            field_error(&staff.get(&url).await, "limit", &url);
        }
    }
    let a = portal.get("/api/v1/orders?limit=1.5").await;
    field_error(&a, "limit", "portal limit=1.5");
    // A negative log position is refused rather than read as the log's start.
    field_error(
        &staff.get("/api/v1/events?after=-1").await,
        "after",
        "after=-1",
    );
    // Booleans and numbers are exactly what the OpenAPI document says: no spaces, no `yes`.
    for url in [
        "/api/v1/carrier-locations?include_archived=+",
        "/api/v1/customers?portal_enabled=yes",
        "/api/v1/contacts?portal_access=1",
        "/api/v1/events?limit=+5",
    ] {
        let field = url.split(['?', '=']).nth(1).unwrap();
        field_error(&staff.get(url).await, field, url);
    }
    // A blank value means the parameter was not given.
    for url in [
        "/api/v1/orders?limit=&status=&customer_id=",
        "/api/v1/customers?limit=&portal_enabled=&status=",
        "/api/v1/contacts?limit=&portal_access=&customer_id=",
        "/api/v1/events?after=&limit=",
    ] {
        assert_eq!(staff.get(url).await.status, 200, "{url}");
    }

    // Good values still pass through the same extractor.
    let a = staff.get("/api/v1/customers?q=Alpha+Foods&limit=5").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["items"][0]["name"], "Alpha Foods");
    let a = portal.get("/api/v1/orders?limit=5&status=draft").await;
    assert_eq!(a.status, 200, "{}", a.body);

    // The list pages: an HTML error page in the layout naming the parameter, never a 500.
    for (api, path) in [
        (staff, "/staff/customers"),
        (staff, "/staff/contacts"),
        (staff, "/staff/orders"),
        (&portal, "/portal/orders"),
        (&portal, "/portal/orders.csv"),
    ] {
        for (value, message) in BAD_TEXT {
            let url = format!("{path}?q={value}");
            let a = api.get(&url).await;
            assert_eq!(a.status, 422, "{url}: {}", a.body);
            let ctype = a.header("content-type").unwrap_or_default();
            assert!(ctype.starts_with("text/html"), "{url}: {ctype}");
            assert!(
                a.body.contains(&format!("q: {message}")),
                "{url}: {}",
                a.body
            );
        }
    }
    let url = format!("/staff/customers/{customer}/audit?at=%00");
    assert_eq!(staff.get(&url).await.status, 422, "{url}");

    assert_eq!(
        env.events().await,
        before,
        "a refused query appends nothing"
    );
}

on_both_backends!(control_characters_and_bad_numbers_are_4xx);
