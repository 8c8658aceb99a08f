//! The JSON Schemas of the use cases' inputs and views in the OpenAPI document: an order's
//! content, opening hours, and the enumerations the inputs accept as strings. The inputs and
//! views derive `utoipa::ToSchema` here, next to their definitions; serving the document is the
//! api crate's.
//!
//! The domain derives JSON Schemas with `schemars` (it knows nothing of HTTP), and utoipa cannot
//! read those derives. So the handlers' annotations name *stand-ins* ([`OrderContentInput`],
//! [`OrderStatus`], …: empty types registered under the domain type's name), and [`replace`]
//! swaps every stand-in's component for the schema `schemars` derives from the domain type with
//! the *deserialize* contract, i.e. exactly what the server accepts. The definitions those
//! schemas refer to become components of their own. OpenAPI 3.1 schemas are JSON Schema 2020-12,
//! the dialect schemars writes, so nothing is translated.
//!
//! Hazard: a schemars definition and a utoipa schema of the same name would overwrite each
//! other; [`replace`] refuses to (it keeps utoipa's and the api crate's OpenAPI test fails).

use portal_domain::values;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value};
use std::borrow::Cow;
use utoipa::openapi::{ObjectBuilder, RefOr, Schema};

/// The description every stand-in carries until [`replace`] swaps it, so a stand-in that was
/// not swapped is easy to find (the api crate's OpenAPI test looks for it).
pub const STAND_IN: &str = "stand-in for a domain schema";

macro_rules! stand_ins {
    ($($(#[$doc:meta])* $name:ident => $domain:ty;)*) => {
        $(
            $(#[$doc])*
            pub struct $name;

            impl utoipa::PartialSchema for $name {
                fn schema() -> RefOr<Schema> {
                    ObjectBuilder::new().description(Some(STAND_IN)).into()
                }
            }

            impl utoipa::ToSchema for $name {
                fn name() -> Cow<'static, str> {
                    Cow::Borrowed(stringify!($name))
                }
            }
        )*

        /// Adds the schema of every domain type above to `generator`'s definitions.
        fn define_all(generator: &mut SchemaGenerator) {
            $( define::<$domain>(generator, stringify!($name)); )*
        }
    };
}

stand_ins! {
    /// The body of `POST /api/v1/orders` and `PUT /api/v1/orders/{id}`.
    OrderContentInput => values::OrderContentInput;
    /// One opening period of a location: `{weekday, opens, closes}`.
    OpeningPeriodInput => values::OpeningPeriodInput;
    /// An order's status.
    OrderStatus => portal_domain::order::OrderStatus;
    /// A customer's status.
    CustomerStatus => portal_domain::customer::CustomerStatus;
    /// A contact's role.
    ContactRole => portal_domain::contact::ContactRole;
    /// The label sheet format.
    LabelFormat => portal_domain::printer::LabelFormat;
    /// How labels are printed.
    OutputKind => portal_domain::printer::OutputKind;
    /// The paper format of documents (CMR).
    DocumentFormat => portal_domain::printer::DocumentFormat;
    /// How a kind of email reaches the user: `immediate`, `daily` (one digest at 07:00 in the
    /// user's time zone) or `off`.
    Delivery => portal_domain::contact::Delivery;
}

/// Words the API reads from strings of its own (no domain type behind them).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ChargeDecision {
    Approved,
    Rejected,
}

/// The switch a bulk quick action sets.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum BulkField {
    PortalEnabled,
    ShowCharges,
}

/// Who sees a carrier location on the portal.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum VisibilityKind {
    CustomerOnly,
    AllPortalCustomers,
    NotOnPortal,
}

/// The file format of an export.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

/// An order's printable document.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum DocumentKind {
    Label,
    Cmr,
}

/// Defines `T` under `name`; the schemars name of the type must be that name (checked by the
/// api crate's OpenAPI test through the absence of stand-ins).
fn define<T: JsonSchema>(generator: &mut SchemaGenerator, name: &str) {
    let reference = generator.subschema_for::<T>().to_value();
    // A type schemars inlines (no `$ref`) is defined here under the stand-in's name.
    if reference.get("$ref").is_none() {
        generator
            .definitions_mut()
            .insert(name.to_owned(), reference);
    }
}

/// The schemas of the stand-ins and everything they refer to, by component name, with `$ref`s
/// pointing at `#/components/schemas/…`.
pub fn domain_schemas() -> Map<String, Value> {
    let mut settings = SchemaSettings::draft2020_12().for_deserialize();
    settings.definitions_path = "/components/schemas/".into();
    let mut generator = settings.into_generator();
    define_all(&mut generator);
    generator.take_definitions(true)
}

/// Swaps the stand-ins of the serialised document `doc` for the domain's schemas.
pub fn replace(doc: &mut Value) {
    let Some(components) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for (name, schema) in domain_schemas() {
        let free = components
            .get(&name)
            .is_none_or(|existing| existing.get("description") == Some(&STAND_IN.into()));
        if free {
            components.insert(name, schema);
        }
    }
}
