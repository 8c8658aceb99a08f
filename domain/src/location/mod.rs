//! A location: an address-book entry used as a stop in orders. Customers keep their own
//! (customer-owned, visible to that customer only); the carrier keeps locations it can share with
//! one customer, with all portal customers, or keep off the portal.
//!
//! Orders copy a location's address at submission, so updating or archiving a location never
//! changes submitted orders. Archiving hides it for new orders; drafts that still refer to it fail
//! at submission (the handler leaves it out of the addresses it passes).

use crate::error::{DomainError, FieldError};
use crate::ids::{CustomerId, LocationId};
use crate::values::{Address, Name, OpeningHours, check_hidden, check_printable, optional_text};
use crate::{Aggregate, DomainEvent};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[cfg(test)]
mod tests;

/// The location aggregate, stream `location-<uuid>`.
pub struct Location;

/// Who keeps the location. JSON: `{"kind": "customer", "customer_id": "…"}`, `{"kind": "carrier"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    rename_all_fields = "snake_case"
)]
pub enum LocationOwner {
    Customer { customer_id: CustomerId },
    Carrier,
}

impl LocationOwner {
    pub fn customer_id(&self) -> Option<CustomerId> {
        match self {
            Self::Customer { customer_id } => Some(*customer_id),
            Self::Carrier => None,
        }
    }
}

/// Who sees the location on the portal. JSON: `{"kind": "customer_only", "customer_id": "…"}`,
/// `{"kind": "all_portal_customers"}`, `{"kind": "not_on_portal"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    rename_all_fields = "snake_case"
)]
pub enum LocationVisibility {
    CustomerOnly { customer_id: CustomerId },
    AllPortalCustomers,
    NotOnPortal,
}

impl LocationVisibility {
    pub fn is_visible_to(&self, customer: CustomerId) -> bool {
        match self {
            Self::CustomerOnly { customer_id } => *customer_id == customer,
            Self::AllPortalCustomers => true,
            Self::NotOnPortal => false,
        }
    }
}

/// Serialised for audits (`portal replay`, the audit views): the state as it was.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LocationState {
    pub exists: bool,
    pub archived: bool,
    pub location_id: Option<LocationId>,
    pub owner: Option<LocationOwner>,
    pub name: Option<Name>,
    pub address: Option<Address>,
    pub opening_hours: OpeningHours,
    /// What drivers and dispatchers must know on site (gate, ramp, booking); may span lines.
    pub instructions: Option<String>,
    pub visibility: Option<LocationVisibility>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LocationCommand {
    /// A customer-owned location must be `CustomerOnly` for its owner.
    /// `instructions`: trimmed, blank means none, ≤ 2,000 characters, may span lines.
    AddLocation {
        location_id: LocationId,
        owner: LocationOwner,
        name: Name,
        address: Address,
        opening_hours: OpeningHours,
        instructions: Option<String>,
        visibility: LocationVisibility,
    },
    UpdateLocation {
        name: Name,
        address: Address,
        opening_hours: OpeningHours,
        instructions: Option<String>,
    },
    ArchiveLocation,
    /// `used_by_customers`: the customers whose orders use this location, from the read model;
    /// a location several customers use cannot be narrowed to one of them.
    SetLocationVisibility {
        visibility: LocationVisibility,
        used_by_customers: Vec<CustomerId>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", content = "data", rename_all_fields = "snake_case")]
pub enum LocationEvent {
    LocationAdded {
        location_id: LocationId,
        owner: LocationOwner,
        name: Name,
        address: Address,
        opening_hours: OpeningHours,
        /// Site instructions; `null` when none (and in events written before they existed).
        #[serde(default)]
        #[schemars(length(min = 1, max = MAX_INSTRUCTIONS))]
        instructions: Option<String>,
        visibility: LocationVisibility,
    },
    LocationUpdated {
        location_id: LocationId,
        name: Name,
        address: Address,
        opening_hours: OpeningHours,
        /// Site instructions; `null` when none (and in events written before they existed).
        #[serde(default)]
        #[schemars(length(min = 1, max = MAX_INSTRUCTIONS))]
        instructions: Option<String>,
    },
    LocationArchived {
        location_id: LocationId,
    },
    LocationVisibilityChanged {
        location_id: LocationId,
        visibility: LocationVisibility,
    },
}

impl DomainEvent for LocationEvent {
    const TYPES: &'static [&'static str] = &[
        "LocationAdded",
        "LocationUpdated",
        "LocationArchived",
        "LocationVisibilityChanged",
    ];

    fn event_type(&self) -> &'static str {
        match self {
            Self::LocationAdded { .. } => "LocationAdded",
            Self::LocationUpdated { .. } => "LocationUpdated",
            Self::LocationArchived { .. } => "LocationArchived",
            Self::LocationVisibilityChanged { .. } => "LocationVisibilityChanged",
        }
    }
}

