//! The customer's address book: its own locations (add, edit, archive), beside the carrier
//! locations the carrier shares with the customer, which portal users see but cannot change.
//!
//! A customer's own location is always visible to that customer only. Editing a location changes
//! what *new* orders copy at submission; submitted orders keep their stops' address snapshots.

use super::{PortalUser, portal_only};
use crate::Context;
use crate::Error;
use crate::Principal;
use crate::commands::run;
use crate::locations::{AddressBody, LocationView, lenient_address};
use crate::{Fields, checked, creation_id, stream};
use portal_domain::location::{
    Location, LocationCommand, LocationOwner, LocationState, LocationVisibility,
};
use portal_domain::values::{Address, AddressInput, Name, OpeningHours, OpeningPeriodInput};
use portal_domain::{Aggregate, LocationId};
use portal_eventlog::Idempotency;
use portal_eventlog::executor::load;
use portal_projections::models::locations::{self, LocationRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /api/v1/locations` and `PUT /api/v1/locations/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AddressBookInput {
    #[serde(default)]
    pub name: String,
    /// `{name, street, postal_code, city, country, contact_name?, contact_phone?}`; `country`
    /// is an ISO 3166 alpha-2 code or the country's English name (stored as the code).
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
}

struct Valid {
    name: Name,
    address: Address,
    opening_hours: OpeningHours,
}

fn validate(input: &AddressBookInput) -> Result<Valid, Error> {
    let mut fields = Fields::default();
    let name = fields.take(Name::parse(&input.name));
    let address = fields.take_all(Some("address"), Address::new(input.address.clone()));
    let hours = fields.take_all(None, OpeningHours::new(input.opening_hours.clone()));
    fields.finish()?;
    Ok(Valid {
        name: checked(name)?,
        address: checked(address)?,
        opening_hours: checked(hours)?,
    })
}

/// The field errors of `input` (empty when valid): for forms that found problems of their own
/// and want to show the rest at once.
pub fn problems(input: &AddressBookInput) -> Vec<portal_domain::FieldError> {
    match validate(input) {
        Ok(_) => Vec::new(),
        Err(Error::Invalid(errors)) => errors,
        Err(_) => Vec::new(),
    }
}

/// The address book: the customer's own locations (archived ones too when asked) and the
/// carrier locations shared with it, sorted by name.
pub async fn list(
    cx: &Context,
    principal: &Principal,
    include_archived: bool,
) -> Result<Vec<LocationRow>, Error> {
    let user = portal_only(principal)?;
    let tenant = principal.tenant();
    let mut rows = locations::for_customer(&cx.read, tenant, user.customer_id).await?;
    if include_archived {
        let own = locations::customer_locations(&cx.read, tenant, user.customer_id, true).await?;
        rows.extend(own.into_iter().filter(|l| l.archived));
    }
    rows.sort_by(|a, b| {
        a.name
            .as_str()
            .to_lowercase()
            .cmp(&b.name.as_str().to_lowercase())
    });
    Ok(rows)
}

/// One location of the address book (own or shared); not found otherwise.
pub async fn get(
    cx: &Context,
    principal: &Principal,
    id: LocationId,
) -> Result<LocationRow, Error> {
    let user = portal_only(principal)?;
    locations::get(
        &cx.read,
        principal.tenant(),
        portal_projections::models::Scope::Customer(user.customer_id),
        id,
    )
    .await?
    .ok_or(Error::NotFound)
}

/// Adds a location to the address book; the new location (201).
pub async fn create(
    cx: &Context,
    principal: &Principal,
    input: &AddressBookInput,
    idempotency: Option<Idempotency>,
) -> Result<LocationView, Error> {
    let user = portal_only(principal)?;
    let v = validate(input)?;
    let id =
        LocationId(creation_id(cx, principal, Location::CATEGORY, idempotency.as_ref()).await?);
    let command = LocationCommand::AddLocation {
        location_id: id,
        owner: LocationOwner::Customer {
            customer_id: user.customer_id,
        },
        name: v.name,
        address: v.address,
        opening_hours: v.opening_hours,
        instructions: input.instructions.clone(),
        visibility: LocationVisibility::CustomerOnly {
            customer_id: user.customer_id,
        },
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

/// The customer's own location `id` from the event log; not found when it is unknown or invisible
/// to the customer, a conflict for a carrier location shared with it (read-only on the portal).
async fn load_own(
    cx: &Context,
    principal: &Principal,
    user: PortalUser,
    id: LocationId,
) -> Result<LocationState, Error> {
    let (location, _, _) = load::<Location>(&cx.store, &stream::<Location>(id), principal.tenant())
        .await
        .map_err(Error::from)?;
    match location.owner {
        Some(LocationOwner::Customer { customer_id }) if customer_id == user.customer_id => {
            Ok(location)
        }
        Some(LocationOwner::Carrier)
            if location
                .visibility
                .is_some_and(|v| v.is_visible_to(user.customer_id)) =>
        {
            Err(Error::Conflict(
                "Carrier locations are shared read-only; ask the carrier to change them".into(),
            ))
        }
        _ => Err(Error::NotFound),
    }
}

/// Edits an own location; the location afterwards. An archived location is a conflict.
pub async fn update(
    cx: &Context,
    principal: &Principal,
    id: LocationId,
    input: &AddressBookInput,
    idempotency: Option<Idempotency>,
) -> Result<LocationView, Error> {
    let user = portal_only(principal)?;
    load_own(cx, principal, user, id).await?;
    let v = validate(input)?;
    let command = LocationCommand::UpdateLocation {
        name: v.name,
        address: v.address,
        opening_hours: v.opening_hours,
        instructions: input.instructions.clone(),
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

/// Archives an own location: it leaves the address book and new orders; orders that used it
/// keep their addresses. Archiving twice is a no-op.
pub async fn archive(
    cx: &Context,
    principal: &Principal,
    id: LocationId,
    idempotency: Option<Idempotency>,
) -> Result<LocationView, Error> {
    let user = portal_only(principal)?;
    load_own(cx, principal, user, id).await?;
    let done = run::<Location>(
        cx,
        principal,
        &stream::<Location>(id),
        &LocationCommand::ArchiveLocation,
        idempotency,
    )
    .await?;
    LocationView::of(&done.state).ok_or(Error::NotFound)
}
