//! Shared support of the read-model database tests (the `models_*` modules):
//! a writer that appends domain events to the event log, the projector over every read model,
//! and fixtures.

use portal_domain::contact::{Contact, ContactEvent, ContactRole};
use portal_domain::customer::{Customer, CustomerEvent, CustomerStatus};
use portal_domain::order::{Order, OrderEvent};
use portal_domain::tenant::{Tenant, TenantEvent};
use portal_domain::values::Email;
use portal_domain::values::{
    AddressInput, ConsignmentInput, Currency, GoodsInput, Money, Name, OrderContent,
    OrderContentInput, Packaging, StopInput, TimeWindowInput,
};
use portal_domain::{
    Actor, Aggregate, ContactId, CustomerId, LocationId, OrderId, TenantId, UserId,
};
use portal_eventlog::codec::encode;
use portal_eventlog::testing::TestStoreRef;
use portal_eventlog::{Metadata, Store, StreamId};
use portal_projections::{Projector, ReadDb, models};
use std::collections::HashMap;
use std::fmt::Display;
use time::OffsetDateTime;
use time::macros::{date, datetime, time};
use time::{Date, Time};
use uuid::Uuid;

pub fn id<T: From<Uuid>>(n: u128) -> T {
    T::from(Uuid::from_u128(n))
}

pub fn tenant(slug: &str) -> TenantId {
    TenantId::parse(slug).unwrap()
}

pub fn name(s: &str) -> Name {
    Name::parse(s).unwrap()
}

pub fn eur(amount_minor: i64) -> Money {
    Money::new(amount_minor, Currency::parse("EUR").unwrap()).unwrap()
}

pub fn staff() -> Actor {
    Actor::Staff { user_id: id(900) }
}

pub fn portal_user(customer: CustomerId) -> Actor {
    Actor::PortalUser {
        user_id: UserId(Uuid::from_u128(901)),
        customer_id: customer,
    }
}

