//! Text the transport documents cannot print, through the real binary on both backends: an
//! order with Arabic text in a delivery city or an emoji in a goods description is 422 naming the
//! field and the characters, and appends nothing; Greek, Cyrillic and Polish text is accepted.
//! The same rule guards the address book, which also takes a country by its English name and
//! answers its ISO code.

use portal_testkit::TestStoreRef;
use portal_testkit::api::{Env, field_error};
use portal_testkit::on_both_backends;
use serde_json::{Value, json};

fn stop(city: &str, date: &str) -> Value {
    json!({"date": date, "reference": "REF-1", "address": {"name": format!("{city} site"),
        "street": "Hafenstraße 1", "postal_code": "20457", "city": city, "country": "DE"}})
}

fn order(delivery_city: &str, description: &str) -> Value {
    json!({"customer_reference": "PO-1", "consignments": [{
        "pickup": stop("Hamburg", &portal_testkit::fixtures::day(5)),
        "delivery": stop(delivery_city, &portal_testkit::fixtures::day(6)),
        "goods": [{"description": description, "quantity": 1, "packaging": "euro_pallet",
            "weight_kg": 100.0}]
    }]})
}

async fn printable_text(t: TestStoreRef) {
    let env = Env::start(t).await;
    let (_, ann) = env
        .portal_user("Alpha Foods", "ann@alpha.test", false)
        .await;

    let before = env.events().await;
    let a = ann.post("/api/v1/orders", &order("القاهرة", "Books")).await;
    let message = field_error(&a, "consignments[0].delivery.address.city", "Arabic city");
    assert_eq!(
        message,
        "contains characters that cannot be printed on the transport documents: \"القاهرة\""
    );
    let a = ann
        .post("/api/v1/orders", &order("Berlin", "Gifts 😀"))
        .await;
    let message = field_error(&a, "consignments[0].goods[0].description", "emoji");
    assert!(message.ends_with(": \"😀\""), "{message}");
    let a = ann
        .post(
            "/api/v1/locations",
            &json!({"name": "Depot", "address": {"name": "Depot", "street": "שדרות 1",
                "postal_code": "1", "city": "Tel Aviv", "country": "IL"}}),
        )
        .await;
    field_error(&a, "address.street", "Hebrew street");
    assert_eq!(env.events().await, before, "nothing appended");

    let a = ann
        .post(
            "/api/v1/locations",
            &json!({"name": "Prague depot", "address": {"name": "Depot Praha",
                "street": "Náměstí 1", "postal_code": "110 00", "city": "Praha",
                "country": "Czech Republic"}, "instructions": "Brána 2\nZazvonit"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.json()["address"]["country"], "CZ", "{}", a.body);

    for (city, description) in [
        ("Θεσσαλονίκη", "Βιβλία"),
        ("Москва", "Книги и журналы"),
        ("Łódź", "Zażółć gęślą jaźń"),
    ] {
        let a = ann.post("/api/v1/orders", &order(city, description)).await;
        assert_eq!(a.status, 201, "{city}: {}", a.body);
        let body = a.json();
        assert_eq!(
            body["content"]["consignments"][0]["delivery"]["address"]["city"], city,
            "{body}"
        );
    }
}

on_both_backends!(printable_text);
