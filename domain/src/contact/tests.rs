//! Contact: given/when/then for every command and rejection, wire format, random sequences.
#![allow(clippy::unwrap_used)]
use super::ContactCommand::*;
use super::ContactEvent::*;
use super::*;
use crate::testkit::{assert_round_trip, given, id};
use proptest::prelude::*;

const ENABLED: CustomerFacts = CustomerFacts {
    exists: true,
    portal_enabled: true,
};
const DISABLED: CustomerFacts = CustomerFacts {
    exists: true,
    portal_enabled: false,
};
const MISSING: CustomerFacts = CustomerFacts {
    exists: false,
    portal_enabled: false,
};

fn contact_id() -> ContactId {
    id(10)
}

fn customer_id() -> CustomerId {
    id(1)
}

fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}

fn name(s: &str) -> Name {
    Name::parse(s).unwrap()
}

fn add(portal_access: bool, customer: CustomerFacts, email_in_use: bool) -> ContactCommand {
    AddContact {
        contact_id: contact_id(),
        customer_id: customer_id(),
        name: name("Anna Schmidt"),
        email: email("Anna@Example.com"),
        phone: None,
        roles: vec![
            ContactRole::Orders,
            ContactRole::Invoices,
            ContactRole::Orders,
        ],
        portal_access,
        customer,
        email_in_use,
    }
}

fn added() -> ContactEvent {
    ContactAdded {
        contact_id: contact_id(),
        customer_id: customer_id(),
        name: name("Anna Schmidt"),
        email: email("anna@example.com"),
        phone: None,
        roles: vec![ContactRole::Orders, ContactRole::Invoices],
    }
}

fn granted() -> ContactEvent {
    ContactAccessGranted {
        contact_id: contact_id(),
        customer_id: customer_id(),
        email: email("anna@example.com"),
    }
}

fn revoked() -> ContactEvent {
    ContactAccessRevoked {
        contact_id: contact_id(),
        customer_id: customer_id(),
    }
}

fn removed() -> ContactEvent {
    ContactRemoved {
        contact_id: contact_id(),
        customer_id: customer_id(),
    }
}

fn update(new_email: &str, email_in_use: bool) -> ContactCommand {
    UpdateContact {
        name: name("Anna Schmidt"),
        email: email(new_email),
        phone: None,
        roles: vec![ContactRole::Invoices, ContactRole::Orders],
        email_in_use,
    }
}

// --- AddContact ---

#[test]
fn add_contact_without_access() {
    let state = given::<Contact>(&[])
        .when(add(false, DISABLED, false))
        .then(&[added()]);
    assert!(state.exists && !state.portal_access);
}

#[test]
fn add_contact_with_access_grants_it_after_adding() {
    let state = given::<Contact>(&[])
        .when(add(true, ENABLED, false))
        .then(&[added(), granted()]);
    assert!(state.portal_access);
}

#[test]
fn add_contact_with_access_while_customer_portal_is_disabled_adds_nothing() {
    given::<Contact>(&[])
        .when(add(true, DISABLED, false))
        .then_error(DomainError::CustomerPortalNotEnabled);
}

#[test]
fn add_contact_for_unknown_customer_is_rejected() {
    given::<Contact>(&[])
        .when(add(false, MISSING, false))
        .then_error(DomainError::NotFound("customer"));
}

#[test]
fn add_contact_with_an_email_in_use_is_rejected() {
    given::<Contact>(&[])
        .when(add(false, ENABLED, true))
        .then_error(DomainError::DuplicateContactEmail);
}

#[test]
fn add_existing_contact_is_rejected() {
    given::<Contact>(&[added()])
        .when(add(false, ENABLED, false))
        .then_error(DomainError::AlreadyExists("contact"));
}

// --- UpdateContact ---

#[test]
fn update_contact() {
    let state = given::<Contact>(&[added()])
        .when(UpdateContact {
            name: name("Anna Schmidt-Meyer"),
            email: email("anna.meyer@example.com"),
            phone: Some(Phone::parse("+49 30 123456").unwrap()),
            roles: vec![ContactRole::Management],
            email_in_use: false,
        })
        .then(&[ContactUpdated {
            contact_id: contact_id(),
            customer_id: customer_id(),
            name: name("Anna Schmidt-Meyer"),
            email: email("anna.meyer@example.com"),
            phone: Some(Phone::parse("+49 30 123456").unwrap()),
            roles: vec![ContactRole::Management],
        }]);
    assert_eq!(state.email, Some(email("anna.meyer@example.com")));
}

#[test]
fn update_contact_with_the_same_values_changes_nothing() {
    given::<Contact>(&[added()])
        .when(update("ANNA@example.com", false))
        .then_nothing();
}

#[test]
fn update_contact_to_an_email_in_use_is_rejected() {
    given::<Contact>(&[added()])
        .when(update("bob@example.com", true))
        .then_error(DomainError::DuplicateContactEmail);
}