/// The longest site instructions, in characters.
pub const MAX_INSTRUCTIONS: usize = 2000;

/// Site instructions are for drivers, like a stop's instructions: the same printable rule.
fn instructions(raw: &Option<String>) -> Result<Option<String>, DomainError> {
    let text = optional_text("instructions", raw.as_deref(), MAX_INSTRUCTIONS, true)?;
    if let Some(t) = &text {
        check_hidden("instructions", t)?;
        check_printable("instructions", t, true)?;
    }
    Ok(text)
}

/// A customer's own location is visible to that customer only; carrier locations may be anything.
fn check_owner_visibility(
    owner: LocationOwner,
    visibility: LocationVisibility,
) -> Result<(), DomainError> {
    match owner {
        LocationOwner::Customer { customer_id }
            if visibility != LocationVisibility::CustomerOnly { customer_id } =>
        {
            Err(FieldError::new(
                "visibility",
                "a customer's own location is visible to that customer only",
            )
            .into())
        }
        _ => Ok(()),
    }
}

/// The id and owner of a location that can still be changed.
fn active(state: &LocationState) -> Result<(LocationId, LocationOwner), DomainError> {
    let (Some(id), Some(owner)) = (state.location_id, state.owner) else {
        return Err(DomainError::NotFound("location"));
    };
    if state.archived {
        return Err(DomainError::LocationArchived);
    }
    Ok((id, owner))
}

impl Aggregate for Location {
    const CATEGORY: &'static str = "location";
    type State = LocationState;
    type Command = LocationCommand;
    type Event = LocationEvent;

    fn decide(
        state: &LocationState,
        command: &LocationCommand,
    ) -> Result<Vec<LocationEvent>, DomainError> {
        use LocationCommand as C;
        use LocationEvent as E;
        match command {
            C::AddLocation {
                location_id,
                owner,
                name,
                address,
                opening_hours,
                instructions: raw_instructions,
                visibility,
            } => {
                if state.exists {
                    return Err(DomainError::AlreadyExists("location"));
                }
                check_owner_visibility(*owner, *visibility)?;
                Ok(vec![E::LocationAdded {
                    location_id: *location_id,
                    owner: *owner,
                    name: name.clone(),
                    address: address.clone(),
                    opening_hours: opening_hours.clone(),
                    instructions: instructions(raw_instructions)?,
                    visibility: *visibility,
                }])
            }
            C::UpdateLocation {
                name,
                address,
                opening_hours,
                instructions: raw_instructions,
            } => {
                let instructions = instructions(raw_instructions)?;
                let (location_id, _) = active(state)?;
                let unchanged = state.name.as_ref() == Some(name)
                    && state.address.as_ref() == Some(address)
                    && state.opening_hours == *opening_hours
                    && state.instructions == instructions;
                if unchanged {
                    return Ok(vec![]);
                }
                Ok(vec![E::LocationUpdated {
                    location_id,
                    name: name.clone(),
                    address: address.clone(),
                    opening_hours: opening_hours.clone(),
                    instructions,
                }])
            }
            C::ArchiveLocation => {
                if state.archived {
                    return Ok(vec![]);
                }
                let (location_id, _) = active(state)?;
                Ok(vec![E::LocationArchived { location_id }])
            }
            C::SetLocationVisibility {
                visibility,
                used_by_customers,
            } => {
                let (location_id, owner) = active(state)?;
                check_owner_visibility(owner, *visibility)?;
                if state.visibility == Some(*visibility) {
                    return Ok(vec![]);
                }
                if let LocationVisibility::CustomerOnly { .. } = visibility {
                    let users: BTreeSet<&CustomerId> = used_by_customers.iter().collect();
                    if users.len() >= 2 {
                        return Err(DomainError::LocationSharedByCustomers(users.len()));
                    }
                }
                Ok(vec![E::LocationVisibilityChanged {
                    location_id,
                    visibility: *visibility,
                }])
            }
        }
    }

    fn evolve(mut state: LocationState, event: &LocationEvent) -> LocationState {
        use LocationEvent as E;
        match event {
            E::LocationAdded {
                location_id,
                owner,
                name,
                address,
                opening_hours,
                instructions,
                visibility,
            } => {
                state.exists = true;
                state.instructions = instructions.clone();
                state.location_id = Some(*location_id);
                state.owner = Some(*owner);
                state.name = Some(name.clone());
                state.address = Some(address.clone());
                state.opening_hours = opening_hours.clone();
                state.visibility = Some(*visibility);
            }
            E::LocationUpdated {
                name,
                address,
                opening_hours,
                instructions,
                ..
            } => {
                state.instructions = instructions.clone();
                state.name = Some(name.clone());
                state.address = Some(address.clone());
                state.opening_hours = opening_hours.clone();
            }
            E::LocationArchived { .. } => state.archived = true,
            E::LocationVisibilityChanged { visibility, .. } => {
                state.visibility = Some(*visibility);
            }
        }
        state
    }
}
