//! The customer profile `/staff/customers/{id}`: details (name, code, status), the portal
//! switches (*Access to Customer Portal*, *Show charges on customer portal*) and the Contacts
//! panel with *Add contact*. While the customer has no portal access the contact's *Access
//! customer portal* toggle is disabled with the hint "Enable Access to Customer Portal on the
//! customer first" (the use case refuses it too).
//!
//! Each panel is its own form; a rejected one re-renders the profile (422) with its messages
//! next to its fields and what was typed kept.

use super::common::{
    FormData, StaffCtx, customer_status, form_errors, status_badge, status_select, switch_badge,
    tabs,
};
use crate::error::AppError;
use crate::pages::layout::{Section, csrf_field, field_error, other_errors, toggle};
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use portal_app::contacts::{self as contact_service, NewContact};
use portal_app::customers::{self as service, CustomerDetails, PortalSettings};
use portal_app::parse_id;
use portal_domain::contact::ContactRole;
use portal_domain::{CustomerId, FieldError};
use portal_projections::models::customers::{self, CustomerProfile};

/// The hint of the disabled contact access toggle.
pub const ENABLE_CUSTOMER_FIRST: &str = "Enable Access to Customer Portal on the customer first";

/// Every contact role, with its label.
pub const ROLES: [(ContactRole, &str, &str); 5] = [
    (ContactRole::Orders, "orders", "Orders"),
    (ContactRole::Invoices, "invoices", "Invoices"),
    (ContactRole::Operations, "operations", "Operations"),
    (ContactRole::Management, "management", "Management"),
    (ContactRole::Other, "other", "Other"),
];

/// Which form of the profile was sent, with what was typed and what was wrong.
enum Sent<'a> {
    Nothing,
    Details(&'a FormData, &'a [FieldError]),
    Portal(&'a [FieldError]),
    Contact(&'a FormData, &'a [FieldError]),
}

/// `GET /staff/customers/{id}`.
pub async fn profile(ctx: StaffCtx, Path(id): Path<String>) -> Result<Response, AppError> {
    render(&ctx, &id, Sent::Nothing).await
}

