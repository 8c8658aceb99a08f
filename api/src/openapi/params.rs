//! The parameters' rules that the handlers' annotations do not carry, written into the served
//! document so that it says exactly what the server accepts.
//!
//! - Every free-text query parameter (a string without `enum`, `format` or `pattern`) refuses
//!   control characters: the one query extractor ([`crate::web::Query`]) answers 422 for any
//!   (`char::is_control`: C0, DEL and C1), so the schema says so once, here, for all of them.
//! - A blank value of an optional query parameter means "not given" (the pages' filter forms
//!   send their empty fields), so a parameter whose schema a blank string does not already
//!   satisfy (a number, a boolean, an enum, a UUID) also admits `""`.
//! - The `Idempotency-Key` header is 1–200 printable ASCII characters without spaces, as
//!   [`crate::commands::IdempotencyKey`] checks.
//!
//! Contract: runs on the serialised document after [`super::inputs::replace`]; it only narrows
//! string schemas, never widens or removes anything.

use serde_json::{Value, json};

/// What the query extractor accepts in a value: no `Cc` character.
pub const NO_CONTROL_CHARACTERS: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$";

/// What an idempotency key may be.
pub const IDEMPOTENCY_KEY: &str = "^[!-~]{1,200}$";

/// Narrows the parameters of every operation in `doc`.
pub fn constrain(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for operation in item.values_mut() {
            let Some(parameters) = operation
                .get_mut("parameters")
                .and_then(Value::as_array_mut)
            else {
                continue;
            };
            for parameter in parameters {
                narrow(parameter);
            }
        }
    }
}

fn narrow(parameter: &mut Value) {
    let place = parameter["in"].as_str().unwrap_or_default().to_owned();
    let name = parameter["name"].as_str().unwrap_or_default().to_owned();
    let Some(schema) = parameter.get_mut("schema").and_then(Value::as_object_mut) else {
        return;
    };
    if place == "header" && name == "Idempotency-Key" {
        schema.insert("pattern".into(), json!(IDEMPOTENCY_KEY));
        schema.insert("minLength".into(), json!(1));
        schema.insert("maxLength".into(), json!(200));
        return;
    }
    let free_text = is_string(schema.get("type"))
        && !["enum", "format", "pattern", "$ref"]
            .iter()
            .any(|k| schema.contains_key(*k));
    if place != "query" {
        return;
    }
    if free_text {
        schema.insert("pattern".into(), json!(NO_CONTROL_CHARACTERS));
    } else if parameter["required"] != json!(true) {
        let given = parameter["schema"].take();
        parameter["schema"] = json!({"anyOf": [given, {"type": "string", "maxLength": 0}]});
    }
}

fn is_string(kind: Option<&Value>) -> bool {
    match kind {
        Some(Value::String(s)) => s == "string",
        Some(Value::Array(kinds)) => kinds.iter().any(|k| k == "string"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn free_text_queries_and_the_idempotency_key_are_narrowed() {
        let doc = crate::openapi::spec();
        let customers = &doc["paths"]["/api/v1/customers"];
        let q = customers["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "q")
            .unwrap();
        assert_eq!(q["schema"]["pattern"], NO_CONTROL_CHARACTERS);
        let key = customers["post"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "Idempotency-Key")
            .unwrap();
        assert_eq!(key["schema"]["pattern"], IDEMPOTENCY_KEY);
        // An enum keeps its values and gains no pattern.
        let status = customers["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "status")
            .unwrap();
        assert!(status["schema"].get("pattern").is_none(), "{status}");
        // A number or an enum may also be blank.
        let limit = customers["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "limit")
            .unwrap();
        assert_eq!(limit["schema"]["anyOf"][0]["maximum"], 500, "{limit}");
        assert_eq!(limit["schema"]["anyOf"][1]["maxLength"], 0, "{limit}");
    }

    fn accepted(key: &str) -> bool {
        crate::commands::IdempotencyKey(Some(key.to_owned()))
            .for_request(&"body")
            .is_ok()
    }

    #[test]
    fn the_patterns_agree_with_the_server() {
        let no_control = regex::Regex::new(NO_CONTROL_CHARACTERS).unwrap();
        for text in ["Nordic Timber", "Åre ☃", ""] {
            assert!(no_control.is_match(text), "{text:?}");
            assert!(text.chars().all(|c| !c.is_control()));
        }
        for text in ["a\u{0}b", "\t", "x\u{7f}", "\u{85}"] {
            assert!(!no_control.is_match(text), "{text:?}");
            assert!(text.chars().any(char::is_control));
        }
        let key = regex::Regex::new(IDEMPOTENCY_KEY).unwrap();
        for text in ["k-1", "~!", &"a".repeat(200)] {
            assert!(key.is_match(text));
            assert!(accepted(text), "{text}");
        }
        for text in ["", "a b", "ä", &"a".repeat(201)] {
            assert!(!key.is_match(text));
            assert!(!accepted(text), "{text}");
        }
    }
}
