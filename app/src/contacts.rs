//! Contacts of a customer: add one (optionally with portal access), update its details, switch
//! its portal access.
//!
//! Facts from other aggregates, read just before deciding: [`CustomerFacts`] from the customer's
//! stream (the write side, so a portal switched on a moment ago counts at once), and
//! `email_in_use` from the contacts read model (`contacts::email_in_use`). While the customer has
//! no portal access the domain refuses access with "Enable Access to Customer Portal on the
//! customer first" (refused).

use super::customers::load_customer;
use super::{Fields, checked, creation_id, parse_id, staff_only, stream};
use crate::Context;
use crate::Error;
use crate::Principal;
use crate::commands::{run, run_loaded};
use portal_domain::contact::{Contact, ContactCommand, ContactRole, ContactState, CustomerFacts};
use portal_domain::values::{Email, Name, Phone};
use portal_domain::{Aggregate, ContactId, CustomerId};
use portal_eventlog::Idempotency;
use portal_eventlog::executor::load;
use portal_projections::models::contacts;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /api/v1/customers/{id}/contacts`: a new contact. `roles` are any of `orders`,
/// `invoices`, `operations`, `management`, `other`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NewContact {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(value_type = Vec<crate::schema::ContactRole>)]
    pub roles: Vec<String>,
    /// *Access customer portal*: refused while the customer has no portal access.
    #[serde(default)]
    pub portal_access: bool,
}

/// `PUT /api/v1/contacts/{id}`: the contact's details (access has its own path).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ContactDetails {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(value_type = Vec<crate::schema::ContactRole>)]
    pub roles: Vec<String>,
}

/// `PUT /api/v1/contacts/{id}/portal-access`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PortalAccess {
    /// Required.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A contact as the write side knows it right after a command.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ContactView {
    #[schema(value_type = String, format = Uuid)]
    pub contact_id: ContactId,
    #[schema(value_type = String, format = Uuid)]
    pub customer_id: CustomerId,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    #[schema(value_type = Vec<String>)]
    pub roles: Vec<ContactRole>,
    pub portal_access: bool,
    /// Whether the command changed anything (`false` for a request that asked for what was so).
    pub changed: bool,
}

impl ContactView {
    fn of(state: &ContactState, changed: bool) -> Option<Self> {
        Some(Self {
            contact_id: state.contact_id?,
            customer_id: state.customer_id?,
            name: state.name.as_ref()?.to_string(),
            email: state.email.as_ref()?.to_string(),
            phone: state.phone.as_ref().map(ToString::to_string),
            roles: state.roles.clone(),
            portal_access: state.portal_access,
            changed,
        })
    }
}

/// Validated contact details.
struct Valid {
    name: Name,
    email: Email,
    phone: Option<Phone>,
    roles: Vec<ContactRole>,
}

fn validate(
    name: &str,
    email: &str,
    phone: Option<&str>,
    roles: &[String],
) -> Result<Valid, Error> {
    let mut fields = Fields::default();
    let name = fields.take(Name::parse(name));
    let email = fields.take(Email::parse(email));
    let phone = match phone.map(str::trim).filter(|p| !p.is_empty()) {
        None => Some(None),
        Some(p) => fields.take(Phone::parse(p)).map(Some),
    };
    let mut parsed = Vec::new();
    for (i, role) in roles.iter().enumerate() {
        match serde_json::from_value::<ContactRole>(serde_json::Value::String(role.trim().into())) {
            Ok(r) => parsed.push(r),
            Err(_) => fields.push(
                &format!("roles[{i}]"),
                "must be orders, invoices, operations, management or other",
            ),
        }
    }
    fields.finish()?;
    Ok(Valid {
        name: checked(name)?,
        email: checked(email)?,
        phone: checked(phone)?,
        roles: parsed,
    })
}

/// The facts about a customer a contact command needs (not found for another tenant's or unknown).
pub async fn customer_facts(
    cx: &Context,
    principal: &Principal,
    customer_id: CustomerId,
) -> Result<CustomerFacts, Error> {
    let customer = load_customer(cx, principal, customer_id).await?;
    Ok(CustomerFacts {
        exists: customer.exists,
        portal_enabled: customer.portal_enabled,
    })
}

/// Loads a live-or-removed contact of the principal's tenant; not found when absent or another
/// tenant's.
pub async fn load_contact(
    cx: &Context,
    principal: &Principal,
    id: ContactId,
) -> Result<ContactState, Error> {
    Ok(load_contact_at(cx, principal, id).await?.0)
}

/// [`load_contact`] with the stream's version, for deciding a command on it without reading the
/// stream again ([`run_loaded`]).
async fn load_contact_at(
    cx: &Context,
    principal: &Principal,
    id: ContactId,
) -> Result<(ContactState, i64), Error> {
    let (contact, version, _) =
        load::<Contact>(&cx.store, &stream::<Contact>(id), principal.tenant())
            .await
            .map_err(Error::from)?;
    if contact.exists {
        Ok((contact, version))
    } else {
        Err(Error::NotFound)
    }
}

/// Adds a contact to `customer_id` (with access when asked); the new contact.
pub async fn add(
    cx: &Context,
    principal: &Principal,
    customer_id: CustomerId,
    input: &NewContact,
    idempotency: Option<Idempotency>,
) -> Result<ContactView, Error> {
    staff_only(principal)?;
    let customer = customer_facts(cx, principal, customer_id).await?;
    let v = validate(
        &input.name,
        &input.email,
        input.phone.as_deref(),
        &input.roles,
    )?;
    let email_in_use =
        contacts::email_in_use(&cx.read, principal.tenant(), customer_id, &v.email, None).await?;
    let id = ContactId(creation_id(cx, principal, Contact::CATEGORY, idempotency.as_ref()).await?);
    let command = ContactCommand::AddContact {
        contact_id: id,
        customer_id,
        name: v.name,
        email: v.email,
        phone: v.phone,
        roles: v.roles,
        portal_access: input.portal_access,
        customer,
        email_in_use,
    };
    let done = run::<Contact>(cx, principal, &stream::<Contact>(id), &command, idempotency).await?;
    ContactView::of(&done.state, done.changed()).ok_or(Error::NotFound)
}

/// Updates a contact's name, email, phone and roles; the contact afterwards.
pub async fn update(
    cx: &Context,
    principal: &Principal,
    id: ContactId,
    input: &ContactDetails,
    idempotency: Option<Idempotency>,
) -> Result<ContactView, Error> {
    staff_only(principal)?;
    let (current, version) = load_contact_at(cx, principal, id).await?;
    let v = validate(
        &input.name,
        &input.email,
        input.phone.as_deref(),
        &input.roles,
    )?;
    let customer_id = checked(current.customer_id)?;
    let email_in_use = contacts::email_in_use(
        &cx.read,
        principal.tenant(),
        customer_id,
        &v.email,
        Some(id),
    )
    .await?;
    let command = ContactCommand::UpdateContact {
        name: v.name,
        email: v.email,
        phone: v.phone,
        roles: v.roles,
        email_in_use,
    };
    let sid = stream::<Contact>(id);
    let done =
        run_loaded::<Contact>(cx, principal, &sid, &command, idempotency, current, version).await?;
    ContactView::of(&done.state, done.changed()).ok_or(Error::NotFound)
}

/// Switches a contact's portal access on (refused while its customer has no portal access) or
/// off; the contact afterwards.
pub async fn set_access(
    cx: &Context,
    principal: &Principal,
    id: ContactId,
    input: &PortalAccess,
    idempotency: Option<Idempotency>,
) -> Result<ContactView, Error> {
    staff_only(principal)?;
    let mut fields = Fields::default();
    let enabled = fields.required("enabled", input.enabled);
    fields.finish()?;
    let (current, version) = load_contact_at(cx, principal, id).await?;
    let command = if checked(enabled)? {
        let customer = customer_facts(cx, principal, checked(current.customer_id)?).await?;
        ContactCommand::GrantContactAccess { customer }
    } else {
        ContactCommand::RevokeContactAccess
    };
    let sid = stream::<Contact>(id);
    let done =
        run_loaded::<Contact>(cx, principal, &sid, &command, idempotency, current, version).await?;
    ContactView::of(&done.state, done.changed()).ok_or(Error::NotFound)
}

/// Parses a contact id from a path segment (unparsable: not found).
pub fn contact_id(raw: &str) -> Result<ContactId, Error> {
    parse_id(raw)
}

/// Whether `decide` would accept `command` on `state` (for pages that grey out a toggle).
pub fn would_accept(state: &ContactState, command: &ContactCommand) -> bool {
    Contact::decide(state, command).is_ok()
}
