//! Test support for the projections of this module: a harness that applies domain events to one
//! projection in memory, and fixtures.
#![allow(clippy::unwrap_used)]

use crate::ctx::{Ctx, RowCache};
use crate::error::ApplyError;
use crate::event::{Decoded, Event};
use crate::projection::Projection;
use crate::rows::Row;
use portal_domain::values::{
    Address, AddressInput, ConsignmentInput, Currency, GoodsInput, Money, Name, OrderContent,
    OrderContentInput, Packaging, StopInput, TimeWindowInput,
};
use portal_domain::{Actor, Aggregate, CustomerId, LocationId, TenantId, UserId};
use portal_eventlog::codec::encode;
use portal_eventlog::{Metadata, RecordedEvent, StreamId};
use std::collections::BTreeMap;
use std::fmt::Display;
use time::macros::datetime;
use time::{Date, Duration, OffsetDateTime, Time};
use uuid::Uuid;

/// `id(7)` → `00000000-0000-0000-0000-000000000007`.
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

pub fn address(city: &str) -> Address {
    Address::new(address_input(city)).unwrap()
}

fn stop(
    city: &str,
    date: Date,
    window_to: Option<Time>,
    location: Option<LocationId>,
) -> StopInput {
    StopInput {
        location_id: location,
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

/// One consignment Berlin → Hamburg delivered on `delivery` until `window_to` (all day without).
pub fn content_with(
    reference: &str,
    delivery: Date,
    window_to: Option<Time>,
    pickup_location: Option<LocationId>,
) -> OrderContent {
    OrderContent::new(OrderContentInput {
        customer_reference: Some(reference.into()),
        consignments: vec![ConsignmentInput {
            pickup: stop("Berlin", delivery, None, pickup_location),
            delivery: stop("Hamburg", delivery, window_to, None),
            goods: vec![GoodsInput {
                description: "Books".into(),
                quantity: Some(2),
                packaging: Some(Packaging::EuroPallet),
                weight_kg: Some(800.0),
                volume_m3: None,
                loading_metres: Some(0.8),
                pallet_spaces: Some(2),
                stackable: true,
                adr: None,
            }],
        }],
        notes: None,
    })
    .unwrap()
}

pub fn content(reference: &str) -> OrderContent {
    content_with(reference, time::macros::date!(2025 - 06 - 03), None, None)
}

/// Wraps an encoded event into a recorded one.
pub fn recorded(
    tenant: &TenantId,
    stream: &str,
    version: i64,
    position: i64,
    new: portal_eventlog::NewEvent,
    recorded_at: OffsetDateTime,
) -> RecordedEvent {
    RecordedEvent {
        position,
        stream_id: StreamId::parse(stream).unwrap(),
        version,
        event_id: new.event_id,
        event_type: new.event_type,
        schema_version: new.schema_version,
        tenant: tenant.clone(),
        payload: new.payload,
        metadata: new.metadata,
        recorded_at,
    }
}

/// Applies events to one projection in memory, numbering positions and stream versions.
pub struct Harness<P: Projection> {
    pub projection: P,
    pub cache: RowCache,
    pub position: i64,
    /// `recorded_at` of the next event; advances by a minute per event.
    pub at: OffsetDateTime,
    /// Actor of the next events.
    pub actor: Actor,
    versions: BTreeMap<String, i64>,
}

impl<P: Projection> Harness<P> {
    pub fn new(projection: P) -> Self {
        Self {
            projection,
            cache: RowCache::default(),
            position: 0,
            at: datetime!(2025-06-01 08:00 UTC),
            actor: staff(),
            versions: BTreeMap::new(),
        }
    }

    /// Applies `event` of aggregate `A`, stream `<A::CATEGORY>-<id>`.
    pub fn apply<A: Aggregate>(
        &mut self,
        tenant: &TenantId,
        id: impl Display,
        event: A::Event,
    ) -> Result<(), ApplyError> {
        let new = encode(&event, &Metadata::new(self.actor.clone())).unwrap();
        let stream = format!("{}-{id}", A::CATEGORY);
        self.apply_new(tenant, &stream, new)
    }

    /// Applies a raw event (any stream, type and payload).
    pub fn apply_raw(
        &mut self,
        tenant: &TenantId,
        stream: &str,
        event_type: &str,
        payload: serde_json::Value,
    ) -> Result<(), ApplyError> {
        let new = portal_eventlog::NewEvent {
            event_id: Uuid::now_v7(),
            event_type: event_type.into(),
            schema_version: 1,
            payload,
            metadata: Metadata::new(self.actor.clone()),
        };
        self.apply_new(tenant, stream, new)
    }

    fn apply_new(
        &mut self,
        tenant: &TenantId,
        stream: &str,
        new: portal_eventlog::NewEvent,
    ) -> Result<(), ApplyError> {
        self.position += 1;
        let version = self.versions.entry(stream.to_owned()).or_insert(0);
        *version += 1;
        let r = recorded(tenant, stream, *version, self.position, new, self.at);
        self.at += Duration::minutes(1);
        self.apply_recorded(&r)
    }

    /// Applies a recorded event as the projector would.
    pub fn apply_recorded(&mut self, r: &RecordedEvent) -> Result<(), ApplyError> {
        let decoded = Decoded::of(r);
        let mut ctx = Ctx::in_memory(&mut self.cache);
        let event = Event {
            recorded: r,
            decoded: &decoded,
            partition: 0,
        };
        futures::executor::block_on(self.projection.apply(&mut ctx, event))
    }

    /// Copies of every row of `R` of `tenant` (in no particular order).
    pub fn rows<R: Row>(&self, tenant: &TenantId) -> Vec<R> {
        self.cache
            .slots
            .iter()
            .filter(|((table, t, _), _)| *table == R::TABLE.name && t == tenant.as_str())
            .filter_map(|(_, slot)| slot.row.as_deref()?.as_any().downcast_ref::<R>())
            .map(|r| serde_json::from_value(serde_json::to_value(r).unwrap()).unwrap())
            .collect()
    }

    /// A copy of a row, if it exists.
    pub fn row<R: Row>(&mut self, tenant: &TenantId, key: impl Display) -> Option<R> {
        let mut ctx = Ctx::in_memory(&mut self.cache);
        let key = key.to_string();
        let row = futures::executor::block_on(ctx.get::<R>(tenant, &key)).unwrap();
        row.map(|r| serde_json::from_value(serde_json::to_value(r).unwrap()).unwrap())
    }
}
