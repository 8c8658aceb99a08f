//! Tests of the event catalog: complete, self-contained, and matching what serde writes for a
//! sample of every event type.
#![allow(clippy::unwrap_used)]

mod checker;
mod samples;

use super::*;
use crate::testkit::id;
use checker::violations;
use samples::*;

/// Checks every sample's `data` against its catalog entry, and its schema version; returns the
/// event types seen.
fn check_samples<A: Aggregate>(catalog: &[EventDoc], samples: &[A::Event]) -> Vec<&'static str> {
    samples
        .iter()
        .map(|event| {
            let json = serde_json::to_value(event).unwrap();
            let doc = catalog
                .iter()
                .find(|d| d.category == A::CATEGORY && d.event_type == event.event_type())
                .unwrap_or_else(|| panic!("no catalog entry for {json}"));
            let errors = violations(&doc.schema, &json["data"]);
            assert!(errors.is_empty(), "{}: {errors:#?}", doc.event_type);
            assert_eq!(doc.schema_version, event.schema_version(), "{json}");
            event.event_type()
        })
        .collect()
}

fn assert_covers<A: Aggregate>(seen: Vec<&'static str>) {
    assert_eq!(seen, A::Event::TYPES, "samples of {}", A::CATEGORY);
}

#[test]
fn a_sample_of_every_event_type_matches_its_schema() {
    let catalog = event_catalog();
    assert_covers::<Tenant>(check_samples::<Tenant>(&catalog, &tenant_samples()));
    assert_covers::<Customer>(check_samples::<Customer>(&catalog, &customer_samples()));
    assert_covers::<Contact>(check_samples::<Contact>(&catalog, &contact_samples()));
    assert_covers::<Order>(check_samples::<Order>(&catalog, &order_samples()));
    assert_covers::<Location>(check_samples::<Location>(&catalog, &location_samples()));
    assert_covers::<PrinterConfig>(check_samples::<PrinterConfig>(&catalog, &printer_samples()));
    assert_covers::<User>(check_samples::<User>(&catalog, &user_samples()));
}

fn assert_one_entry_per_type<A: Aggregate>(catalog: &[EventDoc])
where
    A::Event: JsonSchema,
{
    let listed: Vec<&str> = catalog
        .iter()
        .filter(|d| d.category == A::CATEGORY)
        .map(|d| d.event_type)
        .collect();
    assert_eq!(listed, A::Event::TYPES, "catalog of {}", A::CATEGORY);
    let variants: Vec<String> = payload_schemas::<A::Event>().into_keys().collect();
    let mut types: Vec<&str> = A::Event::TYPES.to_vec();
    types.sort_unstable();
    assert_eq!(variants, types, "enum variants of {}", A::CATEGORY);
}

#[test]
fn the_catalog_has_exactly_one_entry_per_event_type() {
    let catalog = event_catalog();
    assert_one_entry_per_type::<Tenant>(&catalog);
    assert_one_entry_per_type::<Customer>(&catalog);
    assert_one_entry_per_type::<Contact>(&catalog);
    assert_one_entry_per_type::<Order>(&catalog);
    assert_one_entry_per_type::<Location>(&catalog);
    assert_one_entry_per_type::<PrinterConfig>(&catalog);
    assert_one_entry_per_type::<User>(&catalog);
    let categories: Vec<&str> = catalog.iter().map(|d| d.category).collect();
    let mut deduped = categories.clone();
    deduped.dedup();
    assert_eq!(
        deduped,
        [
            "tenant",
            "customer",
            "contact",
            "order",
            "location",
            "printer_config",
            "user"
        ]
    );
    assert_eq!(catalog.len(), 45);
}

#[test]
fn every_schema_is_a_self_contained_object_schema() {
    for doc in event_catalog() {
        let schema = &doc.schema;
        assert_eq!(schema["type"], "object", "{}", doc.event_type);
        assert_eq!(schema["$schema"], META_SCHEMA);
        assert_eq!(schema["title"], doc.event_type);
        let mut refs = Vec::new();
        collect_refs(schema, &mut refs);
        for name in refs {
            assert!(
                schema.pointer(&format!("/$defs/{name}")).is_some(),
                "{}: $ref {name} is not in its $defs",
                doc.event_type
            );
        }
        let required = schema["required"].as_array().unwrap();
        let properties = schema["properties"].as_object().unwrap();
        assert_eq!(required.len(), properties.len(), "{}", doc.event_type);
    }
}

