//! Location: given/when/then for every command and rejection, and the wire format.
#![allow(clippy::unwrap_used)]
use super::LocationCommand::*;
use super::LocationEvent::*;
use super::LocationVisibility::*;
use super::*;
use crate::testkit::{address, assert_round_trip, given, id};
use crate::values::OpeningPeriodInput;
use time::Weekday;
use time::macros::time;

fn location_id() -> LocationId {
    id(50)
}

fn acme() -> CustomerId {
    id(1)
}

fn beta() -> CustomerId {
    id(2)
}

fn name(s: &str) -> Name {
    Name::parse(s).unwrap()
}

fn weekdays_8_to_16() -> OpeningHours {
    OpeningHours::new(vec![OpeningPeriodInput {
        weekday: Weekday::Monday,
        opens: time!(8:00),
        closes: time!(16:00),
    }])
    .unwrap()
}

fn only(customer_id: CustomerId) -> LocationVisibility {
    CustomerOnly { customer_id }
}

fn owned_by(customer_id: CustomerId) -> LocationOwner {
    LocationOwner::Customer { customer_id }
}

fn added(owner: LocationOwner, visibility: LocationVisibility) -> LocationEvent {
    LocationAdded {
        location_id: location_id(),
        owner,
        name: name("Main warehouse"),
        address: address("Berlin"),
        opening_hours: weekdays_8_to_16(),
        instructions: None,
        visibility,
    }
}

fn add(owner: LocationOwner, visibility: LocationVisibility) -> LocationCommand {
    AddLocation {
        location_id: location_id(),
        owner,
        name: name("Main warehouse"),
        address: address("Berlin"),
        opening_hours: weekdays_8_to_16(),
        instructions: None,
        visibility,
    }
}

fn carrier_hub() -> LocationEvent {
    added(LocationOwner::Carrier, AllPortalCustomers)
}

fn archived() -> LocationEvent {
    LocationArchived {
        location_id: location_id(),
    }
}

fn set(visibility: LocationVisibility, used_by_customers: Vec<CustomerId>) -> LocationCommand {
    SetLocationVisibility {
        visibility,
        used_by_customers,
    }
}

// --- AddLocation ---

#[test]
fn add_customer_location() {
    let state = given::<Location>(&[])
        .when(add(owned_by(acme()), only(acme())))
        .then(&[added(owned_by(acme()), only(acme()))]);
    assert!(state.exists && !state.archived);
    assert!(state.visibility.unwrap().is_visible_to(acme()));
    assert!(!state.visibility.unwrap().is_visible_to(beta()));
}

#[test]
fn add_carrier_location_with_any_visibility() {
    for visibility in [only(beta()), AllPortalCustomers, NotOnPortal] {
        given::<Location>(&[])
            .when(add(LocationOwner::Carrier, visibility))
            .then(&[added(LocationOwner::Carrier, visibility)]);
    }
}

#[test]
fn add_customer_location_visible_to_others_is_rejected() {
    for visibility in [only(beta()), AllPortalCustomers, NotOnPortal] {
        given::<Location>(&[])
            .when(add(owned_by(acme()), visibility))
            .then_invalid(&["visibility"]);
    }
}

#[test]
fn add_existing_location_is_rejected() {
    given::<Location>(&[carrier_hub()])
        .when(add(LocationOwner::Carrier, NotOnPortal))
        .then_error(DomainError::AlreadyExists("location"));
}

// --- UpdateLocation ---

#[test]
fn update_location() {
    let state = given::<Location>(&[carrier_hub()])
        .when(UpdateLocation {
            name: name("North hub"),
            address: address("Hamburg"),
            opening_hours: OpeningHours::default(),
            instructions: None,
        })
        .then(&[LocationUpdated {
            location_id: location_id(),
            name: name("North hub"),
            address: address("Hamburg"),
            opening_hours: OpeningHours::default(),
            instructions: None,
        }]);
    assert_eq!(state.address.unwrap().city(), "Hamburg");
}

