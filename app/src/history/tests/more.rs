//! Locations, printer configurations, login identities, money and unknown streams in words.
#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn location_events_in_words() {
    let location_id: LocationId = id(4);
    let customer_id: CustomerId = id(2);
    let d = describe(
        "location",
        &[
            LocationEvent::LocationAdded {
                location_id,
                owner: LocationOwner::Customer { customer_id },
                name: name("Main depot"),
                address: address("Berlin"),
                opening_hours: OpeningHours::default(),
                instructions: None,
                visibility: LocationVisibility::CustomerOnly { customer_id },
            },
            LocationEvent::LocationUpdated {
                location_id,
                name: name("Main depot"),
                address: address("Hamburg"),
                opening_hours: OpeningHours::default(),
                instructions: Some("Gate 4".into()),
            },
            LocationEvent::LocationVisibilityChanged {
                location_id,
                visibility: LocationVisibility::AllPortalCustomers,
            },
            LocationEvent::LocationArchived { location_id },
        ],
    );
    let s = summaries(&d);
    assert_eq!(
        s[0],
        "Ann Early added location Main depot, Berlin DE (visible to this customer only)"
    );
    assert_eq!(s[1], "Ann Early updated location Main depot");
    assert_eq!(
        change(&d[1], "address.city"),
        (Some("Berlin"), Some("Hamburg"))
    );
    assert_eq!(change(&d[1], "instructions"), (None, Some("Gate 4")));
    assert_eq!(
        s[2],
        "Ann Early changed who sees location Main depot: this customer only → all portal customers"
    );
    assert_eq!(s[3], "Ann Early archived location Main depot");
}

#[test]
fn printer_events_in_words() {
    let set = |copies: u8| PrinterConfigEvent::PrinterConfigSet {
        customer_id: id(2),
        contact_id: Some(id(3)),
        label_printer: Some("Zebra".into()),
        label_format: LabelFormat::A6,
        label_output: OutputKind::Zpl,
        label_copies: copies,
        document_printer: None,
        document_format: DocumentFormat::A4,
    };
    let d = describe("printer_config", &[set(1), set(2)]);
    assert_eq!(
        d[0].summary,
        "Ann Early set the printer configuration: labels a6 ZPL × 1, documents A4"
    );
    assert!(
        d[1].summary
            .starts_with("Ann Early changed the printer configuration")
    );
    assert_eq!(change(&d[1], "label_copies"), (Some("1"), Some("2")));
}

#[test]
fn user_events_in_words() {
    let user_id: UserId = id(9);
    let token: ApiTokenId = id(10);
    let d = describe(
        "user",
        &[
            UserEvent::UserRegistered {
                user_id,
                email: email("ann@nordic.example"),
            },
            UserEvent::LoginLinkRequested {
                user_id,
                email: email("ann@nordic.example"),
                request_id: LoginRequestId(Uuid::from_u128(11)),
                purpose: LinkPurpose::Login,
            },
            UserEvent::UserLoggedIn {
                user_id,
                method: LoginMethod::Link,
            },
            UserEvent::PasswordSet {
                user_id,
                reset: false,
            },
            UserEvent::ApiTokenIssued {
                user_id,
                credential_id: token,
                scope: TokenScope::Staff {
                    tenant: TenantId::parse("acme").unwrap(),
                },
            },
            UserEvent::ApiTokenRevoked {
                user_id,
                credential_id: token,
            },
            UserEvent::UserTimeZonePreferenceSet {
                user_id,
                time_zone: None,
            },
        ],
    );
    let s = summaries(&d);
    assert_eq!(s[0], "Ann Early registered the login ann@nordic.example");
    assert_eq!(s[1], "Ann Early: a login link was requested");
    assert_eq!(s[2], "Ann Early: logged in (link)");
    assert_eq!(s[3], "Ann Early set a password");
    assert_eq!(change(&d[3], "has_password"), (Some("no"), Some("yes")));
    assert!(s[4].starts_with("Ann Early issued API token"));
    assert!(s[5].starts_with("Ann Early revoked API token"));
    assert_eq!(s[6], "Ann Early chose to follow the carrier's time zone");
}

#[test]
fn money_has_its_currency() {
    assert_eq!(describe::money(&eur(4500)), "€45.00");
    let sek = Money::new(1250, Currency::parse("SEK").unwrap()).unwrap();
    assert_eq!(describe::money(&sek), "12.50 SEK");
}

#[test]
fn an_unknown_category_keeps_the_event_type() {
    let e = &recorded(
        "customer-00000000-0000-0000-0000-000000000001",
        &[CustomerEvent::CustomerPortalEnabled { customer_id: id(1) }],
    )[0];
    let d = describe_stream(
        "other",
        std::slice::from_ref(e),
        &["X".into()],
        &Zone::utc(),
    )
    .unwrap();
    assert_eq!(d[0].summary, "X: CustomerPortalEnabled");
}
