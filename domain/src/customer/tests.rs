//! Customer: given/when/then for every command and rejection, wire format, random sequences.
#![allow(clippy::unwrap_used)]
use super::CustomerCommand::*;
use super::CustomerEvent::*;
use super::*;
use crate::testkit::{assert_round_trip, given, id};
use proptest::prelude::*;

fn cid() -> CustomerId {
    id(1)
}

fn name(s: &str) -> Name {
    Name::parse(s).unwrap()
}

fn created() -> CustomerEvent {
    CustomerCreated {
        customer_id: cid(),
        name: name("Müller Spedition"),
        code: Some("MUE01".into()),
        status: CustomerStatus::Approved,
    }
}

fn portal_enabled() -> CustomerEvent {
    CustomerPortalEnabled { customer_id: cid() }
}

fn blocked() -> CustomerEvent {
    CustomerStatusChanged {
        customer_id: cid(),
        from: CustomerStatus::Approved,
        to: CustomerStatus::Blocked,
    }
}

// --- CreateCustomer ---

#[test]
fn create_customer_normalises_the_code() {
    let state = given::<Customer>(&[])
        .when(CreateCustomer {
            customer_id: cid(),
            name: name("Müller Spedition"),
            code: Some("  MUE01 ".into()),
            status: CustomerStatus::Approved,
        })
        .then(&[created()]);
    assert!(state.exists && !state.portal_enabled && !state.show_charges);
    assert_eq!(state.status, CustomerStatus::Approved);
}

#[test]
fn create_customer_with_blank_code_has_no_code() {
    given::<Customer>(&[])
        .when(CreateCustomer {
            customer_id: cid(),
            name: name("Müller"),
            code: Some("   ".into()),
            status: CustomerStatus::Prospect,
        })
        .then(&[CustomerCreated {
            customer_id: cid(),
            name: name("Müller"),
            code: None,
            status: CustomerStatus::Prospect,
        }]);
}

#[test]
fn create_customer_with_overlong_code_is_rejected() {
    given::<Customer>(&[])
        .when(CreateCustomer {
            customer_id: cid(),
            name: name("Müller"),
            code: Some("C".repeat(33)),
            status: CustomerStatus::Prospect,
        })
        .then_invalid(&["code"]);
}

#[test]
fn create_existing_customer_is_rejected() {
    given::<Customer>(&[created()])
        .when(CreateCustomer {
            customer_id: cid(),
            name: name("Again"),
            code: None,
            status: CustomerStatus::Prospect,
        })
        .then_error(DomainError::AlreadyExists("customer"));
}

// --- commands on an unknown customer ---

#[test]
fn every_command_on_an_unknown_customer_is_not_found() {
    for command in [
        UpdateCustomerDetails {
            name: name("X"),
            code: None,
        },
        ChangeCustomerStatus {
            status: CustomerStatus::Approved,
        },
        EnablePortalForCustomer,
        DisablePortalForCustomer,
        SetShowCharges { show: true },
    ] {
        given::<Customer>(&[])
            .when(command)
            .then_error(DomainError::NotFound("customer"));
    }
}

// --- UpdateCustomerDetails ---

#[test]
fn update_customer_details() {
    let state = given::<Customer>(&[created()])
        .when(UpdateCustomerDetails {
            name: name("Müller Logistik"),
            code: None,
        })
        .then(&[CustomerDetailsUpdated {
            customer_id: cid(),
            name: name("Müller Logistik"),
            code: None,
        }]);
    assert_eq!(state.code, None);
}

#[test]
fn update_customer_details_with_the_same_values_changes_nothing() {
    given::<Customer>(&[created()])
        .when(UpdateCustomerDetails {
            name: name("Müller Spedition"),
            code: Some(" MUE01".into()),
        })
        .then_nothing();
}

#[test]
fn update_customer_details_with_invalid_code_is_rejected() {
    given::<Customer>(&[created()])
        .when(UpdateCustomerDetails {
            name: name("Müller"),
            code: Some("A\nB".into()),
        })
        .then_invalid(&["code"]);
}

// --- ChangeCustomerStatus ---

#[test]
fn change_customer_status() {
    given::<Customer>(&[created()])
        .when(ChangeCustomerStatus {
            status: CustomerStatus::Prospect,
        })
        .then(&[CustomerStatusChanged {
            customer_id: cid(),
            from: CustomerStatus::Approved,
            to: CustomerStatus::Prospect,
        }]);
}

#[test]
fn change_customer_status_to_the_same_status_changes_nothing() {
    given::<Customer>(&[created()])
        .when(ChangeCustomerStatus {
            status: CustomerStatus::Approved,
        })
        .then_nothing();
}

