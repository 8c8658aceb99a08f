//! Pretty-printing of schemas with a stable, readable key order.
//!
//! `serde_json::Map` is sorted unless some crate in the build enables serde_json's
//! `preserve_order` feature (cargo unifies features across the build), so printing a `Value` as
//! is could change `docs/events.md` with an unrelated dependency. This serialiser chooses the
//! order itself: schema keywords in a conventional order (`$schema`, `title`, `description`,
//! `type`, … `properties`, `required`, … `$defs`), properties in the order of `required` (the
//! declaration order, as the serialize contract requires every field), everything else sorted.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value};

/// Schema keywords in the order they are printed; others follow alphabetically.
const KEYWORD_ORDER: &[&str] = &[
    "$schema",
    "$id",
    "title",
    "description",
    "$ref",
    "type",
    "format",
    "const",
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "exclusiveMinimum",
    "maximum",
    "exclusiveMaximum",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "properties",
    "required",
    "additionalProperties",
    "oneOf",
    "anyOf",
    "allOf",
    "$defs",
];

/// `serde_json::to_string_pretty` of `schema`, keys in the order described in the module docs.
pub(crate) fn to_string_pretty(schema: &Value) -> String {
    let node = Node {
        value: schema,
        kind: Kind::Schema,
    };
    // Serialising a `Value` cannot fail: every map key is a string.
    serde_json::to_string_pretty(&node).unwrap_or_default()
}

/// What a JSON value is, which decides how its object keys are ordered.
#[derive(Clone, Copy)]
enum Kind<'a> {
    /// A (sub)schema.
    Schema,
    /// A `properties` object; `required` lists the names in declaration order.
    Properties(&'a [Value]),
    /// A name → schema map such as `$defs`.
    SchemaMap,
    /// An array of schemas (`oneOf`, `anyOf`, `allOf`, `prefixItems`).
    SchemaList,
    /// Anything else (`enum` values, examples, …): keys sorted.
    Plain,
}

struct Node<'a> {
    value: &'a Value,
    kind: Kind<'a>,
}

impl Serialize for Node<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.value {
            Value::Object(map) => {
                let keys = ordered_keys(map, self.kind);
                let mut out = serializer.serialize_map(Some(keys.len()))?;
                for key in keys {
                    if let Some(value) = map.get(key) {
                        let kind = child_kind(map, key, self.kind);
                        out.serialize_entry(key, &Node { value, kind })?;
                    }
                }
                out.end()
            }
            Value::Array(items) => {
                let kind = match self.kind {
                    Kind::SchemaList => Kind::Schema,
                    _ => Kind::Plain,
                };
                let mut out = serializer.serialize_seq(Some(items.len()))?;
                for value in items {
                    out.serialize_element(&Node { value, kind })?;
                }
                out.end()
            }
            other => other.serialize(serializer),
        }
    }
}

fn ordered_keys<'a>(map: &'a Map<String, Value>, kind: Kind<'_>) -> Vec<&'a str> {
    let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
    match kind {
        Kind::Schema => keys.sort_by_key(|k| (rank(KEYWORD_ORDER, k), *k)),
        Kind::Properties(required) => {
            keys.sort_by_key(|k| (rank_in_values(required, k), *k));
        }
        Kind::SchemaMap | Kind::SchemaList | Kind::Plain => keys.sort_unstable(),
    }
    keys
}

fn child_kind<'a>(parent: &'a Map<String, Value>, key: &str, kind: Kind<'a>) -> Kind<'a> {
    match kind {
        Kind::Schema => match key {
            "properties" => Kind::Properties(
                parent
                    .get("required")
                    .and_then(Value::as_array)
                    .map_or(&[], Vec::as_slice),
            ),
            "$defs" | "definitions" | "patternProperties" => Kind::SchemaMap,
            "oneOf" | "anyOf" | "allOf" | "prefixItems" => Kind::SchemaList,
            "items" | "additionalProperties" | "not" | "if" | "then" | "else" | "contains" => {
                Kind::Schema
            }
            _ => Kind::Plain,
        },
        Kind::Properties(_) | Kind::SchemaMap => Kind::Schema,
        Kind::SchemaList | Kind::Plain => Kind::Plain,
    }
}

fn rank(order: &[&str], key: &str) -> usize {
    order.iter().position(|k| *k == key).unwrap_or(order.len())
}

fn rank_in_values(order: &[Value], key: &str) -> usize {
    order
        .iter()
        .position(|k| k.as_str() == Some(key))
        .unwrap_or(order.len())
}