async fn load(ctx: &StaffCtx, id: &str) -> Result<CustomerProfile, AppError> {
    let id: CustomerId = parse_id(id)?;
    customers::profile(&ctx.state.read, ctx.tenant(), id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn render(ctx: &StaffCtx, id: &str, sent: Sent<'_>) -> Result<Response, AppError> {
    let p = load(ctx, id).await?;
    let c = &p.customer;
    let base = format!("/staff/customers/{}", c.customer_id);
    let status = if matches!(sent, Sent::Nothing) {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let (details_form, details_errors) = match sent {
        Sent::Details(f, e) => (Some(f), e),
        _ => (None, &[][..]),
    };
    let portal_errors = match sent {
        Sent::Portal(e) => e,
        _ => &[][..],
    };
    let (contact_form, contact_errors) = match sent {
        Sent::Contact(f, e) => (Some(f), e),
        _ => (None, &[][..]),
    };
    let name = details_form.map_or_else(|| c.name.to_string(), |f| f.get("name").to_owned());
    let code = details_form.map_or_else(
        || c.code.clone().unwrap_or_default(),
        |f| f.get("code").to_owned(),
    );
    let chosen = details_form.map_or(Some(c.status), |f| customer_status(f.get("status")));
    let body = html! {
        div.page-head { div {
            h1 { (c.name) }
            p.subtitle {
                a href="/staff/customers" { "Customers" } " › " (c.name) " "
                (status_badge(c.status)) " "
                (switch_badge(c.portal_enabled, "Portal on", "Portal off"))
            }
        } }
        (tabs(&base, false, "Profile"))
        div.two-col {
            section.card #details {
                h2 { "Details" }
                (other_errors(details_errors, &["name", "code", "status"]))
                form method="post" action={ (base) "/details" } {
                    (csrf_field(&ctx.csrf))
                    label for="name" { "Name" }
                    input type="text" id="name" name="name" value=(name) required;
                    (field_error(details_errors, "name"))
                    label for="code" { "Code" }
                    input type="text" id="code" name="code" value=(code);
                    (field_error(details_errors, "code"))
                    label for="status" { "Status" }
                    (status_select("status", chosen, false))
                    (field_error(details_errors, "status"))
                    button.button type="submit" { "Save" }
                }
            }
            section.card #portal {
                h2 { "Customer portal" }
                (other_errors(portal_errors, &["enabled", "show_charges"]))
                form method="post" action={ (base) "/portal" } {
                    (csrf_field(&ctx.csrf))
                    (toggle("enabled", "Access to Customer Portal", c.portal_enabled, None))
                    (field_error(portal_errors, "enabled"))
                    (toggle("show_charges", "Show charges on customer portal", c.show_charges, None))
                    (field_error(portal_errors, "show_charges"))
                    p.hint { "Contacts with portal access log in with their email. Switching the portal off ends their access." }
                    button.button type="submit" { "Save" }
                }
            }
        }
        (contacts_panel(ctx, &p, &base, contact_form, contact_errors))
    };
    ctx.page_with(status, c.name.as_ref(), Section::Customers, body)
        .await
}

fn contacts_panel(
    ctx: &StaffCtx,
    p: &CustomerProfile,
    base: &str,
    form: Option<&FormData>,
    errors: &[FieldError],
) -> Markup {
    let enabled = p.customer.portal_enabled;
    let roles = form.map(|f| f.all("roles")).unwrap_or_default();
    html! {
        section.card #contacts {
            h2 { "Contacts" }
            @if p.contacts.is_empty() {
                p.empty { "No contacts yet." }
            } @else {
                table {
                    thead { tr { th { "Name" } th { "Email" } th { "Phone" } th { "Roles" } th { "Portal access" } th {} } }
                    tbody {
                        @for k in &p.contacts {
                            tr {
                                td data-label="Name" { (k.name) }
                                td data-label="Email" { (k.email) }
                                td data-label="Phone" { (k.phone.as_ref().map(ToString::to_string).unwrap_or_default()) }
                                td data-label="Roles" { (roles_text(&k.roles)) }
                                td data-label="Portal access" { (switch_badge(k.portal_access && enabled, "Access", "No access")) }
                                td { a.edit href={ "/staff/contacts/" (k.contact_id) } aria-label={ "Edit " (k.name) } { "✎ Edit" } }
                            }
                        }
                    }
                }
            }
            details.add-contact open[form.is_some()] {
                summary.button.secondary { "Add contact" }
                (other_errors(errors, &["name", "email", "phone", "roles", "portal_access"]))
                form method="post" action={ (base) "/contacts" } {
                    (csrf_field(&ctx.csrf))
                    div.two-col {
                        div {
                            label for="contact-name" { "Name" }
                            input type="text" id="contact-name" name="name" value=(form.map_or("", |f| f.get("name"))) required;
                            (field_error(errors, "name"))
                        }
                        div {
                            label for="contact-email" { "Email" }
                            input type="email" id="contact-email" name="email" value=(form.map_or("", |f| f.get("email"))) required;
                            (field_error(errors, "email"))
                        }
                        div {
                            label for="contact-phone" { "Phone" }
                            input type="text" id="contact-phone" name="phone" value=(form.map_or("", |f| f.get("phone")));
                            (field_error(errors, "phone"))
                        }
                    }
                    (role_boxes(&roles, errors))
                    (toggle("portal_access", "Access customer portal",
                        enabled && form.is_some_and(|f| f.on("portal_access")),
                        (!enabled).then_some(ENABLE_CUSTOMER_FIRST)))
                    (field_error(errors, "portal_access"))
                    button.button type="submit" { "Add contact" }
                }
            }
        }
    }
}

