//! Domain events ⇄ stored rows. A domain event enum serialises as `{"type": T, "data": D}`
//! (serde adjacent tagging); the store keeps `T` in `event_type`, `D` in `payload` and the
//! schema version beside them, so payloads stay plain JSON objects for outside readers.

use crate::envelope::{Metadata, NewEvent, RecordedEvent};
use crate::error::{ExecuteError, StoreError};
use portal_domain::DomainEvent;
use serde::de::value::MapDeserializer;
use serde_json::{Map, Value};
use uuid::Uuid;

/// Turns a domain event into a [`NewEvent`] with a fresh UUID v7.
pub fn encode<E: DomainEvent>(event: &E, metadata: &Metadata) -> Result<NewEvent, StoreError> {
    let value = serde_json::to_value(event).map_err(StoreError::Encode)?;
    let payload = match value {
        Value::Object(mut map) => map.remove("data").unwrap_or(Value::Object(Map::new())),
        _ => Value::Object(Map::new()),
    };
    Ok(NewEvent {
        event_id: Uuid::now_v7(),
        event_type: event.event_type().to_owned(),
        schema_version: i32::from(event.schema_version()),
        payload,
        metadata: metadata.clone(),
    })
}

/// Reads a stored event back into the domain enum.
///
/// Only schema versions this build knows are accepted; when a payload's shape changes, upcast the
/// older versions here before deserialising.
pub fn decode<E: DomainEvent>(recorded: &RecordedEvent) -> Result<E, ExecuteError> {
    let fail = |reason: String| ExecuteError::Decode {
        position: recorded.position,
        event_type: recorded.event_type.clone(),
        schema_version: recorded.schema_version,
        reason,
    };
    // Deserialised straight from the borrowed payload (no copy of it): a map of `type` and
    // `data`, as serde's adjacent tagging expects.
    let tag = Value::String(recorded.event_type.clone());
    let read = |with_data: bool| {
        let mut entries = vec![("type", &tag)];
        if with_data {
            entries.push(("data", &recorded.payload));
        }
        E::deserialize(MapDeserializer::<_, serde_json::Error>::new(
            entries.into_iter(),
        ))
    };
    let parsed = read(true).or_else(|first| {
        // Unit variants serialise without `data`; they are stored with an empty object.
        if recorded.payload.as_object().is_some_and(Map::is_empty) {
            read(false).map_err(|_| first)
        } else {
            Err(first)
        }
    });
    let event = parsed.map_err(|e| fail(e.to_string()))?;
    if i32::from(event.schema_version()) != recorded.schema_version {
        return Err(fail(format!(
            "this build reads schema version {} only; add an upcaster",
            event.schema_version()
        )));
    }
    Ok(event)
}
