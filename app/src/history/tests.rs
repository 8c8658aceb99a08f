#![allow(clippy::unwrap_used)]

use super::*;
use portal_domain::contact::{ContactEvent, ContactRole};
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

fn id<T: From<Uuid>>(n: u128) -> T {
    T::from(Uuid::from_u128(n))
}

fn name(s: &str) -> Name {
    Name::parse(s).unwrap()
}

fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::parse("EUR").unwrap()).unwrap()
}

fn address(city: &str) -> Address {
    Address::new(address_input(city)).unwrap()
}

fn address_input(city: &str) -> AddressInput {
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

fn content(reference: &str) -> OrderContent {
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
fn recorded<E: DomainEvent>(stream: &str, events: &[E]) -> Vec<RecordedEvent> {
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
fn describe<E: DomainEvent>(category: &str, events: &[E]) -> Vec<Description> {
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

fn summaries(d: &[Description]) -> Vec<&str> {
    d.iter().map(|d| d.summary.as_str()).collect()
}

fn change<'a>(d: &'a Description, field: &str) -> (Option<&'a str>, Option<&'a str>) {
    let c = d
        .changes
        .iter()
        .find(|c| c.field == field)
        .unwrap_or_else(|| panic!("no change of {field} in {:?}", d.changes));
    (c.before.as_deref(), c.after.as_deref())
}

#[test]
fn order_events_in_words_with_money_comments_and_local_times() {
    let order_id: OrderId = id(1);
    let charge: ChargeId = id(5);
    let d = describe(
        "order",
        &[
            OrderEvent::OrderDraftCreated {
                order_id,
                customer_id: id(2),
                number: "ORD-1".into(),
                content: content("PO-1").into(),
            },
            OrderEvent::OrderDraftUpdated {
                order_id,
                content: content("PO-2").into(),
            },
            OrderEvent::OrderSubmitted {
                order_id,
                content: content("PO-2"),
                submitted_at: datetime!(2026-12-04 14:03 UTC),
            },
            OrderEvent::OrderAccepted { order_id },
            OrderEvent::OrderPlanned {
                order_id,
                planned_at: datetime!(2026-07-01 08:00 UTC),
            },
            OrderEvent::OrderInTransit {
                order_id,
                in_transit_at: datetime!(2026-07-01 09:00 UTC),
            },
            OrderEvent::ChargeAdded {
                order_id,
                charge_id: charge,
                description: name("Waiting time"),
                amount: eur(4500),
            },
            OrderEvent::ChargeApprovalRequested {
                order_id,
                charge_id: charge,
            },
            OrderEvent::ChargeApproved {
                order_id,
                charge_id: charge,
                comment: Some("driver waited".into()),
            },
            OrderEvent::ChargeRejected {
                order_id,
                charge_id: charge,
                comment: None,
            },
            OrderEvent::OrderDelivered {
                order_id,
                delivered_at: datetime!(2026-07-02 10:00 UTC),
            },
            OrderEvent::OrderRejected {
                order_id,
                reason: "no trucks".into(),
            },
            OrderEvent::OrderCancelled {
                order_id,
                reason: "customer asked".into(),
            },
            OrderEvent::OrderDraftCancelled { order_id },
        ],
    );
    let s = summaries(&d);
    assert_eq!(s[0], "Ann Early started the draft of order ORD-1");
    assert_eq!(s[1], "Ann Early edited the draft of order ORD-1");
    assert_eq!(
        change(&d[1], "content.customer_reference"),
        (Some("PO-1"), Some("PO-2"))
    );
    assert_eq!(
        s[2],
        "Ann Early submitted order ORD-1 at 2026-12-04 15:03 CET. Status: draft → submitted"
    );
    assert_eq!(change(&d[2], "status"), (Some("draft"), Some("submitted")));
    assert_eq!(
        s[3],
        "Ann Early accepted order ORD-1. Status: submitted → accepted"
    );
    // Summer time: the zone's abbreviation at that instant.
    assert_eq!(
        s[4],
        "Ann Early planned order ORD-1 at 2026-07-01 10:00 CEST. Status: accepted → planned"
    );
    assert_eq!(
        change(&d[4], "planned_at"),
        (None, Some("2026-07-01 10:00 CEST"))
    );
    assert!(s[5].ends_with("Status: planned → in transit"), "{}", s[5]);
    assert_eq!(
        s[6],
        "Ann Early added charge “Waiting time” €45.00 to order ORD-1"
    );
    assert_eq!(
        s[7],
        "Ann Early asked the customer to approve charge “Waiting time” €45.00"
    );
    assert_eq!(
        s[8],
        "Ann Early approved charge “Waiting time” €45.00: “driver waited”"
    );
    assert_eq!(
        change(&d[8], "charges[0].approval"),
        (Some("requested"), Some("approved"))
    );
    assert_eq!(s[9], "Ann Early rejected charge “Waiting time” €45.00");
    assert!(
        s[10].contains("delivered at 2026-07-02 12:00 CEST"),
        "{}",
        s[10]
    );
    assert!(
        s[11].starts_with("Ann Early rejected order ORD-1: “no trucks”"),
        "{}",
        s[11]
    );
    assert!(
        s[12].starts_with("Ann Early cancelled order ORD-1: “customer asked”"),
        "{}",
        s[12]
    );
    assert!(
        s[13].starts_with("Ann Early cancelled the draft of order ORD-1"),
        "{}",
        s[13]
    );
    // Ids and bookkeeping never show as changes.
    assert!(
        d.iter()
            .flat_map(|d| &d.changes)
            .all(|c| c.field != "exists" && c.field != "order_id")
    );
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
    assert_eq!(s[4], "Ann Early removed contact Ann Early-Berg");
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
    assert_eq!(s[3], "Ann Early removed staff member eva@freight.example");
    assert_eq!(
        s[4],
        "Ann Early set the carrier's time zone to Europe/Stockholm"
    );
    assert_eq!(change(&d[4], "time_zone"), (None, Some("Europe/Stockholm")));
}

#[test]
fn location_events_in_words() {
    let location_id: LocationId = id(4);
    let customer_id: CustomerId = id(2);
    let d = describe(
        "location",
        &[
            LocationEvent::LocationAdded {
                location_id,
                owner: LocationOwner::Customer { customer_id },
                name: name("Main depot"),
                address: address("Berlin"),
                opening_hours: OpeningHours::default(),
                instructions: None,
                visibility: LocationVisibility::CustomerOnly { customer_id },
            },
            LocationEvent::LocationUpdated {
                location_id,
                name: name("Main depot"),
                address: address("Hamburg"),
                opening_hours: OpeningHours::default(),
                instructions: Some("Gate 4".into()),
            },
            LocationEvent::LocationVisibilityChanged {
                location_id,
                visibility: LocationVisibility::AllPortalCustomers,
            },
            LocationEvent::LocationArchived { location_id },
        ],
    );
    let s = summaries(&d);
    assert_eq!(
        s[0],
        "Ann Early added location Main depot, Berlin DE (visible to this customer only)"
    );
    assert_eq!(s[1], "Ann Early updated location Main depot");
    assert_eq!(
        change(&d[1], "address.city"),
        (Some("Berlin"), Some("Hamburg"))
    );
    assert_eq!(change(&d[1], "instructions"), (None, Some("Gate 4")));
    assert_eq!(
        s[2],
        "Ann Early changed who sees location Main depot: this customer only → all portal customers"
    );
    assert_eq!(s[3], "Ann Early archived location Main depot");
}

#[test]
fn printer_events_in_words() {
    let set = |copies: u8| PrinterConfigEvent::PrinterConfigSet {
        customer_id: id(2),
        contact_id: Some(id(3)),
        label_printer: Some("Zebra".into()),
        label_format: LabelFormat::A6,
        label_output: OutputKind::Zpl,
        label_copies: copies,
        document_printer: None,
        document_format: DocumentFormat::A4,
    };
    let d = describe("printer_config", &[set(1), set(2)]);
    assert_eq!(
        d[0].summary,
        "Ann Early set the printer configuration: labels a6 ZPL × 1, documents A4"
    );
    assert!(
        d[1].summary
            .starts_with("Ann Early changed the printer configuration")
    );
    assert_eq!(change(&d[1], "label_copies"), (Some("1"), Some("2")));
}

#[test]
fn user_events_in_words() {
    let user_id: UserId = id(9);
    let token: ApiTokenId = id(10);
    let d = describe(
        "user",
        &[
            UserEvent::UserRegistered {
                user_id,
                email: email("ann@nordic.example"),
            },
            UserEvent::LoginLinkRequested {
                user_id,
                email: email("ann@nordic.example"),
                request_id: LoginRequestId(Uuid::from_u128(11)),
                purpose: LinkPurpose::Login,
            },
            UserEvent::UserLoggedIn {
                user_id,
                method: LoginMethod::Link,
            },
            UserEvent::PasswordSet {
                user_id,
                reset: false,
            },
            UserEvent::ApiTokenIssued {
                user_id,
                credential_id: token,
                scope: TokenScope::Staff {
                    tenant: TenantId::parse("acme").unwrap(),
                },
            },
            UserEvent::ApiTokenRevoked {
                user_id,
                credential_id: token,
            },
            UserEvent::UserTimeZonePreferenceSet {
                user_id,
                time_zone: None,
            },
        ],
    );
    let s = summaries(&d);
    assert_eq!(s[0], "Ann Early registered the login ann@nordic.example");
    assert_eq!(s[1], "Ann Early: a login link was requested");
    assert_eq!(s[2], "Ann Early: logged in (link)");
    assert_eq!(s[3], "Ann Early set a password");
    assert_eq!(change(&d[3], "has_password"), (Some("no"), Some("yes")));
    assert!(s[4].starts_with("Ann Early issued API token"));
    assert!(s[5].starts_with("Ann Early revoked API token"));
    assert_eq!(s[6], "Ann Early chose to follow the carrier's time zone");
}

#[test]
fn money_has_its_currency() {
    assert_eq!(describe::money(&eur(4500)), "€45.00");
    let sek = Money::new(1250, Currency::parse("SEK").unwrap()).unwrap();
    assert_eq!(describe::money(&sek), "12.50 SEK");
}

#[test]
fn an_unknown_category_keeps_the_event_type() {
    let e = &recorded(
        "customer-00000000-0000-0000-0000-000000000001",
        &[CustomerEvent::CustomerPortalEnabled { customer_id: id(1) }],
    )[0];
    let d = describe_stream(
        "other",
        std::slice::from_ref(e),
        &["X".into()],
        &Zone::utc(),
    )
    .unwrap();
    assert_eq!(d[0].summary, "X: CustomerPortalEnabled");
}