#[test]
fn update_location_with_the_same_values_changes_nothing() {
    given::<Location>(&[carrier_hub()])
        .when(UpdateLocation {
            name: name("Main warehouse"),
            address: address("Berlin"),
            opening_hours: weekdays_8_to_16(),
            instructions: None,
        })
        .then_nothing();
}

#[test]
fn update_location_with_unprintable_instructions_is_rejected() {
    given::<Location>(&[carrier_hub()])
        .when(UpdateLocation {
            name: name("Main warehouse"),
            address: address("Berlin"),
            opening_hours: weekdays_8_to_16(),
            instructions: Some("Gate 2\nاتصل بالسائق 😀".into()),
        })
        .then_invalid(&["instructions"]);
}

#[test]
fn an_added_location_with_unprintable_text_in_its_event_still_loads() {
    let mut json = serde_json::to_value(carrier_hub()).unwrap();
    json["data"]["name"] = "مستودع".into();
    json["data"]["address"]["city"] = "😀".into();
    json["data"]["instructions"] = "ܐ".into();
    let event: LocationEvent = serde_json::from_value(json).unwrap();
    let state = given::<Location>(&[event])
        .when(UpdateLocation {
            name: name("Main warehouse"),
            address: address("Berlin"),
            opening_hours: weekdays_8_to_16(),
            instructions: None,
        })
        .then(&[LocationUpdated {
            location_id: location_id(),
            name: name("Main warehouse"),
            address: address("Berlin"),
            opening_hours: weekdays_8_to_16(),
            instructions: None,
        }]);
    assert_eq!(state.name.unwrap().as_str(), "Main warehouse");
}

#[test]
fn update_archived_location_is_rejected() {
    given::<Location>(&[carrier_hub(), archived()])
        .when(UpdateLocation {
            name: name("X"),
            address: address("Berlin"),
            opening_hours: OpeningHours::default(),
            instructions: None,
        })
        .then_error(DomainError::LocationArchived);
}

// --- ArchiveLocation ---

#[test]
fn archive_location() {
    let state = given::<Location>(&[carrier_hub()])
        .when(ArchiveLocation)
        .then(&[archived()]);
    assert!(state.archived);
}

#[test]
fn archive_archived_location_changes_nothing() {
    given::<Location>(&[carrier_hub(), archived()])
        .when(ArchiveLocation)
        .then_nothing();
}

// --- SetLocationVisibility ---

#[test]
fn set_visibility() {
    given::<Location>(&[carrier_hub()])
        .when(set(NotOnPortal, vec![acme(), beta()]))
        .then(&[LocationVisibilityChanged {
            location_id: location_id(),
            visibility: NotOnPortal,
        }]);
}

#[test]
fn set_visibility_to_one_customer_when_used_by_at_most_one() {
    for used_by in [vec![], vec![acme()], vec![acme(), acme()]] {
        given::<Location>(&[carrier_hub()])
            .when(set(only(acme()), used_by))
            .then(&[LocationVisibilityChanged {
                location_id: location_id(),
                visibility: only(acme()),
            }]);
    }
}

#[test]
fn set_visibility_to_one_customer_when_shared_by_several_is_rejected() {
    given::<Location>(&[carrier_hub()])
        .when(set(only(acme()), vec![acme(), beta(), acme(), id(3)]))
        .then_error(DomainError::LocationSharedByCustomers(3));
}

#[test]
fn set_the_current_visibility_changes_nothing() {
    given::<Location>(&[carrier_hub()])
        .when(set(AllPortalCustomers, vec![]))
        .then_nothing();
}

#[test]
fn widen_customer_owned_location_is_rejected() {
    let h = [added(owned_by(acme()), only(acme()))];
    for visibility in [only(beta()), AllPortalCustomers, NotOnPortal] {
        given::<Location>(&h)
            .when(set(visibility, vec![]))
            .then_invalid(&["visibility"]);
    }
}