/// The roles as text.
pub fn roles_text(roles: &[ContactRole]) -> String {
    let names: Vec<&str> = roles
        .iter()
        .filter_map(|r| ROLES.iter().find(|(x, _, _)| x == r).map(|(_, _, l)| *l))
        .collect();
    if names.is_empty() {
        "—".to_owned()
    } else {
        names.join(", ")
    }
}

/// The role check boxes, `chosen` ticked.
pub fn role_boxes(chosen: &[String], errors: &[FieldError]) -> Markup {
    html! {
        fieldset.roles {
            legend { "Roles" }
            @for (_, value, label) in ROLES {
                label.check {
                    input type="checkbox" name="roles" value=(value) checked[chosen.iter().any(|c| c == value)];
                    " " (label)
                }
            }
            @for e in errors.iter().filter(|e| e.field.starts_with("roles")) {
                p.field-error { (e.message) "." }
            }
        }
    }
}

/// `POST /staff/customers/{id}/details`.
pub async fn save_details(
    ctx: StaffCtx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = FormData::parse(&body);
    let customer_id: CustomerId = parse_id(&id)?;
    let input = CustomerDetails {
        name: form.get("name").to_owned(),
        code: Some(form.get("code").to_owned()),
        status: form.opt("status"),
    };
    match service::update_details(
        &ctx.state.app(),
        &ctx.caller.principal(),
        customer_id,
        &input,
        ctx.change_key("staff.customer.update"),
    )
    .await
    {
        Ok(view) => {
            let to = format!("/staff/customers/{customer_id}");
            ctx.done(format!("Details of {} saved.", view.name), &to)
                .await
        }
        Err(e) => {
            let errors = form_errors(e)?;
            render(&ctx, &id, Sent::Details(&form, &errors)).await
        }
    }
}

/// `POST /staff/customers/{id}/portal`: both switches (an unticked box is off).
pub async fn save_portal(
    ctx: StaffCtx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = FormData::parse(&body);
    let customer_id: CustomerId = parse_id(&id)?;
    let input = PortalSettings {
        enabled: Some(form.on("enabled")),
        show_charges: Some(form.on("show_charges")),
    };
    match service::set_portal(
        &ctx.state.app(),
        &ctx.caller.principal(),
        customer_id,
        &input,
        ctx.change_key("staff.customer.portal"),
    )
    .await
    {
        Ok(change) => {
            let c = &change.customer;
            let message = if !change.portal_changed && !change.show_charges_changed {
                "Nothing to change.".to_owned()
            } else {
                format!(
                    "Portal settings of {} saved: access {}, charges {}.",
                    c.name,
                    if c.portal_enabled { "on" } else { "off" },
                    if c.show_charges { "shown" } else { "hidden" },
                )
            };
            ctx.done(message, &format!("/staff/customers/{customer_id}"))
                .await
        }
        Err(e) => {
            let errors = form_errors(e)?;
            render(&ctx, &id, Sent::Portal(&errors)).await
        }
    }
}

/// `POST /staff/customers/{id}/contacts`: *Add contact*.
pub async fn add_contact(
    ctx: StaffCtx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = FormData::parse(&body);
    let customer_id: CustomerId = parse_id(&id)?;
    let input = NewContact {
        name: form.get("name").to_owned(),
        email: form.get("email").to_owned(),
        phone: form.opt("phone"),
        roles: form.all("roles"),
        portal_access: form.on("portal_access"),
    };
    match contact_service::add(
        &ctx.state.app(),
        &ctx.caller.principal(),
        customer_id,
        &input,
        ctx.form_key("staff.contact.add"),
    )
    .await
    {
        Ok(view) => {
            let message = if view.portal_access {
                format!(
                    "Contact {} added with portal access; a welcome email is on its way.",
                    view.name
                )
            } else {
                format!("Contact {} added.", view.name)
            };
            ctx.done(message, &format!("/staff/customers/{customer_id}#contacts"))
                .await
        }
        Err(e) => {
            let errors = form_errors(e)?;
            render(&ctx, &id, Sent::Contact(&form, &errors)).await
        }
    }
}
