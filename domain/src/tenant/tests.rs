//! Given/when/then tests of the tenant aggregate.
#![allow(clippy::unwrap_used)]
use super::TenantCommand::*;
use super::TenantEvent::*;
use super::*;
use crate::testkit::{assert_round_trip, given};

fn acme() -> TenantId {
    TenantId::parse("acme").unwrap()
}

fn name(s: &str) -> Name {
    Name::parse(s).unwrap()
}

fn created() -> TenantEvent {
    TenantCreated {
        tenant_id: acme(),
        name: name("ACME Transport"),
    }
}

#[test]
fn create_tenant() {
    let state = given::<Tenant>(&[])
        .when(CreateTenant {
            tenant_id: acme(),
            name: name("ACME Transport"),
        })
        .then(&[created()]);
    assert!(state.exists);
    assert_eq!(state.tenant_id, Some(acme()));
}

#[test]
fn create_existing_tenant_is_rejected() {
    given::<Tenant>(&[created()])
        .when(CreateTenant {
            tenant_id: acme(),
            name: name("Other"),
        })
        .then_error(DomainError::AlreadyExists("tenant"));
}

#[test]
fn rename_tenant() {
    let state = given::<Tenant>(&[created()])
        .when(RenameTenant {
            name: name("ACME Logistics"),
        })
        .then(&[TenantRenamed {
            name: name("ACME Logistics"),
        }]);
    assert_eq!(state.name, Some(name("ACME Logistics")));
}

#[test]
fn rename_to_the_same_name_changes_nothing() {
    given::<Tenant>(&[created()])
        .when(RenameTenant {
            name: name("ACME Transport"),
        })
        .then_nothing();
}

#[test]
fn rename_unknown_tenant_is_rejected() {
    given::<Tenant>(&[])
        .when(RenameTenant { name: name("X") })
        .then_error(DomainError::NotFound("tenant"));
}

#[test]
fn every_event_round_trips() {
    assert_round_trip(&[
        created(),
        TenantRenamed { name: name("New") },
        staff_added("ann@acme.example"),
        StaffMemberRenamed {
            user_id: UserId::for_email(&email("ann@acme.example")),
            name: name("Ann Early"),
        },
        StaffMemberRemoved {
            user_id: UserId::for_email(&email("ann@acme.example")),
        },
        TenantTimeZoneSet {
            time_zone: zone("Europe/Stockholm"),
        },
    ]);
    let json = serde_json::to_value(created()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"type": "TenantCreated", "data": {"tenant_id": "acme", "name": "ACME Transport"}})
    );
}

#[test]
fn the_identity_slug_is_reserved() {
    given::<Tenant>(&[])
        .when(CreateTenant {
            tenant_id: TenantId::identity(),
            name: name("Sneaky"),
        })
        .then_invalid(&["slug"]);
}

fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}

fn staff_added(s: &str) -> TenantEvent {
    StaffMemberAdded {
        user_id: UserId::for_email(&email(s)),
        email: email(s),
        name: None,
    }
}

#[test]
fn add_a_named_staff_member() {
    let ann = UserId::for_email(&email("ann@acme.example"));
    let state = given::<Tenant>(&[created()])
        .when(AddStaffMember {
            user_id: ann,
            email: email("ann@acme.example"),
            name: Some(name("Ann Early")),
        })
        .then(&[StaffMemberAdded {
            user_id: ann,
            email: email("ann@acme.example"),
            name: Some(name("Ann Early")),
        }]);
    assert_eq!(state.staff_names, vec![(ann, name("Ann Early"))]);
}

#[test]
fn a_member_gets_a_name_later_and_keeps_it_when_added_again_without_one() {
    let ann = UserId::for_email(&email("ann@acme.example"));
    let add = |n: Option<&str>| AddStaffMember {
        user_id: ann,
        email: email("ann@acme.example"),
        name: n.map(name),
    };
    let named = StaffMemberRenamed {
        user_id: ann,
        name: name("Ann Early"),
    };
    let state = given::<Tenant>(&[created(), staff_added("ann@acme.example")])
        .when(add(Some("Ann Early")))
        .then(std::slice::from_ref(&named));
    assert_eq!(state.staff_names, vec![(ann, name("Ann Early"))]);
    given::<Tenant>(&[created(), staff_added("ann@acme.example"), named.clone()])
        .when(add(Some("Ann Early")))
        .then_nothing();
    given::<Tenant>(&[created(), staff_added("ann@acme.example"), named])
        .when(add(None))
        .then_nothing();
}

#[test]
fn a_staff_member_added_before_names_existed_reads_without_one() {
    let ann = UserId::for_email(&email("ann@acme.example"));
    let old = serde_json::json!({"type": "StaffMemberAdded",
        "data": {"user_id": ann, "email": "ann@acme.example"}});
    let event: TenantEvent = serde_json::from_value(old).unwrap();
    assert_eq!(event, staff_added("ann@acme.example"));
}

