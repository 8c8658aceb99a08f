//! The news emails' text: subjects, facts, links, escaping and the digest.
#![allow(clippy::unwrap_used)]

use super::*;
use portal_domain::{ContactId, CustomerId, OrderId};
use uuid::Uuid;

fn sample(what: What, contact: bool) -> News {
    News {
        carrier: "Nordic <Freight>".to_owned(),
        customer: "Timber & Co".to_owned(),
        customer_id: CustomerId(Uuid::from_u128(1)),
        contact_id: contact.then(|| ContactId(Uuid::from_u128(2))),
        recipient_name: Some("Ann Early".to_owned()),
        time_zone: "Europe/Stockholm".to_owned(),
        order_id: OrderId(Uuid::from_u128(3)),
        number: "2026-000123".to_owned(),
        reference: Some("PO-77".to_owned()),
        at: 1_796_000_000_000,
        what,
    }
}

fn links() -> (Url, Url, Url) {
    (
        Url::parse("https://p.example/portal/orders/3").unwrap(),
        Url::parse("https://p.example/account").unwrap(),
        Url::parse("https://p.example/unsubscribe/tok").unwrap(),
    )
}

#[test]
fn a_status_email_names_carrier_order_reference_change_and_link() {
    let (order, prefs, unsub) = links();
    let news = sample(
        What::Status {
            from: "accepted".into(),
            to: "planned".into(),
            planned_at: Some(1_796_100_000_000),
            reason: None,
        },
        true,
    );
    let r = super::news(
        &news,
        &Links {
            order: &order,
            preferences: Some(&prefs),
            unsubscribe: Some(&unsub),
        },
    );
    assert_eq!(
        r.subject,
        "Nordic <Freight>: order 2026-000123 (your ref. PO-77) is planned"
    );
    assert!(
        r.text
            .starts_with("Hello Ann Early,\n\nOrder 2026-000123 is planned.")
    );
    assert!(r.text.contains("Status: accepted → planned\n"));
    assert!(r.text.contains("Planned for: 2026-"));
    assert!(r.text.contains("Your reference: PO-77\n"));
    assert!(
        r.text
            .contains("Open the order: https://p.example/portal/orders/3")
    );
    assert!(
        r.text
            .contains("Unsubscribe from these emails: https://p.example/unsubscribe/tok")
    );
    assert!(r.html.contains("Nordic &lt;Freight&gt;"));
    assert!(!r.html.contains("<Freight>"));
    assert!(
        r.html
            .contains("href=\"https://p.example/unsubscribe/tok\"")
    );
}

#[test]
fn a_charge_email_names_the_charge_and_amount() {
    let (order, prefs, unsub) = links();
    let news = sample(
        What::ChargeAwaiting {
            description: "Waiting time".into(),
            amount: "45.00 EUR".into(),
        },
        true,
    );
    let r = super::news(
        &news,
        &Links {
            order: &order,
            preferences: Some(&prefs),
            unsubscribe: Some(&unsub),
        },
    );
    assert!(r.subject.contains("waits for your approval"));
    assert!(r.text.contains("Charge: Waiting time\nAmount: 45.00 EUR\n"));
}

#[test]
fn a_decision_email_to_staff_names_who_decided_and_has_no_unsubscribe() {
    let (order, _, _) = links();
    let news = sample(
        What::ChargeDecided {
            description: "Waiting time".into(),
            amount: "45.00 EUR".into(),
            approved: false,
            comment: Some("driver was early".into()),
            by: "Ann Early".into(),
        },
        false,
    );
    let r = super::news(
        &news,
        &Links {
            order: &order,
            preferences: None,
            unsubscribe: None,
        },
    );
    assert_eq!(
        r.subject,
        "Timber & Co rejected charge Waiting time on order 2026-000123"
    );
    assert!(
        r.text
            .contains("Decision: rejected by Ann Early\nComment: driver was early\n")
    );
    assert!(r.text.contains("Customer: Timber & Co\n"));
    assert!(!r.text.contains("Unsubscribe"));
}

#[test]
fn a_digest_lists_every_item() {
    let (order, prefs, unsub) = links();
    let a = sample(
        What::Status {
            from: "planned".into(),
            to: "in_transit".into(),
            planned_at: None,
            reason: None,
        },
        true,
    );
    let mut b = a.clone();
    b.number = "2026-000124".into();
    let d = Digest {
        carrier: a.carrier.clone(),
        customer: a.customer.clone(),
        customer_id: a.customer_id,
        contact_id: ContactId(Uuid::from_u128(2)),
        recipient_name: a.recipient_name.clone(),
        day: "2026-12-07".into(),
        items: vec![a, b],
    };
    let r = digest(
        &d,
        &Links {
            order: &order,
            preferences: Some(&prefs),
            unsubscribe: Some(&unsub),
        },
    );
    assert_eq!(
        r.subject,
        "Nordic <Freight>: 2 updates for Timber & Co on 2026-12-07"
    );
    assert!(r.text.contains("* Order 2026-000123 is in transit\n"));
    assert!(r.text.contains("* Order 2026-000124 is in transit\n"));
    assert!(r.text.contains("Status: planned → in transit"));
}