#[test]
fn set_visibility_of_archived_location_is_rejected() {
    given::<Location>(&[carrier_hub(), archived()])
        .when(set(NotOnPortal, vec![]))
        .then_error(DomainError::LocationArchived);
}

#[test]
fn every_command_on_an_unknown_location_is_not_found() {
    for command in [
        UpdateLocation {
            name: name("X"),
            address: address("Berlin"),
            opening_hours: OpeningHours::default(),
            instructions: None,
        },
        ArchiveLocation,
        set(NotOnPortal, vec![]),
    ] {
        given::<Location>(&[])
            .when(command)
            .then_error(DomainError::NotFound("location"));
    }
}

// --- wire format ---

#[test]
fn every_event_round_trips() {
    assert_round_trip(&[
        added(owned_by(acme()), only(acme())),
        LocationUpdated {
            location_id: location_id(),
            name: name("N"),
            address: address("Kiel"),
            opening_hours: OpeningHours::default(),
            instructions: None,
        },
        archived(),
        LocationVisibilityChanged {
            location_id: location_id(),
            visibility: NotOnPortal,
        },
    ]);
    let json = serde_json::to_value(added(owned_by(acme()), only(acme()))).unwrap();
    let acme_id = acme().to_string();
    assert_eq!(
        json["data"]["owner"],
        serde_json::json!({"kind": "customer", "customer_id": acme_id})
    );
    assert_eq!(
        json["data"]["visibility"],
        serde_json::json!({"kind": "customer_only", "customer_id": acme_id})
    );
    assert_eq!(
        serde_json::to_value(AllPortalCustomers).unwrap(),
        serde_json::json!({"kind": "all_portal_customers"})
    );
    assert_eq!(
        serde_json::to_value(LocationOwner::Carrier).unwrap(),
        serde_json::json!({"kind": "carrier"})
    );
}

#[test]
fn add_location_with_instructions_trims_them() {
    let mut command = add(owned_by(acme()), only(acme()));
    let AddLocation { instructions, .. } = &mut command else {
        unreachable!()
    };
    *instructions = Some("  Gate 4, ring twice\nRamp 2  ".into());
    let mut event = added(owned_by(acme()), only(acme()));
    let LocationAdded { instructions, .. } = &mut event else {
        unreachable!()
    };
    *instructions = Some("Gate 4, ring twice\nRamp 2".into());
    let state = given::<Location>(&[]).when(command).then(&[event]);
    assert_eq!(
        state.instructions.as_deref(),
        Some("Gate 4, ring twice\nRamp 2")
    );
}

#[test]
fn overlong_instructions_are_rejected() {
    given::<Location>(&[carrier_hub()])
        .when(UpdateLocation {
            name: name("Main warehouse"),
            address: address("Berlin"),
            opening_hours: weekdays_8_to_16(),
            instructions: Some("x".repeat(MAX_INSTRUCTIONS + 1)),
        })
        .then_invalid(&["instructions"]);
}

#[test]
fn changing_only_the_instructions_is_recorded() {
    given::<Location>(&[carrier_hub()])
        .when(UpdateLocation {
            name: name("Main warehouse"),
            address: address("Berlin"),
            opening_hours: weekdays_8_to_16(),
            instructions: Some("Ramp 2".into()),
        })
        .then(&[LocationUpdated {
            location_id: location_id(),
            name: name("Main warehouse"),
            address: address("Berlin"),
            opening_hours: weekdays_8_to_16(),
            instructions: Some("Ramp 2".into()),
        }]);
}

#[test]
fn events_without_instructions_still_read() {
    let mut json = serde_json::to_value(carrier_hub()).unwrap();
    json["data"].as_object_mut().unwrap().remove("instructions");
    let event: LocationEvent = serde_json::from_value(json).unwrap();
    assert_eq!(event, carrier_hub());
}