#[test]
fn email_in_use_does_not_matter_when_the_email_stays() {
    // The handler finds the contact's own email "in use" (by itself); only changes count.
    given::<Contact>(&[added()])
        .when(UpdateContact {
            name: name("Anna S."),
            email: email("anna@example.com"),
            phone: None,
            roles: vec![],
            email_in_use: true,
        })
        .then(&[ContactUpdated {
            contact_id: contact_id(),
            customer_id: customer_id(),
            name: name("Anna S."),
            email: email("anna@example.com"),
            phone: None,
            roles: vec![],
        }]);
}

// --- GrantContactAccess ---

#[test]
fn grant_access() {
    given::<Contact>(&[added()])
        .when(GrantContactAccess { customer: ENABLED })
        .then(&[granted()]);
}

#[test]
fn grant_access_uses_the_current_email() {
    let updated = ContactUpdated {
        contact_id: contact_id(),
        customer_id: customer_id(),
        name: name("Anna"),
        email: email("new@example.com"),
        phone: None,
        roles: vec![],
    };
    given::<Contact>(&[added(), updated])
        .when(GrantContactAccess { customer: ENABLED })
        .then(&[ContactAccessGranted {
            contact_id: contact_id(),
            customer_id: customer_id(),
            email: email("new@example.com"),
        }]);
}

#[test]
fn grant_access_while_customer_portal_is_disabled_is_rejected() {
    given::<Contact>(&[added()])
        .when(GrantContactAccess { customer: DISABLED })
        .then_error(DomainError::CustomerPortalNotEnabled);
}

#[test]
fn grant_access_for_an_unknown_customer_is_rejected() {
    given::<Contact>(&[added()])
        .when(GrantContactAccess { customer: MISSING })
        .then_error(DomainError::NotFound("customer"));
}

#[test]
fn grant_access_when_already_granted_changes_nothing() {
    given::<Contact>(&[added(), granted()])
        .when(GrantContactAccess { customer: ENABLED })
        .then_nothing();
}

// --- RevokeContactAccess ---

#[test]
fn revoke_access() {
    let state = given::<Contact>(&[added(), granted()])
        .when(RevokeContactAccess)
        .then(&[revoked()]);
    assert!(!state.portal_access);
}

#[test]
fn revoke_access_without_access_changes_nothing() {
    given::<Contact>(&[added()])
        .when(RevokeContactAccess)
        .then_nothing();
}

// --- RemoveContact ---

#[test]
fn remove_contact_without_access() {
    let state = given::<Contact>(&[added()])
        .when(RemoveContact)
        .then(&[removed()]);
    assert!(state.removed);
}

#[test]
fn remove_contact_with_access_revokes_it_first() {
    let state = given::<Contact>(&[added(), granted()])
        .when(RemoveContact)
        .then(&[revoked(), removed()]);
    assert!(state.removed && !state.portal_access);
}

// --- SetNotificationPreferences ---

fn prefs(order_status: Delivery, charge_approval: Delivery) -> NotificationPreferences {
    NotificationPreferences {
        order_status,
        charge_approval,
    }
}

fn prefs_changed(p: NotificationPreferences) -> ContactEvent {
    ContactNotificationsChanged {
        contact_id: contact_id(),
        customer_id: customer_id(),
        preferences: p,
    }
}

#[test]
fn a_new_contact_gets_every_email_at_once() {
    let state = given::<Contact>(&[added(), granted()])
        .when(RevokeContactAccess)
        .then(&[revoked()]);
    assert_eq!(state.notifications, NotificationPreferences::default());
    assert_eq!(state.notifications.order_status, Delivery::Immediate);
    assert_eq!(state.notifications.charge_approval, Delivery::Immediate);
}

#[test]
fn set_notification_preferences() {
    let p = prefs(Delivery::Daily, Delivery::Off);
    let state = given::<Contact>(&[added(), granted()])
        .when(SetNotificationPreferences { preferences: p })
        .then(&[prefs_changed(p)]);
    assert_eq!(state.notifications, p);
    assert_eq!(
        state.notifications.of(NewsKind::ChargeApproval),
        Delivery::Off
    );
}

#[test]
fn set_the_same_notification_preferences_changes_nothing() {
    let p = prefs(Delivery::Off, Delivery::Immediate);
    given::<Contact>(&[added(), granted(), prefs_changed(p)])
        .when(SetNotificationPreferences { preferences: p })
        .then_nothing();
    given::<Contact>(&[added(), granted()])
        .when(SetNotificationPreferences {
            preferences: NotificationPreferences::default(),
        })
        .then_nothing();
}

#[test]
fn set_notification_preferences_without_access_is_rejected() {
    given::<Contact>(&[added()])
        .when(SetNotificationPreferences {
            preferences: prefs(Delivery::Off, Delivery::Off),
        })
        .then_error(DomainError::NoPortalAccess);
    given::<Contact>(&[added(), granted(), revoked()])
        .when(SetNotificationPreferences {
            preferences: prefs(Delivery::Off, Delivery::Off),
        })
        .then_error(DomainError::NoPortalAccess);
}

