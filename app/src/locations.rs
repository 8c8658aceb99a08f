//! Carrier locations (the carrier's own depots, warehouses, hubs) with their portal visibility:
//! this customer only, all portal customers, or not on the portal. A location that orders of two
//! or more customers use cannot be narrowed to one customer (the domain's rule, with
//! `used_by_customers` from the locations read model).
//!
//! Customers' own address books are the portal users' (`/api/v1/locations`), not handled here.

use super::customers::load_customer;
use super::{Fields, checked, creation_id, staff_only, stream};
use crate::Context;
use crate::Error;
use crate::Principal;
use crate::commands::{run, run_many};
use portal_domain::location::{
    Location, LocationCommand, LocationOwner, LocationState, LocationVisibility,
};
use portal_domain::values::{Address, AddressInput, Name, OpeningHours, OpeningPeriodInput};
use portal_domain::{Aggregate, CustomerId, LocationId};
use portal_eventlog::Idempotency;
use portal_eventlog::executor::load;
use portal_projections::models::locations;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Who sees a carrier location on the portal: `kind` is `customer_only` (with `customer_id`),
/// `all_portal_customers` or `not_on_portal`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VisibilityInput {
    #[serde(default)]
    #[schema(value_type = crate::schema::VisibilityKind)]
    pub kind: String,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub customer_id: Option<String>,
}

/// A postal address; `country` is an ISO 3166 alpha-2 code or the country's English name (stored
/// and answered as the code). Every field may be missing from the
/// JSON (then it is reported as a field error, e.g. `address.street`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct AddressBody {
    pub name: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

/// Reads an address whose fields may be missing.
pub(crate) fn lenient_address<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<AddressInput, D::Error> {
    AddressBody::deserialize(d).map(Into::into)
}

impl From<AddressBody> for AddressInput {
    fn from(a: AddressBody) -> Self {
        Self {
            name: a.name,
            street: a.street,
            postal_code: a.postal_code,
            city: a.city,
            country: a.country,
            contact_name: a.contact_name,
            contact_phone: a.contact_phone,
        }
    }
}

/// `POST /api/v1/carrier-locations` and `PUT /api/v1/carrier-locations/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CarrierLocationInput {
    #[serde(default)]
    pub name: String,
    /// `{name, street, postal_code, city, country, contact_name?, contact_phone?}` (see
    /// [`AddressBody`]: missing fields are field errors, not a rejected body).
    #[serde(default, deserialize_with = "lenient_address")]
    #[schema(value_type = AddressBody)]
    pub address: AddressInput,
    /// `[{weekday: "monday", opens: "08:00", closes: "17:00"}, …]`.
    #[serde(default)]
    #[schema(value_type = Vec<crate::schema::OpeningPeriodInput>)]
    pub opening_hours: Vec<OpeningPeriodInput>,
    /// Site instructions for drivers (gate, ramp, booking); ≤ 2,000 characters, may span lines.
    #[serde(default)]
    pub instructions: Option<String>,
    #[serde(default)]
    pub visibility: VisibilityInput,
}

/// A location as the write side knows it right after a command.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LocationView {
    #[schema(value_type = String, format = Uuid)]
    pub location_id: LocationId,
    pub name: String,
    #[schema(value_type = Object)]
    pub address: Option<Address>,
    #[schema(value_type = Vec<Object>)]
    pub opening_hours: OpeningHours,
    pub instructions: Option<String>,
    /// `{kind, customer_id?}`.
    #[schema(value_type = Object)]
    pub visibility: Option<LocationVisibility>,
    pub archived: bool,
}

impl LocationView {
    pub(crate) fn of(state: &LocationState) -> Option<Self> {
        Some(Self {
            location_id: state.location_id?,
            name: state.name.as_ref()?.to_string(),
            address: state.address.clone(),
            opening_hours: state.opening_hours.clone(),
            instructions: state.instructions.clone(),
            visibility: state.visibility,
            archived: state.archived,
        })
    }
}

struct Valid {
    name: Name,
    address: Address,
    opening_hours: OpeningHours,
    visibility: LocationVisibility,
}

