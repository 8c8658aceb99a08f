//! One sentence per event type of every aggregate, written against the state before the event
//! (so a removal or a decision names what it removed or decided on). `who` is the actor's label;
//! user text is quoted with “ ” and kept verbatim.

use super::Fmt;
use portal_domain::ChargeId;
use portal_domain::contact::{ContactEvent, ContactState};
use portal_domain::customer::{CustomerEvent, CustomerState};
use portal_domain::location::{LocationEvent, LocationState, LocationVisibility};
use portal_domain::order::{OrderEvent, OrderState, OrderStatus};
use portal_domain::printer::{PrinterConfigEvent, PrinterConfigState};
use portal_domain::tenant::{TenantEvent, TenantState};
use portal_domain::user::{UserEvent, UserState};
use portal_domain::values::Money;

/// `€45.00`, `£3.10`, `$7.00`; other currencies as `1250 JPY`, `12.50 SEK`.
pub fn money(m: &Money) -> String {
    let symbol = match m.currency().code() {
        "EUR" => "€",
        "GBP" => "£",
        "USD" => "$",
        _ => return m.to_string(),
    };
    let plain = m.to_string();
    let number = plain.split(' ').next().unwrap_or(&plain);
    format!("{symbol}{number}")
}

fn quoted(text: &str) -> String {
    format!("“{text}”")
}

/// `: “comment”`, or nothing without a comment.
fn comment(c: Option<&str>) -> String {
    c.map(|c| format!(": {}", quoted(c))).unwrap_or_default()
}

/// `planned → in transit`.
fn status(s: OrderStatus) -> String {
    s.as_str().replace('_', " ")
}

pub(super) fn tenant(state: &TenantState, e: &TenantEvent, who: &str, f: &Fmt<'_>) -> String {
    let _ = f;
    match e {
        TenantEvent::TenantCreated { name, .. } => format!("{who} created the carrier {name}"),
        TenantEvent::TenantRenamed { name } => match &state.name {
            Some(old) => format!("{who} renamed the carrier: {old} → {name}"),
            None => format!("{who} renamed the carrier to {name}"),
        },
        TenantEvent::StaffMemberAdded {
            email, name: None, ..
        } => format!("{who} added staff member {email}"),
        TenantEvent::StaffMemberAdded {
            email,
            name: Some(name),
            ..
        } => format!("{who} added staff member {name} ({email})"),
        TenantEvent::StaffMemberRenamed { user_id, name } => {
            let email = state.staff.iter().find(|(id, _)| id == user_id);
            let old = state.staff_names.iter().find(|(id, _)| id == user_id);
            match (email, old) {
                (Some((_, e)), Some((_, o))) => {
                    format!("{who} renamed staff member {e}: {o} → {name}")
                }
                (Some((_, e)), None) => format!("{who} named staff member {e} {name}"),
                _ => format!("{who} named a staff member {name}"),
            }
        }
        TenantEvent::StaffMemberRemoved { user_id } => {
            match state.staff.iter().find(|(id, _)| id == user_id) {
                Some((_, email)) => format!("{who} removed staff member {email}"),
                None => format!("{who} removed a staff member"),
            }
        }
        TenantEvent::TenantTimeZoneSet { time_zone } => {
            format!("{who} set the carrier's time zone to {time_zone}")
        }
    }
}

pub(super) fn customer(state: &CustomerState, e: &CustomerEvent, who: &str, f: &Fmt<'_>) -> String {
    let _ = f;
    let name = state
        .name
        .as_ref()
        .map_or_else(|| "the customer".to_owned(), |n| format!("customer {n}"));
    match e {
        CustomerEvent::CustomerCreated { name, status, .. } => {
            format!("{who} created customer {name} (status: {status})")
        }
        CustomerEvent::CustomerDetailsUpdated { .. } => {
            format!("{who} updated the details of {name}")
        }
        CustomerEvent::CustomerStatusChanged { from, to, .. } => {
            format!("{who} changed the status of {name}: {from} → {to}")
        }
        CustomerEvent::CustomerPortalEnabled { .. } => {
            format!("{who} gave {name} access to the customer portal")
        }
        CustomerEvent::CustomerPortalDisabled { .. } => {
            format!("{who} switched off the customer portal for {name}")
        }
        CustomerEvent::CustomerChargesShown { .. } => {
            format!("{who} showed charges on the portal of {name}")
        }
        CustomerEvent::CustomerChargesHidden { .. } => {
            format!("{who} hid charges from the portal of {name}")
        }
    }
}

