//! Customers: create one, update its details (name, code, status), and switch its portal
//! (*Access to Customer Portal* and *Show charges on customer portal* as one use case).
//!
//! Answers are built from the aggregate's state right after the command ([`CustomerView`]), not
//! from the read model, which catches up a moment later.

use super::{Fields, checked, creation_id, staff_only, stream};
use crate::Context;
use crate::Error;
use crate::Principal;
use crate::commands::{run, run_many};
use portal_domain::customer::{Customer, CustomerCommand, CustomerState, CustomerStatus};
use portal_domain::values::Name;
use portal_domain::{Aggregate, CustomerId};
use portal_eventlog::Idempotency;
use portal_eventlog::executor::load;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /api/v1/customers`: a new customer. `status` is `prospect` (default), `approved` or
/// `blocked`; `code` is the carrier's short code (≤ 32 characters, blank means none).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NewCustomer {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<crate::schema::CustomerStatus>)]
    pub status: Option<String>,
}

/// `PUT /api/v1/customers/{id}`: the details; a missing `status` leaves it as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CustomerDetails {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<crate::schema::CustomerStatus>)]
    pub status: Option<String>,
}

/// `PUT /api/v1/customers/{id}/portal`: both switches (both required).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PortalSettings {
    /// *Access to Customer Portal*.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// *Show charges on customer portal*.
    #[serde(default)]
    pub show_charges: Option<bool>,
}

/// A customer as the write side knows it right after a command.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CustomerView {
    #[schema(value_type = String, format = Uuid)]
    pub customer_id: CustomerId,
    pub name: String,
    pub code: Option<String>,
    /// `prospect`, `approved` or `blocked`.
    pub status: String,
    pub portal_enabled: bool,
    pub show_charges: bool,
}

impl CustomerView {
    /// The view of a state (`None` for a customer that does not exist).
    pub fn of(state: &CustomerState) -> Option<Self> {
        Some(Self {
            customer_id: state.customer_id?,
            name: state
                .name
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            code: state.code.clone(),
            status: state.status.as_str().to_owned(),
            portal_enabled: state.portal_enabled,
            show_charges: state.show_charges,
        })
    }
}

/// What a portal switch did: the resulting switches and which of them changed.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PortalChange {
    #[serde(flatten)]
    pub customer: CustomerView,
    /// *Access to Customer Portal* was switched by this request.
    pub portal_changed: bool,
    /// *Show charges on customer portal* was switched by this request.
    pub show_charges_changed: bool,
}

/// Parses a customer status (`field` names it in errors).
pub fn parse_status(fields: &mut Fields, field: &str, raw: Option<&str>) -> Option<CustomerStatus> {
    let raw = raw.map(str::trim).filter(|s| !s.is_empty())?;
    let status = match raw {
        "prospect" => CustomerStatus::Prospect,
        "approved" => CustomerStatus::Approved,
        "blocked" => CustomerStatus::Blocked,
        _ => {
            fields.push(field, "must be prospect, approved or blocked");
            return None;
        }
    };
    Some(status)
}

/// Loads a customer of the principal's tenant; not found when absent or another tenant's.
pub async fn load_customer(
    cx: &Context,
    principal: &Principal,
    id: CustomerId,
) -> Result<CustomerState, Error> {
    let (customer, _, _) = load::<Customer>(&cx.store, &stream::<Customer>(id), principal.tenant())
        .await
        .map_err(Error::from)?;
    if customer.exists {
        Ok(customer)
    } else {
        Err(Error::NotFound)
    }
}

/// Creates a customer; its id (the same on an idempotent replay).
pub async fn create(
    cx: &Context,
    principal: &Principal,
    input: &NewCustomer,
    idempotency: Option<Idempotency>,
) -> Result<CustomerId, Error> {
    staff_only(principal)?;
    let mut fields = Fields::default();
    let name = fields.take(Name::parse(&input.name));
    let code = fields
        .take(portal_domain::customer::customer_code(input.code.as_deref()).map_err(first_field));
    let status = parse_status(&mut fields, "status", input.status.as_deref()).unwrap_or_default();
    fields.finish()?;
    let id =
        CustomerId(creation_id(cx, principal, Customer::CATEGORY, idempotency.as_ref()).await?);
    let command = CustomerCommand::CreateCustomer {
        customer_id: id,
        name: checked(name)?,
        code: checked(code)?,
        status,
    };
    run::<Customer>(
        cx,
        principal,
        &stream::<Customer>(id),
        &command,
        idempotency,
    )
    .await?;
    Ok(id)
}

/// Updates name and code (and the status when given); the customer afterwards.
pub async fn update_details(
    cx: &Context,
    principal: &Principal,
    id: CustomerId,
    input: &CustomerDetails,
    idempotency: Option<Idempotency>,
) -> Result<CustomerView, Error> {
    staff_only(principal)?;
    let mut fields = Fields::default();
    let name = fields.take(Name::parse(&input.name));
    let code = fields
        .take(portal_domain::customer::customer_code(input.code.as_deref()).map_err(first_field));
    let status = parse_status(&mut fields, "status", input.status.as_deref());
    fields.finish()?;
    let mut commands = vec![CustomerCommand::UpdateCustomerDetails {
        name: checked(name)?,
        code: checked(code)?,
    }];
    if let Some(status) = status {
        commands.push(CustomerCommand::ChangeCustomerStatus { status });
    }
    let (after, _) = run_all(cx, principal, id, &commands, idempotency.as_ref()).await?;
    CustomerView::of(&after).ok_or(Error::NotFound)
}

/// Sets both portal switches; the customer afterwards and what changed. The portal switch runs
/// first; a blocked customer cannot be enabled (refused, nothing appended).
pub async fn set_portal(
    cx: &Context,
    principal: &Principal,
    id: CustomerId,
    input: &PortalSettings,
    idempotency: Option<Idempotency>,
) -> Result<PortalChange, Error> {
    staff_only(principal)?;
    let mut fields = Fields::default();
    let enabled = fields.required("enabled", input.enabled);
    let show = fields.required("show_charges", input.show_charges);
    fields.finish()?;
    let portal = if checked(enabled)? {
        CustomerCommand::EnablePortalForCustomer
    } else {
        CustomerCommand::DisablePortalForCustomer
    };
    let commands = [
        portal,
        CustomerCommand::SetShowCharges {
            show: checked(show)?,
        },
    ];
    let (after, changed) = run_all(cx, principal, id, &commands, idempotency.as_ref()).await?;
    Ok(PortalChange {
        customer: CustomerView::of(&after).ok_or(Error::NotFound)?,
        portal_changed: changed[0],
        show_charges_changed: changed[1],
    })
}

/// Runs `commands` on one customer as one request: decided in turn on the loaded state and
/// appended together (one transaction, one correlation id, the request's idempotency key), so a
/// rejection appends nothing. The state afterwards and, per command, whether it changed anything.
pub(crate) async fn run_all(
    cx: &Context,
    principal: &Principal,
    id: CustomerId,
    commands: &[CustomerCommand],
    idempotency: Option<&Idempotency>,
) -> Result<(CustomerState, Vec<bool>), Error> {
    let sid = stream::<Customer>(id);
    let (current, version, _) = load::<Customer>(&cx.store, &sid, principal.tenant())
        .await
        .map_err(Error::from)?;
    if !current.exists {
        return Err(Error::NotFound);
    }
    let done = run_many::<Customer>(
        cx,
        principal,
        &sid,
        commands,
        idempotency.cloned(),
        Some((current, version)),
    )
    .await?;
    let changed = (0..commands.len()).map(|i| done.changed(i)).collect();
    Ok((done.executed.state, changed))
}

/// The one field error of a single-field validation.
fn first_field(e: portal_domain::DomainError) -> portal_domain::FieldError {
    e.field_errors()
        .first()
        .cloned()
        .unwrap_or_else(|| portal_domain::FieldError::new("code", e.to_string()))
}
