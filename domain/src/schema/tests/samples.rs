//! A sample event of every event type, using every optional part of the payloads.

use crate::contact::{ContactEvent, ContactRole};
use crate::customer::{CustomerEvent, CustomerStatus};
use crate::ids::{TenantId, UserId};
use crate::location::{LocationEvent, LocationOwner, LocationVisibility};
use crate::order::OrderEvent;
use crate::printer::{DocumentFormat, LabelFormat, OutputKind, PrinterConfigEvent};
use crate::tenant::TenantEvent;
use crate::testkit::{address, content_input, id};
use crate::user::{LinkPurpose, LoginMethod, TokenScope, UserEvent};
use crate::values::{
    AdrInput, Currency, DraftContent, Email, Money, Name, OpeningHours, OpeningPeriodInput,
    OrderContent, Phone, TimeWindowInput,
};
use time::Weekday;
use time::macros::{datetime, time};

fn name(s: &str) -> Name {
    Name::parse(s).unwrap()
}

fn email() -> Email {
    Email::parse("anna@example.com").unwrap()
}

/// A draft with gaps: no delivery date, a goods line without weight or packaging.
fn incomplete_draft() -> DraftContent {
    let mut input = content_input("PO-7");
    input.consignments[0].delivery.date = None;
    input.consignments[0].delivery.address.street = String::new();
    input.consignments[0].goods[0].weight_kg = None;
    input.consignments[0].goods[0].packaging = None;
    DraftContent::new(input).unwrap()
}

/// Content that uses every optional part: a location, a time window, instructions, a contact
/// phone, dangerous goods, notes.
fn rich_content() -> OrderContent {
    let mut input = content_input("PO-7");
    let consignment = &mut input.consignments[0];
    consignment.pickup.location_id = Some(id(50));
    consignment.pickup.time_window = Some(TimeWindowInput {
        from: time!(8:00),
        to: time!(12:30),
    });
    consignment.pickup.instructions = Some("Gate 4\nRing twice".into());
    consignment.pickup.address.contact_name = Some("Anna Schmidt".into());
    consignment.pickup.address.contact_phone = Some("+49 30 1234567".into());
    consignment.goods[0].volume_m3 = Some(2.5);
    consignment.goods[0].adr = Some(AdrInput {
        un_number: "1203".into(),
        class: "3".into(),
        packing_group: Some("II".into()),
        tunnel_code: Some("D/E".into()),
    });
    input.notes = Some("Fragile".into());
    OrderContent::new(input).unwrap()
}

pub fn tenant_samples() -> Vec<TenantEvent> {
    vec![
        TenantEvent::TenantCreated {
            tenant_id: TenantId::parse("acme").unwrap(),
            name: name("ACME Transport"),
        },
        TenantEvent::TenantRenamed {
            name: name("ACME Logistics"),
        },
        TenantEvent::StaffMemberAdded {
            user_id: UserId::for_email(&email()),
            email: email(),
            name: Some(name("Eva Lund")),
        },
        TenantEvent::StaffMemberRenamed {
            user_id: UserId::for_email(&email()),
            name: name("Eva Lund-Berg"),
        },
        TenantEvent::StaffMemberRemoved {
            user_id: UserId::for_email(&email()),
        },
        TenantEvent::TenantTimeZoneSet {
            time_zone: crate::values::TimeZoneName::parse("Europe/Stockholm").unwrap(),
        },
    ]
}

pub fn user_samples() -> Vec<UserEvent> {
    use UserEvent::*;
    let user_id = UserId::for_email(&email());
    vec![
        UserRegistered {
            user_id,
            email: email(),
        },
        LoginLinkRequested {
            user_id,
            email: email(),
            request_id: id(5),
            purpose: LinkPurpose::PasswordReset,
        },
        PasswordSet {
            user_id,
            reset: false,
        },
        UserLoggedIn {
            user_id,
            method: LoginMethod::Link,
        },
        ApiTokenIssued {
            user_id,
            credential_id: id(6),
            scope: TokenScope::Portal {
                tenant: TenantId::parse("acme").unwrap(),
                customer_id: id(1),
            },
        },
        ApiTokenRevoked {
            user_id,
            credential_id: id(6),
        },
        UserTimeZonePreferenceSet {
            user_id,
            time_zone: Some(crate::values::TimeZoneName::parse("Europe/Oslo").unwrap()),
        },
    ]
}

