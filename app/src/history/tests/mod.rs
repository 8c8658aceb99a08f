//! Unit tests of the describer: every event type of every aggregate, in words, with the fields
//! it changed. Helpers here; the order's events in [`order`], locations, printers, users and
//! formatting in [`more`].
#![allow(clippy::unwrap_used)]

mod more;
mod order;

use super::*;
use portal_domain::contact::{ContactEvent, ContactRole, Delivery, NotificationPreferences};
use portal_domain::customer::{CustomerEvent, CustomerStatus};
use portal_domain::location::{LocationEvent, LocationOwner, LocationVisibility};
use portal_domain::order::OrderEvent;
use portal_domain::printer::{DocumentFormat, LabelFormat, OutputKind, PrinterConfigEvent};
use portal_domain::tenant::TenantEvent;
use portal_domain::user::{LinkPurpose, LoginMethod, TokenScope, UserEvent};
use portal_domain::values::{
    Address, AddressInput, ConsignmentInput, Currency, Email, GoodsInput, Money, Name,
    OpeningHours, OrderContent, OrderContentInput, Packaging, StopInput, TimeZoneName,
};
use portal_domain::{
    Actor, ApiTokenId, ChargeId, ContactId, CustomerId, DomainEvent, LocationId, LoginRequestId,
    OrderId, TenantId, UserId,
};
use portal_eventlog::{Metadata, StreamId};
use time::macros::datetime;
use uuid::Uuid;

pub(super) fn id<T: From<Uuid>>(n: u128) -> T {
    T::from(Uuid::from_u128(n))
}

pub(super) fn name(s: &str) -> Name {
    Name::parse(s).unwrap()
}

pub(super) fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}

pub(super) fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::parse("EUR").unwrap()).unwrap()
}

pub(super) fn address(city: &str) -> Address {
    Address::new(address_input(city)).unwrap()
}

pub(super) fn address_input(city: &str) -> AddressInput {
    AddressInput {
        name: format!("Depot {city}"),
        street: "Industriestraße 5".into(),
        postal_code: "10115".into(),
        city: city.into(),
        country: "DE".into(),
        contact_name: None,
        contact_phone: None,
    }
}

pub(super) fn content(reference: &str) -> OrderContent {
    let stop = |city: &str| StopInput {
        location_id: None,
        address: address_input(city),
        date: Some(time::macros::date!(2030 - 06 - 03)),
        time_window: None,
        reference: None,
        instructions: None,
    };
    OrderContent::new(OrderContentInput {
        customer_reference: Some(reference.into()),
        consignments: vec![ConsignmentInput {
            pickup: stop("Berlin"),
            delivery: stop("Hamburg"),
            goods: vec![GoodsInput {
                description: "Books".into(),
                quantity: Some(2),
                packaging: Some(Packaging::EuroPallet),
                weight_kg: Some(800.0),
                volume_m3: None,
                loading_metres: None,
                pallet_spaces: None,
                stackable: true,
                adr: None,
            }],
        }],
        notes: None,
    })
    .unwrap()
}

/// The events as the log records them (versions 1, 2, …), each by `Actor::System`.
pub(super) fn recorded<E: DomainEvent>(stream: &str, events: &[E]) -> Vec<RecordedEvent> {
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let new = portal_eventlog::codec::encode(e, &Metadata::new(Actor::System)).unwrap();
            RecordedEvent {
                position: i as i64 + 1,
                stream_id: StreamId::parse(stream).unwrap(),
                version: i as i64 + 1,
                event_id: new.event_id,
                event_type: new.event_type,
                schema_version: new.schema_version,
                tenant: TenantId::parse("acme").unwrap(),
                payload: new.payload,
                metadata: new.metadata,
                recorded_at: datetime!(2026-12-04 14:03 UTC),
            }
        })
        .collect()
}