#[test]
fn required_fields_and_wire_formats_are_documented() {
    let catalog = event_catalog();
    let find = |t: &str| catalog.iter().find(|d| d.event_type == t).unwrap();
    let created = &find("CustomerCreated").schema;
    assert_eq!(
        created["required"],
        json!(["customer_id", "name", "code", "status"])
    );
    assert_eq!(
        created["properties"]["code"]["type"],
        json!(["string", "null"])
    );
    assert_eq!(
        created["$defs"]["CustomerId"],
        json!({"description": "A customer of the carrier.", "type": "string", "format": "uuid"})
    );
    let submitted = &find("OrderSubmitted").schema;
    assert_eq!(
        submitted["properties"]["submitted_at"],
        json!({"type": "string", "format": "date-time"})
    );
    assert_eq!(
        submitted["$defs"]["Email"],
        Value::Null,
        "only what it uses"
    );
    let defs = &submitted["$defs"];
    assert_eq!(defs["Stop"]["properties"]["date"]["format"], "date");
    assert_eq!(defs["Name"]["maxLength"], 200);
    assert_eq!(defs["CountryCode"]["pattern"], "^[A-Z]{2}$");
    let granted = &find("ContactAccessGranted").schema;
    assert_eq!(granted["$defs"]["Email"]["format"], "email");
    assert_eq!(
        find("ChargeAdded").schema["$defs"]["Currency"]["type"],
        "string"
    );
}

#[test]
fn the_checker_finds_mismatches() {
    let doc = event_catalog()
        .into_iter()
        .find(|d| d.event_type == "CustomerStatusChanged")
        .unwrap();
    let good = json!({"customer_id": id::<uuid::Uuid>(1), "from": "approved", "to": "blocked"});
    assert!(violations(&doc.schema, &good).is_empty());
    for bad in [
        json!({"customer_id": "not-a-uuid", "from": "approved", "to": "blocked"}),
        json!({"customer_id": id::<uuid::Uuid>(1), "from": "approved"}),
        json!({"customer_id": id::<uuid::Uuid>(1), "from": "approved", "to": "gone"}),
        json!({"customer_id": id::<uuid::Uuid>(1), "from": "approved", "to": "blocked", "x": 1}),
    ] {
        assert!(!violations(&doc.schema, &bad).is_empty(), "{bad}");
    }
}

/// Property names anywhere in `schema`.
fn property_names(schema: &Value, out: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::Object(properties)) = map.get("properties") {
                out.extend(properties.keys().cloned());
            }
            map.values().for_each(|v| property_names(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| property_names(v, out)),
        _ => {}
    }
}

#[test]
fn no_event_carries_secrets() {
    for doc in event_catalog() {
        let mut names = Vec::new();
        property_names(&doc.schema, &mut names);
        for name in names {
            let secret = ["token", "hash", "secret", "session"]
                .iter()
                .any(|w| name.contains(w))
                || name == "password";
            assert!(!secret, "{} has a field `{name}`", doc.event_type);
        }
    }
}

#[test]
fn printed_schemas_keep_declaration_order() {
    let doc = event_catalog()
        .into_iter()
        .find(|d| d.event_type == "CustomerCreated")
        .unwrap();
    let text = doc.schema_json();
    let at = |needle: &str| text.find(needle).unwrap();
    assert!(at("\"$schema\"") < at("\"title\""));
    assert!(at("\"title\"") < at("\"type\": \"object\""));
    assert!(at("\"customer_id\": {") < at("\"name\": {"));
    assert!(at("\"name\": {") < at("\"code\": {"));
    assert!(at("\"required\"") < at("\"$defs\""));
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        doc.schema,
        "same content"
    );
}
