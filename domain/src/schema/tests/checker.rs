//! A small structural JSON Schema checker for the keywords the catalog uses, so the tests can
//! check that sample events match their documented schema without a validator dependency.
//!
//! Checked: `$ref` (into the schema's own `$defs`), `type`, `enum`, `const`, `properties` (no
//! undocumented keys), `required`, `items`, `anyOf`, `oneOf`, string lengths, numeric bounds,
//! array sizes, `uniqueItems`, and the formats `uuid`, `date`, `date-time` and `email`.
//! Not checked: `pattern` (no regex engine here).

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// Every mismatch between `value` and `schema` (a self-contained schema with its own `$defs`).
pub fn violations(schema: &Value, value: &Value) -> Vec<String> {
    let empty = Map::new();
    let defs = schema
        .get("$defs")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut errors = Vec::new();
    check(defs, schema, value, "$", &mut errors);
    errors
}

fn check(
    defs: &Map<String, Value>,
    schema: &Value,
    value: &Value,
    at: &str,
    errors: &mut Vec<String>,
) {
    let Some(schema) = schema.as_object() else {
        if schema == &Value::Bool(false) {
            errors.push(format!("{at}: schema `false` accepts nothing"));
        }
        return;
    };
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        match reference.strip_prefix("#/$defs/").and_then(|n| defs.get(n)) {
            Some(def) => check(defs, def, value, at, errors),
            None => errors.push(format!("{at}: unresolved $ref {reference}")),
        }
    }
    if let Some(ty) = schema.get("type") {
        let allowed: Vec<&str> = match ty {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        if !allowed.iter().any(|t| has_type(value, t)) {
            errors.push(format!("{at}: {value} is not of type {ty}"));
        }
    }
    if let Some(Value::Array(options)) = schema.get("enum")
        && !options.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {options:?}"));
    }
    if let Some(c) = schema.get("const")
        && c != value
    {
        errors.push(format!("{at}: {value} is not {c}"));
    }
    for (keyword, at_least_one, exactly_one) in [("anyOf", true, false), ("oneOf", true, true)] {
        if let Some(Value::Array(options)) = schema.get(keyword) {
            let passing = options
                .iter()
                .filter(|o| {
                    let mut e = Vec::new();
                    check(defs, o, value, at, &mut e);
                    e.is_empty()
                })
                .count();
            if (at_least_one && passing == 0) || (exactly_one && passing > 1) {
                errors.push(format!(
                    "{at}: {passing} of the {keyword} options match {value}"
                ));
            }
        }
    }
    match value {
        Value::Object(object) => check_object(defs, schema, object, at, errors),
        Value::Array(items) => check_array(defs, schema, items, at, errors),
        Value::String(s) => check_string(schema, s, at, errors),
        Value::Number(n) => check_number(schema, n.as_f64().unwrap_or(f64::NAN), at, errors),
        _ => {}
    }
}

fn has_type(value: &Value, ty: &str) -> bool {
    match ty {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => false,
    }
}

fn check_object(
    defs: &Map<String, Value>,
    schema: &Map<String, Value>,
    object: &Map<String, Value>,
    at: &str,
    errors: &mut Vec<String>,
) {
    if let Some(Value::Array(required)) = schema.get("required") {
        for name in required.iter().filter_map(Value::as_str) {
            if !object.contains_key(name) {
                errors.push(format!("{at}: required `{name}` is missing"));
            }
        }
    }
    if let Some(Value::Object(properties)) = schema.get("properties") {
        for (key, v) in object {
            match properties.get(key) {
                Some(p) => check(defs, p, v, &format!("{at}.{key}"), errors),
                None => errors.push(format!("{at}: `{key}` is not in the schema")),
            }
        }
    }
}

fn check_array(
    defs: &Map<String, Value>,
    schema: &Map<String, Value>,
    items: &[Value],
    at: &str,
    errors: &mut Vec<String>,
) {
    if let Some(item_schema) = schema.get("items") {
        for (i, item) in items.iter().enumerate() {
            check(defs, item_schema, item, &format!("{at}[{i}]"), errors);
        }
    }
    let len = items.len() as f64;
    bound(schema, "minItems", at, errors, |min| len >= min);
    bound(schema, "maxItems", at, errors, |max| len <= max);
    if schema.get("uniqueItems") == Some(&Value::Bool(true))
        && items
            .iter()
            .enumerate()
            .any(|(i, a)| items[..i].contains(a))
    {
        errors.push(format!("{at}: items are not unique"));
    }
}

fn check_string(schema: &Map<String, Value>, s: &str, at: &str, errors: &mut Vec<String>) {
    let len = s.chars().count() as f64;
    bound(schema, "minLength", at, errors, |min| len >= min);
    bound(schema, "maxLength", at, errors, |max| len <= max);
    let ok = match schema.get("format").and_then(Value::as_str) {
        Some("uuid") => uuid::Uuid::parse_str(s).is_ok(),
        Some("date-time") => OffsetDateTime::parse(s, &Rfc3339).is_ok(),
        Some("date") => time::Date::parse(s, format_description!("[year]-[month]-[day]")).is_ok(),
        Some("email") => s
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.')),
        _ => true,
    };
    if !ok {
        errors.push(format!(
            "{at}: {s:?} does not have the format {:?}",
            schema.get("format")
        ));
    }
}

fn check_number(schema: &Map<String, Value>, n: f64, at: &str, errors: &mut Vec<String>) {
    bound(schema, "minimum", at, errors, |min| n >= min);
    bound(schema, "maximum", at, errors, |max| n <= max);
    bound(schema, "exclusiveMinimum", at, errors, |min| n > min);
    bound(schema, "exclusiveMaximum", at, errors, |max| n < max);
}

fn bound(
    schema: &Map<String, Value>,
    keyword: &str,
    at: &str,
    errors: &mut Vec<String>,
    holds: impl Fn(f64) -> bool,
) {
    if let Some(limit) = schema.get(keyword).and_then(Value::as_f64)
        && !holds(limit)
    {
        errors.push(format!("{at}: {keyword} {limit} violated"));
    }
}
