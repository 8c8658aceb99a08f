//! The crash test's commands: customers with portal access, contacts given access (each a
//! welcome email), and orders drafted and submitted by a portal user, then accepted by staff
//! (each a status email to the submitter). Each command is sent under
//! its own idempotency key and recorded in the [`Ledger`] once acknowledged.

use super::client::{Acked, Client, Ledger};
use reqwest::Method;
use serde_json::{Value, json};

/// The id in an answer (`{"id": …}`).
fn id_of(answer: &Value) -> String {
    answer["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {answer}"))
        .to_owned()
}

/// A customer with *Access to Customer Portal* on: its id.
pub async fn customer(staff: &Client, ledger: &Ledger, key: &str, name: &str) -> String {
    let k = format!("{key}-customer");
    let a = staff
        .send(
            ledger,
            Method::POST,
            "/api/v1/customers",
            &json!({ "name": name }),
            &k,
        )
        .await;
    let id = id_of(&a);
    let stream = format!("customer-{id}");
    ledger.record(Acked {
        key: k,
        stream: stream.clone(),
        types: vec!["CustomerCreated"],
        direct_key: true,
    });
    let k = format!("{key}-portal");
    staff
        .send(
            ledger,
            Method::PUT,
            &format!("/api/v1/customers/{id}/portal"),
            &json!({ "enabled": true, "show_charges": false }),
            &k,
        )
        .await;
    ledger.record(Acked {
        key: k,
        stream,
        types: vec!["CustomerPortalEnabled"],
        direct_key: false,
    });
    id
}

/// A contact of `customer` given portal access: added with access at once, or added without
/// and then switched on (`in_two_steps`). Its id.
pub async fn contact(
    staff: &Client,
    ledger: &Ledger,
    key: &str,
    customer: &str,
    email: &str,
    in_two_steps: bool,
) -> String {
    let k = format!("{key}-contact");
    let a = staff
        .send(
            ledger,
            Method::POST,
            &format!("/api/v1/customers/{customer}/contacts"),
            &json!({ "name": "Ann Example", "email": email, "portal_access": !in_two_steps }),
            &k,
        )
        .await;
    let id = id_of(&a);
    let stream = format!("contact-{id}");
    let types = if in_two_steps {
        vec!["ContactAdded"]
    } else {
        vec!["ContactAdded", "ContactAccessGranted"]
    };
    ledger.record(Acked {
        key: k,
        stream: stream.clone(),
        types,
        direct_key: true,
    });
    if in_two_steps {
        let k = format!("{key}-access");
        staff
            .send(
                ledger,
                Method::PUT,
                &format!("/api/v1/contacts/{id}/portal-access"),
                &json!({ "enabled": true }),
                &k,
            )
            .await;
        ledger.record(Acked {
            key: k,
            stream,
            types: vec!["ContactAccessGranted"],
            direct_key: true,
        });
    }
    ledger.grants.lock().unwrap().push(email.to_owned());
    id
}

fn order_body(reference: &str) -> Value {
    let stop = |city: &str, days: i64| {
        json!({"date": portal_testkit::fixtures::day(days), "address": {"name": format!("{city} site"),
            "street": "Hafenstraße 1", "postal_code": "20457", "city": city, "country": "DE"}})
    };
    json!({"customer_reference": reference, "consignments": [{
        "pickup": stop("Hamburg", 5),
        "delivery": stop("Berlin", 6),
        "goods": [{"description": "Tiles", "quantity": 3, "packaging": "euro_pallet",
            "weight_kg": 500.0, "stackable": false}]
    }]})
}

/// An order drafted and submitted by the portal user `submitter`, then accepted by staff.
pub async fn order(staff: &Client, portal: &Client, ledger: &Ledger, key: &str, submitter: &str) {
    let k = format!("{key}-order");
    let a = portal
        .send(ledger, Method::POST, "/api/v1/orders", &order_body(key), &k)
        .await;
    let id = id_of(&a);
    let stream = format!("order-{id}");
    ledger.record(Acked {
        key: k,
        stream: stream.clone(),
        types: vec!["OrderDraftCreated"],
        direct_key: true,
    });
    let k = format!("{key}-submit");
    let a = portal
        .send(
            ledger,
            Method::POST,
            &format!("/api/v1/orders/{id}/submit"),
            &json!({}),
            &k,
        )
        .await;
    assert_eq!(a["status"], "submitted", "{a}");
    ledger.record(Acked {
        key: k,
        stream: stream.clone(),
        types: vec!["OrderSubmitted"],
        direct_key: true,
    });
    let k = format!("{key}-accept");
    staff
        .send(
            ledger,
            Method::POST,
            &format!("/api/v1/orders/{id}/status"),
            &json!({"status": "accepted"}),
            &k,
        )
        .await;
    ledger.record(Acked {
        key: k,
        stream,
        types: vec!["OrderAccepted"],
        direct_key: true,
    });
    ledger
        .status_emails
        .lock()
        .unwrap()
        .push(submitter.to_owned());
}

/// One client's share of the load: `rounds` times a customer, a contact given access, and an
/// order of the client's own portal user (`submitter`), accepted.
pub async fn worker(
    staff: Client,
    portal: Client,
    submitter: String,
    ledger: std::sync::Arc<Ledger>,
    run: String,
    worker: usize,
    rounds: usize,
) {
    for round in 0..rounds {
        let key = format!("{run}-w{worker}-r{round}");
        let id = customer(&staff, &ledger, &key, &format!("Crash {worker}-{round}")).await;
        let email = format!("w{worker}r{round}@crash.example");
        contact(&staff, &ledger, &key, &id, &email, round % 2 == 1).await;
        order(&staff, &portal, &ledger, &key, &submitter).await;
    }
}