pub(super) fn contact(state: &ContactState, e: &ContactEvent, who: &str, f: &Fmt<'_>) -> String {
    let _ = f;
    let name = state
        .name
        .as_ref()
        .map_or_else(|| "a contact".to_owned(), |n| format!("contact {n}"));
    match e {
        ContactEvent::ContactAdded { name, email, .. } => {
            format!("{who} added contact {name} ({email})")
        }
        ContactEvent::ContactUpdated { name: new, .. } => format!("{who} updated contact {new}"),
        ContactEvent::ContactAccessGranted { .. } => format!("{who} gave {name} portal access"),
        ContactEvent::ContactAccessRevoked { .. } => {
            format!("{who} revoked the portal access of {name}")
        }
        ContactEvent::ContactRemoved { .. } => format!("{who} removed {name}"),
        ContactEvent::ContactNotificationsChanged { preferences, .. } => format!(
            "{who} set the emails of {name}: order status {}, charges to approve {}",
            preferences.order_status.as_str(),
            preferences.charge_approval.as_str()
        ),
    }
}

fn charge_text(state: &OrderState, id: &ChargeId) -> String {
    match state.charges.iter().find(|c| &c.charge_id == id) {
        Some(c) => format!(
            "charge {} {}",
            quoted(c.description.as_str()),
            money(&c.amount)
        ),
        None => "a charge".to_owned(),
    }
}

pub(super) fn order(state: &OrderState, e: &OrderEvent, who: &str, f: &Fmt<'_>) -> String {
    let number = state
        .number
        .as_deref()
        .map_or_else(|| "the order".to_owned(), |n| format!("order {n}"));
    let moved = |to: OrderStatus| format!("Status: {} → {}", status(state.status), status(to));
    match e {
        OrderEvent::OrderDraftCreated { number, .. } => {
            format!("{who} started the draft of order {number}")
        }
        OrderEvent::OrderDraftUpdated { .. } => format!("{who} edited the draft of {number}"),
        OrderEvent::OrderSubmitted { submitted_at, .. } => format!(
            "{who} submitted {number} at {}. {}",
            f.zone.format(*submitted_at),
            moved(OrderStatus::Submitted)
        ),
        OrderEvent::OrderDraftCancelled { .. } => {
            format!(
                "{who} cancelled the draft of {number}. {}",
                moved(OrderStatus::Cancelled)
            )
        }
        OrderEvent::OrderAccepted { .. } => {
            format!("{who} accepted {number}. {}", moved(OrderStatus::Accepted))
        }
        OrderEvent::OrderRejected { reason, .. } => format!(
            "{who} rejected {number}{}. {}",
            comment(Some(reason)),
            moved(OrderStatus::Rejected)
        ),
        OrderEvent::OrderPlanned { planned_at, .. } => format!(
            "{who} planned {number} at {}. {}",
            f.zone.format(*planned_at),
            moved(OrderStatus::Planned)
        ),
        OrderEvent::OrderInTransit { in_transit_at, .. } => format!(
            "{who} reported {number} in transit at {}. {}",
            f.zone.format(*in_transit_at),
            moved(OrderStatus::InTransit)
        ),
        OrderEvent::OrderDelivered { delivered_at, .. } => format!(
            "{who} reported {number} delivered at {}. {}",
            f.zone.format(*delivered_at),
            moved(OrderStatus::Delivered)
        ),
        OrderEvent::OrderCancelled { reason, .. } => format!(
            "{who} cancelled {number}{}. {}",
            comment(Some(reason)),
            moved(OrderStatus::Cancelled)
        ),
        OrderEvent::ChargeAdded {
            description,
            amount,
            ..
        } => format!(
            "{who} added charge {} {} to {number}",
            quoted(description.as_str()),
            money(amount)
        ),
        OrderEvent::ChargeApprovalRequested { charge_id, .. } => format!(
            "{who} asked the customer to approve {}",
            charge_text(state, charge_id)
        ),
        OrderEvent::ChargeApproved {
            charge_id,
            comment: c,
            ..
        } => format!(
            "{who} approved {}{}",
            charge_text(state, charge_id),
            comment(c.as_deref())
        ),
        OrderEvent::ChargeRejected {
            charge_id,
            comment: c,
            ..
        } => format!(
            "{who} rejected {}{}",
            charge_text(state, charge_id),
            comment(c.as_deref())
        ),
    }
}

