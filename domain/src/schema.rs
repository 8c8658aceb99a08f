//! JSON Schemas of the event payloads, generated from the code with `schemars`, and the event
//! catalog that `docs/events.md` is rendered from (see `domain/tests/events_doc.rs`).
//!
//! The schemas describe what serde *writes* (schemars' serialize contract): that is what the event
//! log stores and what NATS subscribers receive. Every field is therefore `required`, and an
//! absent optional value is `null`. Values that travel as strings (ids, [`Name`], [`Email`],
//! country and currency codes, …) are strings in the schema, with `format`, `pattern` or length
//! limits where the validator makes them obvious.
//!
//! Foreign types (`time`'s dates, times of day and instants) carry explicit wire formats
//! ([`crate::values::serde_time`]); the `…_schema` functions here describe those formats and are
//! used with `#[schemars(schema_with = "…")]` beside the matching `#[serde(with = "…")]`.
//!
//! [`Name`]: crate::values::Name
//! [`Email`]: crate::values::Email

mod ordered;
#[cfg(test)]
mod tests;

use crate::contact::Contact;
use crate::customer::Customer;
use crate::location::Location;
use crate::order::Order;
use crate::printer::PrinterConfig;
use crate::tenant::Tenant;
use crate::user::User;
use crate::{Aggregate, DomainEvent};
use schemars::generate::{Contract, SchemaSettings};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The JSON Schema dialect of every schema in the catalog.
pub const META_SCHEMA: &str = "https://json-schema.org/draft/2020-12/schema";

/// One event type as outside subscribers see it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDoc {
    /// The aggregate's [`Aggregate::CATEGORY`], e.g. `"order"`; part of the NATS subject.
    pub category: &'static str,
    /// The stable type name, e.g. `"OrderSubmitted"` (one of [`DomainEvent::TYPES`]).
    pub event_type: &'static str,
    /// The schema version events of this type are written with today.
    pub schema_version: u16,
    /// The JSON Schema (draft 2020-12) of the event's `data` object: the payload stored in the
    /// log and published as the CloudEvent's `data`. Self-contained: the definitions it refers
    /// to are in its own `$defs`.
    pub schema: Value,
}

impl EventDoc {
    /// The NATS subject below the subject prefix: `<tenant>.<category>.<EventType>`.
    pub fn subject(&self, prefix: &str, tenant: &str) -> String {
        format!("{prefix}.{tenant}.{}.{}", self.category, self.event_type)
    }

    /// The CloudEvents `type`: `portal.<category>.<EventType>.v<schema_version>`.
    pub fn cloud_event_type(&self) -> String {
        format!(
            "portal.{}.{}.v{}",
            self.category, self.event_type, self.schema_version
        )
    }

    /// [`Self::schema`] pretty-printed with a stable key order (independent of serde_json's
    /// `preserve_order` feature): keywords in a conventional order, properties in declaration
    /// order, definitions alphabetically.
    pub fn schema_json(&self) -> String {
        ordered::to_string_pretty(&self.schema)
    }
}

/// Every event type of every aggregate, grouped by category (in the order of the crate's
/// modules), each category's types in [`DomainEvent::TYPES`] order.
pub fn event_catalog() -> Vec<EventDoc> {
    let mut docs = Vec::new();
    docs.extend(catalog_of::<Tenant>());
    docs.extend(catalog_of::<Customer>());
    docs.extend(catalog_of::<Contact>());
    docs.extend(catalog_of::<Order>());
    docs.extend(catalog_of::<Location>());
    docs.extend(catalog_of::<PrinterConfig>());
    docs.extend(catalog_of::<User>());
    docs
}

/// The catalog entries of one aggregate.
pub fn catalog_of<A: Aggregate>() -> Vec<EventDoc>
where
    A::Event: JsonSchema,
{
    let mut payloads = payload_schemas::<A::Event>();
    A::Event::TYPES
        .iter()
        .map(|event_type| EventDoc {
            category: A::CATEGORY,
            event_type,
            schema_version: schema_version(A::CATEGORY, event_type),
            // A type without a variant schema is a bug the unit tests catch; `null` is no schema.
            schema: payloads.remove(*event_type).unwrap_or(Value::Null),
        })
        .collect()
}

/// Event types whose current schema version is not 1, as `(category, event_type, version)`.
///
/// [`DomainEvent::schema_version`] is a method of an event *value*; the catalog has only types,
/// so a type that bumps its version must be listed here as well. The unit tests compare this
/// with a sample event of every type.
const SCHEMA_VERSIONS: &[(&str, &str, u16)] = &[];

