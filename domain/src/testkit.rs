//! Test support: a given/when/then harness for any [`Aggregate`], a round-trip check for event
//! enums, and fixtures for value objects.
#![allow(clippy::unwrap_used)]

use crate::error::DomainError;
use crate::ids::LocationId;
use crate::values::{
    Address, AddressInput, ConsignmentInput, DraftContent, GoodsInput, OrderContent,
    OrderContentInput, Packaging, StopInput,
};
use crate::{Aggregate, DomainEvent};
use std::collections::BTreeSet;
use std::marker::PhantomData;
use time::macros::date;
use uuid::Uuid;

/// `given::<Customer>(&[events]).when(command).then(&[events])`.
pub fn given<A: Aggregate>(history: &[A::Event]) -> Given<A> {
    Given {
        state: A::fold(history),
        _a: PhantomData,
    }
}

pub struct Given<A: Aggregate> {
    state: A::State,
    _a: PhantomData<A>,
}

impl<A: Aggregate> Given<A> {
    pub fn when(self, command: A::Command) -> Outcome<A> {
        let result = A::decide(&self.state, &command);
        Outcome {
            state: self.state,
            command,
            result,
        }
    }
}

pub struct Outcome<A: Aggregate> {
    state: A::State,
    command: A::Command,
    result: Result<Vec<A::Event>, DomainError>,
}

impl<A: Aggregate> Outcome<A> {
    /// Asserts the emitted events and returns the state after them.
    #[track_caller]
    pub fn then(self, expected: &[A::Event]) -> A::State {
        match self.result {
            Ok(events) => {
                assert_eq!(events, expected, "events of {:?}", self.command);
                crate::apply_all::<A>(&self.state, &events)
            }
            Err(e) => panic!("{:?} was rejected: {e:?}", self.command),
        }
    }

    /// Asserts that the command is accepted and changes nothing.
    #[track_caller]
    pub fn then_nothing(self) {
        self.then(&[]);
    }

    #[track_caller]
    pub fn then_error(self, expected: DomainError) {
        match self.result {
            Ok(events) => panic!("{:?} was accepted: {events:?}", self.command),
            Err(e) => assert_eq!(e, expected, "rejection of {:?}", self.command),
        }
    }

    /// Asserts a validation rejection naming exactly these fields.
    #[track_caller]
    pub fn then_invalid(self, fields: &[&str]) {
        match self.result {
            Ok(events) => panic!("{:?} was accepted: {events:?}", self.command),
            Err(e) => {
                let got: Vec<&str> = e.field_errors().iter().map(|f| f.field.as_str()).collect();
                assert_eq!(got, fields, "{e}");
            }
        }
    }
}

/// Serialises each event, checks the `{"type": …, "data": {…}}` wire shape with snake_case keys,
/// reads it back, and checks that `events` covers every type in `E::TYPES` exactly.
#[track_caller]
pub fn assert_round_trip<E: DomainEvent>(events: &[E]) {
    let mut seen = BTreeSet::new();
    for event in events {
        let json = serde_json::to_value(event).unwrap();
        let obj = json.as_object().unwrap();
        let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        assert_eq!(keys, ["data", "type"], "{json}");
        assert_eq!(json["type"], event.event_type(), "{json}");
        assert!(
            json["data"].is_object(),
            "payload must be an object: {json}"
        );
        assert_snake_case_keys(&json["data"]);
        assert_eq!(event.schema_version(), 1);
        let back: E = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(&back, event, "{json}");
        seen.insert(event.event_type());
    }
    let all: BTreeSet<&str> = E::TYPES.iter().copied().collect();
    assert_eq!(all.len(), E::TYPES.len(), "TYPES has duplicates");
    assert_eq!(seen, all, "round trip must cover every event type");
}

fn assert_snake_case_keys(v: &serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let ok = k
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                assert!(ok, "key '{k}' is not snake_case");
                assert_snake_case_keys(v);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(assert_snake_case_keys),
        _ => {}
    }
}

/// A deterministic UUID for readable tests: `id(7)` → `00000000-0000-0000-0000-000000000007`.
pub fn id<T: From<Uuid>>(n: u128) -> T {
    T::from(Uuid::from_u128(n))
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

pub fn goods_input(description: &str, weight_kg: f64) -> GoodsInput {
    GoodsInput {
        description: description.into(),
        quantity: Some(2),
        packaging: Some(Packaging::EuroPallet),
        weight_kg: Some(weight_kg),
        volume_m3: None,
        loading_metres: Some(0.8),
        pallet_spaces: Some(2),
        stackable: true,
        adr: None,
    }
}

/// "Today" of the fixtures' commands: the day before their first pickup.
pub const TODAY: time::Date = date!(2025 - 06 - 01);

pub fn stop_input(city: &str, day: u8) -> StopInput {
    StopInput {
        location_id: None,
        address: address_input(city),
        date: Some(date!(2025 - 06 - 01).replace_day(day).unwrap()),
        time_window: None,
        reference: None,
        instructions: None,
    }
}

pub fn content_input(reference: &str) -> OrderContentInput {
    OrderContentInput {
        customer_reference: Some(reference.into()),
        consignments: vec![ConsignmentInput {
            pickup: stop_input("Berlin", 2),
            delivery: stop_input("Hamburg", 3),
            goods: vec![goods_input("Books", 800.0)],
        }],
        notes: None,
    }
}

/// [`content`] as a draft's content.
pub fn draft(reference: &str) -> DraftContent {
    DraftContent::from(&content(reference))
}

pub fn content(reference: &str) -> OrderContent {
    OrderContent::new(content_input(reference)).unwrap()
}

/// Content whose pickup refers to `location` (with a placeholder address until submission).
pub fn content_at_location(reference: &str, location: LocationId) -> OrderContent {
    let mut input = content_input(reference);
    input.consignments[0].pickup.location_id = Some(location);
    OrderContent::new(input).unwrap()
}
