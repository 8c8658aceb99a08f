//! The pure core of the carrier customer portal: ids, value objects, aggregates, their commands,
//! events and rejections.
//!
//! Everything here is synchronous and deterministic: no IO, no clock, no randomness. Whatever
//! comes from outside (new ids, "now", the actor, facts read from other aggregates) arrives inside
//! the command. Each aggregate implements [`Aggregate`]: `decide(&State, &Command)` returns the
//! events a command produces or a [`DomainError`]; `evolve(State, &Event)` folds one event into the
//! state. The event log (crate `portal-eventlog`) loads a stream, folds it with `evolve`, calls
//! `decide` and appends the result.
//!
//! Layout:
//! - [`ids`]: newtype ids (`CustomerId(Uuid)`, …) and the tenant's slug id.
//! - [`values`]: validated value objects (`Email::parse`, `CountryCode`, `Money`, …).
//! - [`error`]: [`DomainError`], the one rejection type, with field-level validation errors.
//! - [`actor`]: who issued a command (recorded in event metadata, checked by some rules).
//! - one module per aggregate: [`tenant`], [`customer`], [`contact`], [`order`], [`location`],
//!   [`printer`], and [`user`] (login identities, shared across carriers). Each holds its state,
//!   commands, events and `decide`/`evolve`.
//! - [`schema`]: JSON Schemas of the event payloads and the event catalog behind
//!   `docs/events.md`.
//!
//! Wire contract of events: every aggregate's event enum serialises with serde's adjacent tagging
//! (`{"type": "CustomerCreated", "data": {..snake_case fields..}}`); the event log stores `type`
//! and `data` separately, with [`DomainEvent::schema_version`] beside them. Renaming a variant or a
//! field breaks stored history: add a new schema version and an upcaster instead.

pub mod actor;
pub mod contact;
pub mod customer;
pub mod error;
pub mod ids;
pub mod location;
pub mod order;
pub mod printer;
pub mod schema;
pub mod tenant;
pub mod user;
pub mod values;

#[cfg(test)]
mod testkit;

pub use actor::Actor;
pub use error::{DomainError, FieldError};
pub use ids::*;

use serde::{Serialize, de::DeserializeOwned};
use std::fmt::Debug;

/// An event type of one aggregate: an enum whose variants are the event types.
pub trait DomainEvent:
    Serialize + DeserializeOwned + Clone + Debug + PartialEq + Send + Sync
{
    /// Every type name this enum can carry, in declaration order (docs, round-trip tests).
    const TYPES: &'static [&'static str];

    /// The stable type name of this event, e.g. `"CustomerCreated"`; equals the serde tag.
    fn event_type(&self) -> &'static str;

    /// The schema version of this event's payload. Starts at 1; bump it when the payload's shape
    /// changes, and teach the reader to upcast the older versions.
    fn schema_version(&self) -> u16 {
        1
    }
}

/// One aggregate: a consistency boundary with its own event stream.
///
/// Contract: `decide` never mutates and never fails halfway; when it returns several events, each
/// later event was computed from the state after the earlier ones (see [`apply_all`]). A command
/// that would change nothing returns `Ok(vec![])` (idempotent no-op), so bulk actions can report
/// "already so".
pub trait Aggregate {
    /// The stream category, the prefix of the stream id (`customer-<uuid>`). No `-` inside.
    const CATEGORY: &'static str;
    type State: Default + Clone + Debug + Send + Sync;
    type Command: Debug + Send + Sync;
    type Event: DomainEvent;

    fn decide(
        state: &Self::State,
        command: &Self::Command,
    ) -> Result<Vec<Self::Event>, DomainError>;

    fn evolve(state: Self::State, event: &Self::Event) -> Self::State;

    /// Folds a whole history into a state.
    fn fold<'a>(events: impl IntoIterator<Item = &'a Self::Event>) -> Self::State
    where
        Self::Event: 'a,
    {
        events
            .into_iter()
            .fold(Self::State::default(), |s, e| Self::evolve(s, e))
    }
}

/// Applies `events` to `state` in order; used by `decide` implementations that emit several
/// events so that each later event sees the state the earlier ones produced.
pub fn apply_all<A: Aggregate>(state: &A::State, events: &[A::Event]) -> A::State {
    events.iter().fold(state.clone(), |s, e| A::evolve(s, e))
}