fn schema_version(category: &str, event_type: &str) -> u16 {
    SCHEMA_VERSIONS
        .iter()
        .find(|(c, t, _)| *c == category && *t == event_type)
        .map_or(1, |(_, _, v)| *v)
}

/// The schema of each variant's `data` object, by event type, cut out of the schema of the whole
/// adjacently tagged enum (`oneOf` of `{"type": <const>, "data": <payload>}`).
pub(crate) fn payload_schemas<E: DomainEvent + JsonSchema>() -> BTreeMap<String, Value> {
    let generator = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    let root = generator.into_root_schema_for::<E>().to_value();
    let empty = Map::new();
    let defs = root
        .get("$defs")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let variants = root.get("oneOf").and_then(Value::as_array);
    let mut out = BTreeMap::new();
    for variant in variants.into_iter().flatten() {
        let tag = variant
            .pointer("/properties/type/const")
            .or_else(|| variant.pointer("/properties/type/enum/0"))
            .and_then(Value::as_str);
        let (Some(tag), Some(Value::Object(data))) = (tag, variant.pointer("/properties/data"))
        else {
            continue;
        };
        out.insert(
            tag.to_owned(),
            payload_schema(tag, variant.get("description"), data, defs),
        );
    }
    out
}

/// A self-contained schema: `$schema`, a title, the variant's doc comment, the payload schema,
/// and the definitions it needs (transitively).
fn payload_schema(
    tag: &str,
    description: Option<&Value>,
    data: &Map<String, Value>,
    defs: &Map<String, Value>,
) -> Value {
    let mut schema = Map::new();
    schema.insert("$schema".into(), META_SCHEMA.into());
    schema.insert("title".into(), tag.into());
    if let Some(d) = description {
        schema.insert("description".into(), d.clone());
    }
    schema.extend(data.clone());
    let mut needed = BTreeSet::new();
    let mut pending = Vec::new();
    collect_refs(&Value::Object(data.clone()), &mut pending);
    while let Some(name) = pending.pop() {
        if let Some(def) = defs.get(&name)
            && needed.insert(name)
        {
            collect_refs(def, &mut pending);
        }
    }
    if !needed.is_empty() {
        let used: Map<String, Value> = needed
            .into_iter()
            .filter_map(|n| defs.get(&n).map(|d| (n, d.clone())))
            .collect();
        schema.insert("$defs".into(), Value::Object(used));
    }
    Value::Object(schema)
}

/// Pushes the definition names of every `"$ref": "#/$defs/<name>"` inside `value`.
fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => {
                        if let Some(name) = r.strip_prefix("#/$defs/") {
                            out.push(name.replace("~1", "/").replace("~0", "~"));
                        }
                    }
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

fn schema_from(value: Value) -> Schema {
    match value {
        Value::Object(map) => Schema::from(map),
        _ => Schema::default(),
    }
}

/// An instant written by `time::serde::rfc3339`: `"2025-03-14T08:30:00Z"`, always UTC.
pub fn date_time_schema(_: &mut SchemaGenerator) -> Schema {
    schema_from(json!({"type": "string", "format": "date-time"}))
}

/// A calendar date written by [`crate::values::serde_time::date`]: `"2025-03-14"`.
pub fn date_schema(_: &mut SchemaGenerator) -> Schema {
    schema_from(json!({"type": "string", "format": "date"}))
}

/// An optional calendar date ([`crate::values::serde_time::date_opt`]): a date or `null`.
pub fn optional_date_schema(_: &mut SchemaGenerator) -> Schema {
    schema_from(json!({"type": ["string", "null"], "format": "date"}))
}

/// A time of day written by [`crate::values::serde_time::hm`]: `"08:30"`. Reading also accepts
/// seconds (`"08:30:15"`, dropped), which the deserialize contract says.
pub fn time_of_day_schema(generator: &mut SchemaGenerator) -> Schema {
    let pattern = match generator.contract() {
        Contract::Serialize => "^([01][0-9]|2[0-3]):[0-5][0-9]$",
        _ => "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
    };
    schema_from(json!({"type": "string", "pattern": pattern}))
}

/// A day of the week written by [`crate::values::serde_time::weekday`]: `"monday"` … `"sunday"`.
pub fn weekday_schema(_: &mut SchemaGenerator) -> Schema {
    let days = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    schema_from(json!({"type": "string", "enum": days}))
}