#[test]
fn removing_a_member_forgets_the_name() {
    let ann = UserId::for_email(&email("ann@acme.example"));
    let state = given::<Tenant>(&[
        created(),
        staff_added("ann@acme.example"),
        StaffMemberRenamed {
            user_id: ann,
            name: name("Ann Early"),
        },
    ])
    .when(RemoveStaffMember { user_id: ann })
    .then(&[StaffMemberRemoved { user_id: ann }]);
    assert!(state.staff_names.is_empty());
}

#[test]
fn add_staff_member() {
    let state = given::<Tenant>(&[created()])
        .when(AddStaffMember {
            user_id: UserId::for_email(&email("Ann@Acme.example")),
            email: email("ann@acme.example"),
            name: None,
        })
        .then(&[staff_added("ann@acme.example")]);
    assert_eq!(state.staff.len(), 1);
}

#[test]
fn adding_a_staff_member_twice_changes_nothing() {
    given::<Tenant>(&[created(), staff_added("ann@acme.example")])
        .when(AddStaffMember {
            user_id: UserId::for_email(&email("ann@acme.example")),
            email: email("ann@acme.example"),
            name: None,
        })
        .then_nothing();
}

#[test]
fn staff_of_an_unknown_tenant_is_rejected() {
    given::<Tenant>(&[])
        .when(AddStaffMember {
            user_id: UserId::for_email(&email("ann@acme.example")),
            email: email("ann@acme.example"),
            name: None,
        })
        .then_error(DomainError::NotFound("tenant"));
    given::<Tenant>(&[])
        .when(RemoveStaffMember {
            user_id: UserId::for_email(&email("ann@acme.example")),
        })
        .then_error(DomainError::NotFound("tenant"));
}

#[test]
fn a_staff_id_not_derived_from_the_email_is_rejected() {
    given::<Tenant>(&[created()])
        .when(AddStaffMember {
            user_id: UserId::for_email(&email("bob@acme.example")),
            email: email("ann@acme.example"),
            name: None,
        })
        .then_error(DomainError::Rule(
            "a user id must be derived from its email".to_owned(),
        ));
}

#[test]
fn remove_staff_member() {
    let ann = UserId::for_email(&email("ann@acme.example"));
    let state = given::<Tenant>(&[created(), staff_added("ann@acme.example")])
        .when(RemoveStaffMember { user_id: ann })
        .then(&[StaffMemberRemoved { user_id: ann }]);
    assert!(state.staff.is_empty());
    given::<Tenant>(&[created()])
        .when(RemoveStaffMember { user_id: ann })
        .then_nothing();
}

fn zone(s: &str) -> TimeZoneName {
    TimeZoneName::parse(s).unwrap()
}

#[test]
fn set_time_zone() {
    let state = given::<Tenant>(&[created()])
        .when(SetTimeZone {
            time_zone: zone("Europe/Stockholm"),
        })
        .then(&[TenantTimeZoneSet {
            time_zone: zone("Europe/Stockholm"),
        }]);
    assert_eq!(state.time_zone, Some(zone("Europe/Stockholm")));
}

#[test]
fn setting_the_current_time_zone_again_changes_nothing() {
    let set = TenantTimeZoneSet {
        time_zone: zone("Europe/Stockholm"),
    };
    given::<Tenant>(&[created(), set.clone()])
        .when(SetTimeZone {
            time_zone: zone("Europe/Stockholm"),
        })
        .then_nothing();
    // Another zone afterwards is a change again.
    given::<Tenant>(&[created(), set])
        .when(SetTimeZone {
            time_zone: zone("UTC"),
        })
        .then(&[TenantTimeZoneSet {
            time_zone: zone("UTC"),
        }]);
}

#[test]
fn the_time_zone_of_an_unknown_tenant_is_rejected() {
    given::<Tenant>(&[])
        .when(SetTimeZone {
            time_zone: zone("Europe/Stockholm"),
        })
        .then_error(DomainError::NotFound("tenant"));
}

#[test]
fn a_time_zone_event_with_a_malformed_name_does_not_deserialise() {
    let good =
        serde_json::json!({"type": "TenantTimeZoneSet", "data": {"time_zone": "Asia/Tokyo"}});
    assert_eq!(
        serde_json::from_value::<TenantEvent>(good).unwrap(),
        TenantTimeZoneSet {
            time_zone: zone("Asia/Tokyo")
        }
    );
    let bad = serde_json::json!({"type": "TenantTimeZoneSet", "data": {"time_zone": "+01:00"}});
    assert!(serde_json::from_value::<TenantEvent>(bad).is_err());
    assert_eq!(
        TimeZoneName::parse("Europe/ Paris").unwrap_err().field,
        "time_zone"
    );
}