#[test]
fn blocking_a_customer_with_portal_access_also_disables_the_portal() {
    let state = given::<Customer>(&[created(), portal_enabled()])
        .when(ChangeCustomerStatus {
            status: CustomerStatus::Blocked,
        })
        .then(&[blocked(), CustomerPortalDisabled { customer_id: cid() }]);
    assert!(!state.portal_enabled);
}

#[test]
fn blocking_a_customer_without_portal_access_only_changes_the_status() {
    given::<Customer>(&[created()])
        .when(ChangeCustomerStatus {
            status: CustomerStatus::Blocked,
        })
        .then(&[blocked()]);
}

// --- EnablePortalForCustomer / DisablePortalForCustomer ---

#[test]
fn enable_portal() {
    let state = given::<Customer>(&[created()])
        .when(EnablePortalForCustomer)
        .then(&[portal_enabled()]);
    assert!(state.portal_enabled);
}

#[test]
fn enable_portal_when_already_enabled_changes_nothing() {
    given::<Customer>(&[created(), portal_enabled()])
        .when(EnablePortalForCustomer)
        .then_nothing();
}

#[test]
fn enable_portal_for_a_blocked_customer_is_rejected() {
    given::<Customer>(&[created(), blocked()])
        .when(EnablePortalForCustomer)
        .then_error(DomainError::CustomerBlocked);
}

#[test]
fn disable_portal() {
    given::<Customer>(&[created(), portal_enabled()])
        .when(DisablePortalForCustomer)
        .then(&[CustomerPortalDisabled { customer_id: cid() }]);
}

#[test]
fn disable_portal_when_already_disabled_changes_nothing() {
    given::<Customer>(&[created()])
        .when(DisablePortalForCustomer)
        .then_nothing();
}

// --- SetShowCharges ---

#[test]
fn show_and_hide_charges() {
    let state = given::<Customer>(&[created()])
        .when(SetShowCharges { show: true })
        .then(&[CustomerChargesShown { customer_id: cid() }]);
    assert!(state.show_charges);
    given::<Customer>(&[created(), CustomerChargesShown { customer_id: cid() }])
        .when(SetShowCharges { show: false })
        .then(&[CustomerChargesHidden { customer_id: cid() }]);
}

#[test]
fn set_show_charges_to_the_current_value_changes_nothing() {
    given::<Customer>(&[created()])
        .when(SetShowCharges { show: false })
        .then_nothing();
    given::<Customer>(&[created(), CustomerChargesShown { customer_id: cid() }])
        .when(SetShowCharges { show: true })
        .then_nothing();
}

// --- wire format ---

#[test]
fn every_event_round_trips() {
    assert_round_trip(&[
        created(),
        CustomerDetailsUpdated {
            customer_id: cid(),
            name: name("N"),
            code: None,
        },
        blocked(),
        portal_enabled(),
        CustomerPortalDisabled { customer_id: cid() },
        CustomerChargesShown { customer_id: cid() },
        CustomerChargesHidden { customer_id: cid() },
    ]);
    let json = serde_json::to_value(blocked()).unwrap();
    assert_eq!(json["data"]["from"], "approved");
    assert_eq!(json["data"]["to"], "blocked");
}

// --- invariants under random command sequences ---

fn any_status() -> impl Strategy<Value = CustomerStatus> {
    prop_oneof![
        Just(CustomerStatus::Prospect),
        Just(CustomerStatus::Approved),
        Just(CustomerStatus::Blocked),
    ]
}

fn any_command() -> impl Strategy<Value = CustomerCommand> {
    prop_oneof![
        any_status().prop_map(|status| CreateCustomer {
            customer_id: cid(),
            name: name("C"),
            code: None,
            status,
        }),
        prop_oneof![Just("A"), Just("B")].prop_map(|n| UpdateCustomerDetails {
            name: name(n),
            code: None,
        }),
        any_status().prop_map(|status| ChangeCustomerStatus { status }),
        Just(EnablePortalForCustomer),
        Just(DisablePortalForCustomer),
        any::<bool>().prop_map(|show| SetShowCharges { show }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_commands_keep_customer_invariants(commands in prop::collection::vec(any_command(), 1..30)) {
        let mut state = CustomerState::default();
        for command in commands {
            let Ok(events) = Customer::decide(&state, &command) else { continue };
            for event in &events {
                if let CustomerStatusChanged { from, to, .. } = event {
                    prop_assert_eq!(*from, state.status);
                    prop_assert_ne!(from, to);
                }
                state = Customer::evolve(state, event);
            }
            // A blocked customer never has portal access.
            prop_assert!(!(state.status == CustomerStatus::Blocked && state.portal_enabled));
            // Repeating an accepted command changes nothing (bulk actions rely on it).
            if !matches!(command, CreateCustomer { .. }) {
                prop_assert_eq!(Customer::decide(&state, &command), Ok(vec![]));
            }
        }
    }
}