pub fn address_input(city: &str) -> AddressInput {
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

fn stop(city: &str, date: Date, window_to: Option<Time>) -> StopInput {
    StopInput {
        location_id: None,
        address: address_input(city),
        date: Some(date),
        time_window: window_to.map(|to| TimeWindowInput {
            from: Time::MIDNIGHT,
            to,
        }),
        reference: None,
        instructions: None,
    }
}

/// One consignment Berlin → Hamburg, delivered on `delivery` until `window_to`.
pub fn content(reference: &str, delivery: Date, window_to: Option<Time>) -> OrderContent {
    OrderContent::new(OrderContentInput {
        customer_reference: Some(reference.into()),
        consignments: vec![ConsignmentInput {
            pickup: stop("Berlin", delivery, None),
            delivery: stop("Hamburg", delivery, window_to),
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

/// Like [`content`] with the pickup at address-book location `location`.
pub fn content_at(reference: &str, location: LocationId) -> OrderContent {
    let mut input = OrderContentInput::from(&content(
        reference,
        time::macros::date!(2025 - 06 - 05),
        None,
    ));
    input.consignments[0].pickup.location_id = Some(location);
    OrderContent::new(input).unwrap()
}

/// Appends events to the log, keeping each stream's version.
pub struct Writer {
    pub store: Store,
    versions: HashMap<String, i64>,
}

impl Writer {
    pub fn new(store: &Store) -> Self {
        Self {
            store: store.clone(),
            versions: HashMap::new(),
        }
    }

    /// Appends `events` of aggregate `A` to stream `<category>-<id>` of `tenant`.
    pub async fn emit<A: Aggregate>(
        &mut self,
        tenant: &TenantId,
        id: impl Display,
        actor: &Actor,
        events: &[A::Event],
    ) {
        let stream = StreamId::parse(&format!("{}-{id}", A::CATEGORY)).unwrap();
        let metadata = Metadata::new(actor.clone());
        let new: Vec<_> = events
            .iter()
            .map(|e| encode(e, &metadata).unwrap())
            .collect();
        let version = self.versions.entry(stream.as_str().to_owned()).or_insert(0);
        let result = self
            .store
            .append(tenant, &stream, *version, &new, None)
            .await
            .unwrap();
        *version = result.last_version;
    }
}

/// The read-model database of the test store, with every read model's tables.
pub async fn read_db(t: &TestStoreRef) -> (ReadDb, Projector) {
    let db = ReadDb::connect(&t.url, 4).await.unwrap();
    let projector = Projector::new(db.clone(), models::all());
    projector.ensure().await.unwrap();
    (db, projector)
}

/// Catches every read model up with the log.
pub async fn project(projector: &Projector, store: &Store) {
    projector.apply_log(store).await.unwrap();
}

// --- customers and contacts -------------------------------------------------------------

pub async fn create_customer(
    w: &mut Writer,
    t: &TenantId,
    c: CustomerId,
    n: &str,
    code: Option<&str>,
    status: CustomerStatus,
    portal: bool,
) {
    let mut events = vec![CustomerEvent::CustomerCreated {
        customer_id: c,
        name: name(n),
        code: code.map(Into::into),
        status,
    }];
    if portal {
        events.push(CustomerEvent::CustomerPortalEnabled { customer_id: c });
    }
    w.emit::<Customer>(t, c, &staff(), &events).await;
}

pub async fn add_contact(
    w: &mut Writer,
    t: &TenantId,
    k: ContactId,
    c: CustomerId,
    n: &str,
    email: &str,
    access: bool,
) {
    let email = Email::parse(email).unwrap();
    let mut events = vec![ContactEvent::ContactAdded {
        contact_id: k,
        customer_id: c,
        name: name(n),
        email: email.clone(),
        phone: None,
        roles: vec![ContactRole::Orders],
    }];
    if access {
        events.push(ContactEvent::ContactAccessGranted {
            contact_id: k,
            customer_id: c,
            email,
        });
    }
    w.emit::<Contact>(t, k, &staff(), &events).await;
}

/// Tenant acme: five customers, some contacts; tenant bolt: one customer and contact that share
/// names and an email with acme's.
pub async fn seed_customers(w: &mut Writer) -> (TenantId, TenantId) {
    let (acme, bolt) = (tenant("acme"), tenant("bolt"));
    for (t, n) in [(&acme, "ACME Transport"), (&bolt, "Bolt Freight")] {
        w.emit::<Tenant>(
            t,
            t.as_str(),
            &staff(),
            &[TenantEvent::TenantCreated {
                tenant_id: t.clone(),
                name: name(n),
            }],
        )
        .await;
    }
    use CustomerStatus::*;
    create_customer(w, &acme, id(1), "Alpha Foods", Some("AF-1"), Approved, true).await;
    create_customer(w, &acme, id(2), "beta Bikes", None, Approved, false).await;
    create_customer(
        w,
        &acme,
        id(3),
        "Gamma 100% Steel",
        Some("G_S"),
        Prospect,
        false,
    )
    .await;
    create_customer(w, &acme, id(4), "Delta Foods", None, Blocked, false).await;
    create_customer(
        w,
        &acme,
        id(5),
        "Epsilon Foods",
        Some("EPS"),
        Approved,
        true,
    )
    .await;
    create_customer(w, &bolt, id(1), "Alpha Foods", None, Approved, true).await;
    add_contact(
        w,
        &acme,
        id(11),
        id(1),
        "Zoe Zed",
        "zoe@alpha.example",
        true,
    )
    .await;
    add_contact(
        w,
        &acme,
        id(12),
        id(1),
        "Adam Ant",
        "adam@alpha.example",
        false,
    )
    .await;
    add_contact(
        w,
        &acme,
        id(13),
        id(5),
        "Eve Eps",
        "shared@example.com",
        true,
    )
    .await;
    add_contact(
        w,
        &bolt,
        id(21),
        id(1),
        "Bo Bolt",
        "shared@example.com",
        true,
    )
    .await;
    (acme, bolt)
}

// --- orders ------------------------------------------------------------------------------

pub const O1: u128 = 101;
pub const O2: u128 = 102;
pub const O3: u128 = 103;
pub const O4: u128 = 104;
pub const O5: u128 = 105;
pub const B1: u128 = 106;

pub async fn order_customer(w: &mut Writer, t: &TenantId, c: CustomerId, n: &str, portal: bool) {
    let mut events = vec![CustomerEvent::CustomerCreated {
        customer_id: c,
        name: name(n),
        code: None,
        status: CustomerStatus::Approved,
    }];
    if portal {
        events.push(CustomerEvent::CustomerPortalEnabled { customer_id: c });
    }
    w.emit::<Customer>(t, c, &staff(), &events).await;
}

pub async fn order(w: &mut Writer, t: &TenantId, o: u128, actor: &Actor, events: &[OrderEvent]) {
    w.emit::<Order>(t, id::<OrderId>(o), actor, events).await;
}

pub fn created(o: u128, c: CustomerId, number: &str, reference: &str) -> OrderEvent {
    OrderEvent::OrderDraftCreated {
        order_id: id(o),
        customer_id: c,
        number: number.into(),
        content: content(reference, date!(2025 - 06 - 05), Some(time!(12:00))).into(),
    }
}

pub fn submitted(o: u128, reference: &str, at: OffsetDateTime) -> OrderEvent {
    OrderEvent::OrderSubmitted {
        order_id: id(o),
        content: content(reference, date!(2025 - 06 - 05), Some(time!(12:00))),
        submitted_at: at,
    }
}

pub fn charge_added(o: u128, ch: u128, amount: i64) -> OrderEvent {
    OrderEvent::ChargeAdded {
        order_id: id(o),
        charge_id: id(ch),
        description: name("Waiting time"),
        amount: eur(amount),
    }
}

pub fn requested(o: u128, ch: u128) -> OrderEvent {
    OrderEvent::ChargeApprovalRequested {
        order_id: id(o),
        charge_id: id(ch),
    }
}

/// acme: customers Alpha (c1, portal) and Beta (c2); orders o1…o5 created in that order and
/// submitted o4, o3, o1; bolt: one order of its own customer with acme's ids.
pub async fn seed_orders(w: &mut Writer) -> (TenantId, TenantId) {
    let (acme, bolt) = (tenant("acme"), tenant("bolt"));
    let (c1, c2): (CustomerId, CustomerId) = (id(1), id(2));
    order_customer(w, &acme, c1, "Alpha", true).await;
    order_customer(w, &acme, c2, "Beta", false).await;
    order_customer(w, &bolt, c1, "Alpha B", true).await;
    let p1 = portal_user(c1);
    order(w, &acme, O1, &p1, &[created(O1, c1, "ORD-001", "PO-A")]).await;
    order(w, &acme, O2, &p1, &[created(O2, c1, "ORD-002", "PO-B")]).await;
    order(
        w,
        &acme,
        O3,
        &staff(),
        &[created(O3, c2, "ORD-003", "X-100%")],
    )
    .await;
    order(w, &acme, O4, &p1, &[created(O4, c1, "ORD-004", "PO-C")]).await;
    order(w, &acme, O5, &staff(), &[created(O5, c2, "ORD-005", "Y")]).await;
    order(
        w,
        &acme,
        O5,
        &staff(),
        &[OrderEvent::OrderDraftCancelled { order_id: id(O5) }],
    )
    .await;
    order(
        w,
        &acme,
        O4,
        &p1,
        &[submitted(O4, "PO-C", datetime!(2025-06-01 09:00 UTC))],
    )
    .await;
    order(
        w,
        &acme,
        O3,
        &staff(),
        &[submitted(O3, "X-100%", datetime!(2025-06-01 10:00 UTC))],
    )
    .await;
    order(
        w,
        &acme,
        O1,
        &p1,
        &[submitted(O1, "PO-A", datetime!(2025-06-02 08:00 UTC))],
    )
    .await;
    order(
        w,
        &acme,
        O1,
        &staff(),
        &[OrderEvent::OrderAccepted { order_id: id(O1) }],
    )
    .await;
    order(
        w,
        &bolt,
        B1,
        &portal_user(c1),
        &[created(B1, c1, "ORD-001", "PO-A")],
    )
    .await;
    order(
        w,
        &bolt,
        B1,
        &portal_user(c1),
        &[submitted(B1, "PO-A", datetime!(2025-06-02 08:00 UTC))],
    )
    .await;
    (acme, bolt)
}