/// Describes `events` as one stream, every event by "Ann Early", times in Stockholm.
pub(super) fn describe<E: DomainEvent>(category: &str, events: &[E]) -> Vec<Description> {
    let stream = format!("{category}-{}", Uuid::from_u128(1));
    let recorded = recorded(&stream, events);
    let who = vec!["Ann Early".to_owned(); recorded.len()];
    let zone = Zone::named("Europe/Stockholm").unwrap();
    let out = describe_stream(category, &recorded, &who, &zone).unwrap();
    // Every event type of the aggregate appears in its test.
    let mut types: Vec<&str> = events.iter().map(DomainEvent::event_type).collect();
    types.sort_unstable();
    types.dedup();
    let mut all = E::TYPES.to_vec();
    all.sort_unstable();
    assert_eq!(types, all, "a test history covers every event type");
    out
}

pub(super) fn summaries(d: &[Description]) -> Vec<&str> {
    d.iter().map(|d| d.summary.as_str()).collect()
}

pub(super) fn change<'a>(d: &'a Description, field: &str) -> (Option<&'a str>, Option<&'a str>) {
    let c = d
        .changes
        .iter()
        .find(|c| c.field == field)
        .unwrap_or_else(|| panic!("no change of {field} in {:?}", d.changes));
    (c.before.as_deref(), c.after.as_deref())
}

#[test]
fn customer_events_in_words() {
    let customer_id: CustomerId = id(2);
    let d = describe(
        "customer",
        &[
            CustomerEvent::CustomerCreated {
                customer_id,
                name: name("Nordic Timber AB"),
                code: None,
                status: CustomerStatus::Prospect,
            },
            CustomerEvent::CustomerDetailsUpdated {
                customer_id,
                name: name("Nordic Timber"),
                code: Some("NT".into()),
            },
            CustomerEvent::CustomerStatusChanged {
                customer_id,
                from: CustomerStatus::Prospect,
                to: CustomerStatus::Approved,
            },
            CustomerEvent::CustomerPortalEnabled { customer_id },
            CustomerEvent::CustomerChargesShown { customer_id },
            CustomerEvent::CustomerChargesHidden { customer_id },
            CustomerEvent::CustomerPortalDisabled { customer_id },
        ],
    );
    let s = summaries(&d);
    assert_eq!(
        s[0],
        "Ann Early created customer Nordic Timber AB (status: prospect)"
    );
    // A creation lists what it set, not the defaults it replaced.
    assert_eq!(change(&d[0], "status"), (None, Some("prospect")));
    assert!(
        d[0].changes.iter().all(|c| c.field != "portal_enabled"),
        "{:?}",
        d[0].changes
    );
    assert_eq!(
        s[1],
        "Ann Early updated the details of customer Nordic Timber AB"
    );
    assert_eq!(
        change(&d[1], "name"),
        (Some("Nordic Timber AB"), Some("Nordic Timber"))
    );
    assert_eq!(change(&d[1], "code"), (None, Some("NT")));
    assert_eq!(
        s[2],
        "Ann Early changed the status of customer Nordic Timber: prospect → approved"
    );
    assert_eq!(
        s[3],
        "Ann Early gave customer Nordic Timber access to the customer portal"
    );
    assert_eq!(change(&d[3], "portal_enabled"), (Some("no"), Some("yes")));
    assert_eq!(
        s[4],
        "Ann Early showed charges on the portal of customer Nordic Timber"
    );
    assert_eq!(
        s[5],
        "Ann Early hid charges from the portal of customer Nordic Timber"
    );
    assert_eq!(
        s[6],
        "Ann Early switched off the customer portal for customer Nordic Timber"
    );
}

