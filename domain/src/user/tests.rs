//! Given/when/then tests of the user (identity) aggregate.
#![allow(clippy::unwrap_used)]
use super::UserCommand::*;
use super::UserEvent::*;
use super::*;
use crate::testkit::{assert_round_trip, given, id};

fn email() -> Email {
    Email::parse("ann@customer.example").unwrap()
}

fn ann() -> UserId {
    UserId::for_email(&email())
}

fn registered() -> UserEvent {
    UserRegistered {
        user_id: ann(),
        email: email(),
    }
}

#[test]
fn the_id_of_an_email_is_stable_and_ignores_case() {
    let upper = Email::parse(" ANN@Customer.Example ").unwrap();
    assert_eq!(UserId::for_email(&upper), ann());
    let other = Email::parse("bob@customer.example").unwrap();
    assert_ne!(UserId::for_email(&other), ann());
}

#[test]
fn register_user() {
    let state = given::<User>(&[])
        .when(RegisterUser {
            user_id: ann(),
            email: email(),
        })
        .then(&[registered()]);
    assert!(state.exists);
    assert_eq!(state.email, Some(email()));
}

#[test]
fn registering_again_changes_nothing() {
    given::<User>(&[registered()])
        .when(RegisterUser {
            user_id: ann(),
            email: email(),
        })
        .then_nothing();
}

#[test]
fn an_id_not_derived_from_the_email_is_rejected() {
    given::<User>(&[])
        .when(RegisterUser {
            user_id: id(7),
            email: email(),
        })
        .then_error(DomainError::Rule(
            "a user id must be derived from its email".to_owned(),
        ));
}

#[test]
fn request_login_link() {
    let state = given::<User>(&[registered()])
        .when(RequestLoginLink {
            request_id: id(1),
            purpose: LinkPurpose::Login,
        })
        .then(&[LoginLinkRequested {
            user_id: ann(),
            email: email(),
            request_id: id(1),
            purpose: LinkPurpose::Login,
        }]);
    assert_eq!(state.link_requests, 1);
}

#[test]
fn request_password_reset_link() {
    given::<User>(&[registered()])
        .when(RequestLoginLink {
            request_id: id(2),
            purpose: LinkPurpose::PasswordReset,
        })
        .then(&[LoginLinkRequested {
            user_id: ann(),
            email: email(),
            request_id: id(2),
            purpose: LinkPurpose::PasswordReset,
        }]);
}

#[test]
fn commands_for_an_unknown_user_are_rejected() {
    let commands = [
        RequestLoginLink {
            request_id: id(1),
            purpose: LinkPurpose::Login,
        },
        SetPassword { reset: false },
        RecordLogin {
            method: LoginMethod::Link,
        },
        IssueApiToken {
            credential_id: id(3),
            scope: TokenScope::Staff {
                tenant: TenantId::parse("acme").unwrap(),
            },
        },
    ];
    for command in commands {
        given::<User>(&[])
            .when(command)
            .then_error(DomainError::NotFound("user"));
    }
}

#[test]
fn set_password_records_only_the_fact() {
    let state = given::<User>(&[registered()])
        .when(SetPassword { reset: true })
        .then(&[PasswordSet {
            user_id: ann(),
            reset: true,
        }]);
    assert!(state.has_password);
}

#[test]
fn record_login() {
    let state = given::<User>(&[registered()])
        .when(RecordLogin {
            method: LoginMethod::Password,
        })
        .then(&[UserLoggedIn {
            user_id: ann(),
            method: LoginMethod::Password,
        }]);
    assert_eq!(state.logins, 1);
}

#[test]
fn issue_api_token_once_per_id() {
    let scope = TokenScope::Portal {
        tenant: TenantId::parse("acme").unwrap(),
        customer_id: id(9),
    };
    let issued = ApiTokenIssued {
        user_id: ann(),
        credential_id: id(3),
        scope: scope.clone(),
    };
    given::<User>(&[registered()])
        .when(IssueApiToken {
            credential_id: id(3),
            scope: scope.clone(),
        })
        .then(std::slice::from_ref(&issued));
    given::<User>(&[registered(), issued])
        .when(IssueApiToken {
            credential_id: id(3),
            scope,
        })
        .then_error(DomainError::AlreadyExists("api token"));
}

#[test]
fn revoke_api_token_once_and_only_an_issued_one() {
    let issued = ApiTokenIssued {
        user_id: ann(),
        credential_id: id(3),
        scope: TokenScope::Staff {
            tenant: TenantId::parse("acme").unwrap(),
        },
    };
    let revoked = ApiTokenRevoked {
        user_id: ann(),
        credential_id: id(3),
    };
    given::<User>(&[registered()])
        .when(RevokeApiToken {
            credential_id: id(3),
        })
        .then_error(DomainError::NotFound("api token"));
    given::<User>(&[registered(), issued.clone()])
        .when(RevokeApiToken {
            credential_id: id(3),
        })
        .then(std::slice::from_ref(&revoked));
    given::<User>(&[registered(), issued, revoked])
        .when(RevokeApiToken {
            credential_id: id(3),
        })
        .then(&[]);
}

#[test]
fn link_purposes_parse_back() {
    for p in [LinkPurpose::Login, LinkPurpose::PasswordReset] {
        assert_eq!(LinkPurpose::parse(p.as_str()), Some(p));
    }
    assert_eq!(LinkPurpose::parse("other"), None);
}

#[test]
fn every_event_round_trips() {
    assert_round_trip(&[
        registered(),
        LoginLinkRequested {
            user_id: ann(),
            email: email(),
            request_id: id(1),
            purpose: LinkPurpose::Login,
        },
        PasswordSet {
            user_id: ann(),
            reset: false,
        },
        UserLoggedIn {
            user_id: ann(),
            method: LoginMethod::Link,
        },
        ApiTokenIssued {
            user_id: ann(),
            credential_id: id(3),
            scope: TokenScope::Staff {
                tenant: TenantId::parse("acme").unwrap(),
            },
        },
        ApiTokenRevoked {
            user_id: ann(),
            credential_id: id(3),
        },
        UserTimeZonePreferenceSet {
            user_id: ann(),
            time_zone: Some(TimeZoneName::utc()),
        },
    ]);
}

#[test]
fn set_and_clear_the_time_zone_preference() {
    let oslo = Some(TimeZoneName::parse("Europe/Oslo").unwrap());
    let set = UserTimeZonePreferenceSet {
        user_id: ann(),
        time_zone: oslo.clone(),
    };
    let state = given::<User>(&[registered()])
        .when(SetTimeZonePreference {
            time_zone: oslo.clone(),
        })
        .then(std::slice::from_ref(&set));
    assert_eq!(state.time_zone, oslo);
    given::<User>(&[registered(), set.clone()])
        .when(SetTimeZonePreference {
            time_zone: oslo.clone(),
        })
        .then_nothing();
    let state = given::<User>(&[registered(), set])
        .when(SetTimeZonePreference { time_zone: None })
        .then(&[UserTimeZonePreferenceSet {
            user_id: ann(),
            time_zone: None,
        }]);
    assert_eq!(state.time_zone, None);
    // No preference yet: clearing it changes nothing.
    given::<User>(&[registered()])
        .when(SetTimeZonePreference { time_zone: None })
        .then_nothing();
}

#[test]
fn the_time_zone_preference_of_an_unknown_user_is_rejected() {
    given::<User>(&[])
        .when(SetTimeZonePreference {
            time_zone: Some(TimeZoneName::utc()),
        })
        .then_error(DomainError::NotFound("user"));
}