#[test]
fn preferences_survive_losing_and_regaining_access() {
    let p = prefs(Delivery::Daily, Delivery::Daily);
    let state = given::<Contact>(&[added(), granted(), prefs_changed(p), revoked()])
        .when(GrantContactAccess { customer: ENABLED })
        .then(&[granted()]);
    assert_eq!(state.notifications, p);
}

#[test]
fn one_kind_can_be_turned_off_alone() {
    let p = NotificationPreferences::default().with(NewsKind::OrderStatus, Delivery::Off);
    assert_eq!(p, prefs(Delivery::Off, Delivery::Immediate));
    assert_eq!(Delivery::parse("daily"), Some(Delivery::Daily));
    assert_eq!(Delivery::parse("weekly"), None);
    assert_eq!(
        NewsKind::parse("charge_approval"),
        Some(NewsKind::ChargeApproval)
    );
}

// --- unknown and removed contacts ---

#[test]
fn every_command_on_an_unknown_contact_is_not_found() {
    for command in [
        update("a@example.com", false),
        GrantContactAccess { customer: ENABLED },
        RevokeContactAccess,
        RemoveContact,
        SetNotificationPreferences {
            preferences: NotificationPreferences::default(),
        },
    ] {
        given::<Contact>(&[])
            .when(command)
            .then_error(DomainError::NotFound("contact"));
    }
}

#[test]
fn every_command_on_a_removed_contact_is_rejected() {
    for command in [
        add(false, ENABLED, false),
        update("a@example.com", false),
        GrantContactAccess { customer: ENABLED },
        RevokeContactAccess,
        RemoveContact,
        SetNotificationPreferences {
            preferences: NotificationPreferences::default(),
        },
    ] {
        given::<Contact>(&[added(), removed()])
            .when(command)
            .then_error(DomainError::ContactRemoved);
    }
}

// --- wire format ---

#[test]
fn every_event_round_trips() {
    let updated = ContactUpdated {
        contact_id: contact_id(),
        customer_id: customer_id(),
        name: name("Anna"),
        email: email("new@example.com"),
        phone: Some(Phone::parse("030 1234567").unwrap()),
        roles: vec![ContactRole::Operations, ContactRole::Other],
    };
    assert_round_trip(&[
        added(),
        updated,
        granted(),
        revoked(),
        removed(),
        prefs_changed(prefs(Delivery::Daily, Delivery::Off)),
    ]);
    let json = serde_json::to_value(prefs_changed(prefs(Delivery::Daily, Delivery::Off))).unwrap();
    assert_eq!(
        json["data"]["preferences"],
        serde_json::json!({"order_status": "daily", "charge_approval": "off"})
    );
    let json = serde_json::to_value(added()).unwrap();
    assert_eq!(
        json["data"]["roles"],
        serde_json::json!(["orders", "invoices"])
    );
}

// --- invariants under random command sequences ---

fn any_facts() -> impl Strategy<Value = CustomerFacts> {
    prop_oneof![Just(ENABLED), Just(DISABLED), Just(MISSING)]
}

fn any_command() -> impl Strategy<Value = ContactCommand> {
    prop_oneof![
        (any::<bool>(), any_facts(), any::<bool>()).prop_map(|(a, f, u)| add(a, f, u)),
        (
            prop_oneof![Just("anna@example.com"), Just("bob@example.com")],
            any::<bool>()
        )
            .prop_map(|(e, u)| update(e, u)),
        any_facts().prop_map(|customer| GrantContactAccess { customer }),
        Just(RevokeContactAccess),
        Just(RemoveContact),
        (0..3usize, 0..3usize).prop_map(|(a, b)| SetNotificationPreferences {
            preferences: prefs(Delivery::ALL[a], Delivery::ALL[b]),
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_commands_keep_contact_invariants(commands in prop::collection::vec(any_command(), 1..30)) {
        let mut state = ContactState::default();
        for command in commands {
            let result = Contact::decide(&state, &command);
            if state.removed {
                prop_assert_eq!(result, Err(DomainError::ContactRemoved));
                continue;
            }
            let Ok(events) = result else { continue };
            for event in &events {
                match event {
                    ContactAccessGranted { email, .. } => {
                        // Access is only ever granted on the fact that the portal is enabled.
                        let facts = match &command {
                            AddContact { customer, .. } | GrantContactAccess { customer } => *customer,
                            _ => CustomerFacts::default(),
                        };
                        prop_assert!(facts.portal_enabled);
                        prop_assert!(!state.portal_access);
                        prop_assert_eq!(Some(email), state.email.as_ref());
                    }
                    ContactAccessRevoked { .. } => prop_assert!(state.portal_access),
                    _ => {}
                }
                state = Contact::evolve(state, event);
            }
            prop_assert!(!(state.removed && state.portal_access));
            if !matches!(command, AddContact { .. } | RemoveContact) {
                prop_assert_eq!(Contact::decide(&state, &command), Ok(vec![]));
            }
        }
    }
}