#[test]
fn contact_events_in_words() {
    let contact_id: ContactId = id(3);
    let customer_id: CustomerId = id(2);
    let d = describe(
        "contact",
        &[
            ContactEvent::ContactAdded {
                contact_id,
                customer_id,
                name: name("Ann Early"),
                email: email("ann@nordic.example"),
                phone: None,
                roles: vec![ContactRole::Orders],
            },
            ContactEvent::ContactUpdated {
                contact_id,
                customer_id,
                name: name("Ann Early-Berg"),
                email: email("ann@nordic.example"),
                phone: None,
                roles: vec![ContactRole::Orders, ContactRole::Invoices],
            },
            ContactEvent::ContactAccessGranted {
                contact_id,
                customer_id,
                email: email("ann@nordic.example"),
            },
            ContactEvent::ContactAccessRevoked {
                contact_id,
                customer_id,
            },
            ContactEvent::ContactNotificationsChanged {
                contact_id,
                customer_id,
                preferences: NotificationPreferences {
                    order_status: Delivery::Daily,
                    charge_approval: Delivery::Off,
                },
            },
            ContactEvent::ContactRemoved {
                contact_id,
                customer_id,
            },
        ],
    );
    let s = summaries(&d);
    assert_eq!(
        s[0],
        "Ann Early added contact Ann Early (ann@nordic.example)"
    );
    assert_eq!(s[1], "Ann Early updated contact Ann Early-Berg");
    assert_eq!(
        change(&d[1], "name"),
        (Some("Ann Early"), Some("Ann Early-Berg"))
    );
    assert_eq!(
        change(&d[1], "roles"),
        (Some("orders"), Some("orders, invoices"))
    );
    assert_eq!(s[2], "Ann Early gave contact Ann Early-Berg portal access");
    assert_eq!(
        s[3],
        "Ann Early revoked the portal access of contact Ann Early-Berg"
    );
    assert_eq!(
        s[4],
        "Ann Early set the emails of contact Ann Early-Berg: order status daily, charges to approve off"
    );
    assert_eq!(
        change(&d[4], "notifications.order_status"),
        (Some("immediate"), Some("daily"))
    );
    assert_eq!(s[5], "Ann Early removed contact Ann Early-Berg");
}

#[test]
fn tenant_events_in_words() {
    let user_id: UserId = id(9);
    let d = describe(
        "tenant",
        &[
            TenantEvent::TenantCreated {
                tenant_id: TenantId::parse("acme").unwrap(),
                name: name("ACME"),
            },
            TenantEvent::TenantRenamed {
                name: name("Nordic Freight"),
            },
            TenantEvent::StaffMemberAdded {
                user_id,
                email: email("eva@freight.example"),
                name: None,
            },
            TenantEvent::StaffMemberRenamed {
                user_id,
                name: name("Eva Lund"),
            },
            TenantEvent::StaffMemberRenamed {
                user_id,
                name: name("Eva Berg"),
            },
            TenantEvent::StaffMemberAdded {
                user_id: id(10),
                email: email("olle@freight.example"),
                name: Some(name("Olle Ek")),
            },
            TenantEvent::StaffMemberRemoved { user_id },
            TenantEvent::TenantTimeZoneSet {
                time_zone: TimeZoneName::parse("Europe/Stockholm").unwrap(),
            },
        ],
    );
    let s = summaries(&d);
    assert_eq!(s[0], "Ann Early created the carrier ACME");
    assert_eq!(s[1], "Ann Early renamed the carrier: ACME → Nordic Freight");
    assert_eq!(s[2], "Ann Early added staff member eva@freight.example");
    assert_eq!(
        s[3],
        "Ann Early named staff member eva@freight.example Eva Lund"
    );
    assert_eq!(
        s[4],
        "Ann Early renamed staff member eva@freight.example: Eva Lund → Eva Berg"
    );
    assert_eq!(
        s[5],
        "Ann Early added staff member Olle Ek (olle@freight.example)"
    );
    assert_eq!(s[6], "Ann Early removed staff member eva@freight.example");
    assert_eq!(
        s[7],
        "Ann Early set the carrier's time zone to Europe/Stockholm"
    );
    assert_eq!(change(&d[7], "time_zone"), (None, Some("Europe/Stockholm")));
}