async fn validate(
    cx: &Context,
    principal: &Principal,
    input: &CarrierLocationInput,
) -> Result<Valid, Error> {
    let mut fields = Fields::default();
    let name = fields.take(Name::parse(&input.name));
    let address = fields.take_all(Some("address"), Address::new(input.address.clone()));
    let hours = fields.take_all(None, OpeningHours::new(input.opening_hours.clone()));
    let v = &input.visibility;
    let visibility = match v.kind.trim() {
        "all_portal_customers" => Some(LocationVisibility::AllPortalCustomers),
        "not_on_portal" => Some(LocationVisibility::NotOnPortal),
        "customer_only" => {
            let raw = v.customer_id.as_deref().unwrap_or_default().trim();
            match raw.parse::<CustomerId>() {
                Err(_) => {
                    fields.push("visibility.customer_id", "is not a customer id");
                    None
                }
                Ok(customer_id) => match load_customer(cx, principal, customer_id).await {
                    Ok(_) => Some(LocationVisibility::CustomerOnly { customer_id }),
                    Err(Error::NotFound) => {
                        fields.push("visibility.customer_id", "is not a customer of yours");
                        None
                    }
                    Err(e) => return Err(e),
                },
            }
        }
        _ => {
            fields.push(
                "visibility.kind",
                "must be customer_only, all_portal_customers or not_on_portal",
            );
            None
        }
    };
    fields.finish()?;
    Ok(Valid {
        name: checked(name)?,
        address: checked(address)?,
        opening_hours: checked(hours)?,
        visibility: checked(visibility)?,
    })
}

/// The carrier's locations, sorted by name (archived ones only when asked).
pub async fn list(
    cx: &Context,
    principal: &Principal,
    include_archived: bool,
) -> Result<Vec<locations::LocationRow>, Error> {
    staff_only(principal)?;
    Ok(locations::carrier_locations(&cx.read, principal.tenant(), include_archived).await?)
}

/// Adds a carrier location; the new location.
pub async fn create(
    cx: &Context,
    principal: &Principal,
    input: &CarrierLocationInput,
    idempotency: Option<Idempotency>,
) -> Result<LocationView, Error> {
    staff_only(principal)?;
    let v = validate(cx, principal, input).await?;
    let id =
        LocationId(creation_id(cx, principal, Location::CATEGORY, idempotency.as_ref()).await?);
    let command = LocationCommand::AddLocation {
        location_id: id,
        owner: LocationOwner::Carrier,
        name: v.name,
        address: v.address,
        opening_hours: v.opening_hours,
        instructions: input.instructions.clone(),
        visibility: v.visibility,
    };
    let done = run::<Location>(
        cx,
        principal,
        &stream::<Location>(id),
        &command,
        idempotency,
    )
    .await?;
    LocationView::of(&done.state).ok_or(Error::NotFound)
}

/// Updates a carrier location's details and visibility; the location afterwards. Narrowing a
/// location that several customers use to one of them is refused (refused), and then nothing is
/// appended.
pub async fn update(
    cx: &Context,
    principal: &Principal,
    id: LocationId,
    input: &CarrierLocationInput,
    idempotency: Option<Idempotency>,
) -> Result<LocationView, Error> {
    staff_only(principal)?;
    let sid = stream::<Location>(id);
    let (current, version, _) = load::<Location>(&cx.store, &sid, principal.tenant())
        .await
        .map_err(Error::from)?;
    if current.owner != Some(LocationOwner::Carrier) {
        return Err(Error::NotFound);
    }
    let v = validate(cx, principal, input).await?;
    let used_by_customers = locations::used_by_customers(&cx.read, principal.tenant(), id).await?;
    // Details and visibility are one edit of the form: one append, one correlation id.
    let commands = [
        LocationCommand::UpdateLocation {
            name: v.name,
            address: v.address,
            opening_hours: v.opening_hours,
            instructions: input.instructions.clone(),
        },
        LocationCommand::SetLocationVisibility {
            visibility: v.visibility,
            used_by_customers,
        },
    ];
    let after = run_many::<Location>(
        cx,
        principal,
        &sid,
        &commands,
        idempotency,
        Some((current, version)),
    )
    .await?
    .executed
    .state;
    LocationView::of(&after).ok_or(Error::NotFound)
}