fn visibility(v: &LocationVisibility) -> &'static str {
    match v {
        LocationVisibility::CustomerOnly { .. } => "this customer only",
        LocationVisibility::AllPortalCustomers => "all portal customers",
        LocationVisibility::NotOnPortal => "not on the portal",
    }
}

pub(super) fn location(state: &LocationState, e: &LocationEvent, who: &str, f: &Fmt<'_>) -> String {
    let _ = f;
    let name = state
        .name
        .as_ref()
        .map_or_else(|| "a location".to_owned(), |n| format!("location {n}"));
    match e {
        LocationEvent::LocationAdded {
            name,
            address,
            visibility: v,
            ..
        } => format!(
            "{who} added location {name}, {} {} (visible to {})",
            address.city(),
            address.country(),
            visibility(v)
        ),
        LocationEvent::LocationUpdated { name: new, .. } => {
            format!("{who} updated location {new}")
        }
        LocationEvent::LocationArchived { .. } => format!("{who} archived {name}"),
        LocationEvent::LocationVisibilityChanged { visibility: v, .. } => match &state.visibility {
            Some(old) => format!(
                "{who} changed who sees {name}: {} → {}",
                visibility(old),
                visibility(v)
            ),
            None => format!("{who} made {name} visible to {}", visibility(v)),
        },
    }
}

pub(super) fn printer(
    state: &PrinterConfigState,
    e: &PrinterConfigEvent,
    who: &str,
    f: &Fmt<'_>,
) -> String {
    let _ = f;
    let PrinterConfigEvent::PrinterConfigSet {
        label_format,
        label_output,
        label_copies,
        document_format,
        ..
    } = e;
    let verb = if state.exists { "changed" } else { "set" };
    format!(
        "{who} {verb} the printer configuration: labels {} {} × {label_copies}, documents {}",
        label_format.as_str(),
        serde_text(label_output),
        serde_text(document_format)
    )
}

/// An enum's wire name (`pdf`, `a4`), for enums without a label of their own.
fn serde_text<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s.to_uppercase(),
        _ => String::new(),
    }
}

pub(super) fn user(state: &UserState, e: &UserEvent, who: &str, f: &Fmt<'_>) -> String {
    let _ = (state, f);
    match e {
        UserEvent::UserRegistered { email, .. } => format!("{who} registered the login {email}"),
        UserEvent::LoginLinkRequested { purpose, .. } => {
            format!(
                "{who}: a {} link was requested",
                purpose.as_str().replace('_', " ")
            )
        }
        UserEvent::PasswordSet { reset: true, .. } => {
            format!("{who}: the password was reset by an emailed link")
        }
        UserEvent::PasswordSet { reset: false, .. } => format!("{who} set a password"),
        UserEvent::UserLoggedIn { method, .. } => {
            format!(
                "{who}: logged in ({})",
                serde_text(method).to_lowercase().replace('_', " ")
            )
        }
        UserEvent::ApiTokenIssued { credential_id, .. } => {
            format!("{who} issued API token {credential_id}")
        }
        UserEvent::ApiTokenRevoked { credential_id, .. } => {
            format!("{who} revoked API token {credential_id}")
        }
        UserEvent::UserTimeZonePreferenceSet { time_zone, .. } => match time_zone {
            Some(z) => format!("{who} chose the time zone {z}"),
            None => format!("{who} chose to follow the carrier's time zone"),
        },
    }
}
