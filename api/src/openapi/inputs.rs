//! The schemas of the use cases' types ([`portal_app::schema`]): the stand-ins for the domain's
//! types, swapped by [`replace`] for the schemas `schemars` derives, and the enumerations the API
//! reads from strings. Kept under this name so the handlers' annotations read as before.

pub use portal_app::schema::*;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_stand_in_is_replaced_and_no_utoipa_schema_is_overwritten() {
        let doc = serde_json::to_value(crate::openapi::spec()).unwrap();
        let text = doc.to_string();
        assert!(!text.contains(STAND_IN), "a stand-in is left");
        assert!(!text.contains("#/$defs/"), "a schemars reference is left");
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        // The domain's definitions must not share a name with an API schema.
        let mut plain = serde_json::to_value(utoipa_only()).unwrap();
        let plain = plain["components"]["schemas"].take();
        for name in domain_schemas().keys() {
            if let Some(existing) = plain.get(name) {
                assert_eq!(
                    existing["description"], STAND_IN,
                    "{name} is both an API schema and a domain definition"
                );
            }
            assert!(schemas.contains_key(name), "{name}");
        }
        // Every reference resolves.
        for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap();
            assert!(schemas.contains_key(name), "dangling reference to {name}");
        }
    }

    #[test]
    fn the_order_body_and_enums_are_typed() {
        let doc = serde_json::to_value(crate::openapi::spec()).unwrap();
        let body = &doc["paths"]["/api/v1/orders"]["post"]["requestBody"]["content"]["application/json"]
            ["schema"];
        assert_eq!(body["$ref"], "#/components/schemas/OrderContentInput");
        let content = &doc["components"]["schemas"]["OrderContentInput"];
        assert!(
            content["properties"]["consignments"].is_object(),
            "{content}"
        );
        let status = doc["components"]["schemas"]["OrderStatus"].to_string();
        assert!(status.contains("in_transit"), "{status}");
    }

    fn utoipa_only() -> utoipa::openapi::OpenApi {
        crate::openapi::document()
    }
}