pub fn customer_samples() -> Vec<CustomerEvent> {
    use CustomerEvent::*;
    let customer_id = id(1);
    vec![
        CustomerCreated {
            customer_id,
            name: name("Müller GmbH"),
            code: Some("MUE01".into()),
            status: CustomerStatus::Approved,
        },
        CustomerDetailsUpdated {
            customer_id,
            name: name("Müller AG"),
            code: None,
        },
        CustomerStatusChanged {
            customer_id,
            from: CustomerStatus::Approved,
            to: CustomerStatus::Blocked,
        },
        CustomerPortalEnabled { customer_id },
        CustomerPortalDisabled { customer_id },
        CustomerChargesShown { customer_id },
        CustomerChargesHidden { customer_id },
    ]
}

pub fn contact_samples() -> Vec<ContactEvent> {
    use ContactEvent::*;
    let (contact_id, customer_id) = (id(2), id(1));
    vec![
        ContactAdded {
            contact_id,
            customer_id,
            name: name("Anna Schmidt"),
            email: email(),
            phone: Some(Phone::parse("+49 30 1234567").unwrap()),
            roles: vec![ContactRole::Orders, ContactRole::Invoices],
        },
        ContactUpdated {
            contact_id,
            customer_id,
            name: name("Anna Schmidt"),
            email: email(),
            phone: None,
            roles: vec![],
        },
        ContactAccessGranted {
            contact_id,
            customer_id,
            email: email(),
        },
        ContactAccessRevoked {
            contact_id,
            customer_id,
        },
        ContactRemoved {
            contact_id,
            customer_id,
        },
        ContactNotificationsChanged {
            contact_id,
            customer_id,
            preferences: crate::contact::NotificationPreferences {
                order_status: crate::contact::Delivery::Daily,
                charge_approval: crate::contact::Delivery::Off,
            },
        },
    ]
}

pub fn order_samples() -> Vec<OrderEvent> {
    use OrderEvent::*;
    let (order_id, charge_id) = (id(100), id(200));
    let at = datetime!(2025-06-01 10:00 UTC);
    let amount = Money::new(12_550, Currency::parse("EUR").unwrap()).unwrap();
    vec![
        OrderDraftCreated {
            order_id,
            customer_id: id(1),
            number: "ORD-2025-0001".into(),
            content: DraftContent::from(&rich_content()),
        },
        OrderDraftUpdated {
            order_id,
            content: incomplete_draft(),
        },
        OrderSubmitted {
            order_id,
            content: rich_content(),
            submitted_at: at,
        },
        OrderDraftCancelled { order_id },
        OrderAccepted { order_id },
        OrderRejected {
            order_id,
            reason: "No capacity".into(),
        },
        OrderPlanned {
            order_id,
            planned_at: at,
        },
        OrderInTransit {
            order_id,
            in_transit_at: at,
        },
        OrderDelivered {
            order_id,
            delivered_at: at,
        },
        OrderCancelled {
            order_id,
            reason: "Customer request".into(),
        },
        ChargeAdded {
            order_id,
            charge_id,
            description: name("Waiting time"),
            amount,
        },
        ChargeApprovalRequested {
            order_id,
            charge_id,
        },
        ChargeApproved {
            order_id,
            charge_id,
            comment: Some("OK".into()),
        },
        ChargeRejected {
            order_id,
            charge_id,
            comment: None,
        },
    ]
}

pub fn location_samples() -> Vec<LocationEvent> {
    use LocationEvent::*;
    let location_id = id(50);
    let opening_hours = OpeningHours::new(vec![OpeningPeriodInput {
        weekday: Weekday::Monday,
        opens: time!(7:00),
        closes: time!(16:00),
    }])
    .unwrap();
    vec![
        LocationAdded {
            location_id,
            owner: LocationOwner::Customer { customer_id: id(1) },
            name: name("Depot Berlin"),
            address: address("Berlin"),
            opening_hours: opening_hours.clone(),
            instructions: None,
            visibility: LocationVisibility::CustomerOnly { customer_id: id(1) },
        },
        LocationUpdated {
            location_id,
            name: name("Depot Berlin-Mitte"),
            address: address("Berlin"),
            opening_hours,
            instructions: None,
        },
        LocationArchived { location_id },
        LocationVisibilityChanged {
            location_id,
            visibility: LocationVisibility::AllPortalCustomers,
        },
    ]
}

pub fn printer_samples() -> Vec<PrinterConfigEvent> {
    vec![PrinterConfigEvent::PrinterConfigSet {
        customer_id: id(1),
        contact_id: Some(id(2)),
        label_printer: Some("Zebra GK420d".into()),
        label_format: LabelFormat::FourBySixIn,
        label_output: OutputKind::Zpl,
        label_copies: 2,
        document_printer: None,
        document_format: DocumentFormat::A4,
    }]
}
