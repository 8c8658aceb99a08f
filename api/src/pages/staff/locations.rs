//! Locations: the carrier's own locations (depots, warehouses, hubs) with their portal
//! visibility (one customer / all portal customers / not on portal); create and edit. The rule
//! that a location used by two or more customers cannot be limited to one customer is the
//! domain's; its message stands next to the visibility choice.
//!
//! Opening hours are typed as text, one rule per line (`Mon-Fri 08:00-12:00, 13:00-17:00`, see
//! `portal_domain::values::parse_opening_hours`), and shown the same way.

use super::common::{FormData, StaffCtx, form_errors};
use crate::error::AppError;
use crate::pages::country::country_select;
use crate::pages::layout::{
    Section, count, csrf_field, error_id, field_error, input_attrs, input_attrs_if, other_errors,
};
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use portal_app::locations::{self as service, CarrierLocationInput, VisibilityInput};
use portal_app::parse_id;
use portal_domain::location::{LocationOwner, LocationVisibility};
use portal_domain::values::{
    AddressInput, OpeningHours, OpeningPeriodInput, opening_hours_text, parse_opening_hours,
};
use portal_domain::{FieldError, LocationId};
use portal_projections::models::customers::{self, CustomerFilter};
use portal_projections::models::locations::{self, LocationRow};
use portal_projections::models::{Page, Scope};

/// `GET /staff/locations`.
pub async fn list(ctx: StaffCtx) -> Result<Response, AppError> {
    let rows = service::list(&ctx.state.app(), &ctx.caller.principal(), true).await?;
    let mut names = Vec::new();
    for l in &rows {
        names.push(visibility_text(&ctx, &l.visibility).await?);
    }
    let body = html! {
        div.page-head {
            div {
                h1 { "Locations" }
                p.subtitle { "Your depots, warehouses and hubs, and which customers see them on the portal." }
            }
            a.button href="/staff/locations/new" { "New location" }
        }
        section.card {
            @if rows.is_empty() {
                p.empty { "No carrier locations yet." }
            } @else {
                table {
                    thead { tr { th { "Name" } th { "Address" } th { "On the portal" } th.num { "Used by" } th {} } }
                    tbody {
                        @for (l, visibility) in rows.iter().zip(&names) {
                            tr {
                                td data-label="Name" { (l.name) @if l.archived { " " span.badge.off { "archived" } } }
                                td data-label="Address" { (l.address.street()) ", " (l.address.postal_code()) " " (l.address.city()) ", " (l.address.country()) }
                                td data-label="On the portal" { (visibility) }
                                td.num data-label="Used by" { (count(l.used_by.len() as i64, "customer", "customers")) }
                                td { a.edit href={ "/staff/locations/" (l.location_id) } aria-label={ "Edit " (l.name) } { "✎ Edit" } }
                            }
                        }
                    }
                }
            }
        }
    };
    ctx.page("Locations", Section::Locations, body).await
}

async fn visibility_text(ctx: &StaffCtx, v: &LocationVisibility) -> Result<String, AppError> {
    Ok(match v {
        LocationVisibility::AllPortalCustomers => "All portal customers".to_owned(),
        LocationVisibility::NotOnPortal => "Not on portal".to_owned(),
        LocationVisibility::CustomerOnly { customer_id } => {
            let name = customers::get(&ctx.state.read, ctx.tenant(), *customer_id)
                .await?
                .map_or_else(|| customer_id.to_string(), |c| c.name.to_string());
            format!("Only {name}")
        }
    })
}

/// The form's fields of an existing location.
pub(crate) fn form_of(l: &LocationRow) -> FormData {
    let a = &l.address;
    let (kind, customer) = match l.visibility {
        LocationVisibility::CustomerOnly { customer_id } => {
            ("customer_only", customer_id.to_string())
        }
        LocationVisibility::AllPortalCustomers => ("all_portal_customers", String::new()),
        LocationVisibility::NotOnPortal => ("not_on_portal", String::new()),
    };
    let pairs = [
        ("name", l.name.to_string()),
        ("address.name", a.name().to_string()),
        ("address.street", a.street().to_owned()),
        ("address.postal_code", a.postal_code().to_owned()),
        ("address.city", a.city().to_owned()),
        ("address.country", a.country().to_string()),
        (
            "address.contact_name",
            a.contact_name().unwrap_or_default().to_owned(),
        ),
        (
            "address.contact_phone",
            a.contact_phone()
                .map(ToString::to_string)
                .unwrap_or_default(),
        ),
        ("opening_hours", hours_text(&l.opening_hours)),
        ("instructions", l.instructions.clone().unwrap_or_default()),
        ("visibility.kind", kind.to_owned()),
        ("visibility.customer_id", customer),
    ];
    FormData(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

fn hours_text(hours: &OpeningHours) -> String {
    opening_hours_text(hours)
}

/// Opening hours from the text area: day ranges, abbreviations, several periods a line.
pub(crate) fn parse_hours(text: &str) -> Result<Vec<OpeningPeriodInput>, FieldError> {
    parse_opening_hours(text)
}

fn input_of(form: &FormData) -> Result<CarrierLocationInput, FieldError> {
    let name = form.get("name").to_owned();
    let address_name = form.opt("address.name").unwrap_or_else(|| name.clone());
    Ok(CarrierLocationInput {
        address: AddressInput {
            name: address_name,
            street: form.get("address.street").to_owned(),
            postal_code: form.get("address.postal_code").to_owned(),
            city: form.get("address.city").to_owned(),
            country: form.get("address.country").to_owned(),
            contact_name: form.opt("address.contact_name"),
            contact_phone: form.opt("address.contact_phone"),
        },
        name,
        opening_hours: parse_hours(form.get("opening_hours"))?,
        instructions: form.opt("instructions"),
        visibility: VisibilityInput {
            kind: form.get("visibility.kind").to_owned(),
            customer_id: form.opt("visibility.customer_id"),
        },
    })
}

/// `GET /staff/locations/new`.
pub async fn new_form(ctx: StaffCtx) -> Result<Response, AppError> {
    let mut form = FormData::default();
    form.0
        .push(("visibility.kind".into(), "all_portal_customers".into()));
    render(&ctx, None, &form, &[], StatusCode::OK).await
}

async fn carrier_location(ctx: &StaffCtx, id: &str) -> Result<LocationRow, AppError> {
    let id: LocationId = parse_id(id)?;
    locations::get(&ctx.state.read, ctx.tenant(), Scope::Tenant, id)
        .await?
        .filter(|l| l.owner == LocationOwner::Carrier)
        .ok_or(AppError::NotFound)
}

/// `GET /staff/locations/{id}`.
pub async fn edit(ctx: StaffCtx, Path(id): Path<String>) -> Result<Response, AppError> {
    let l = carrier_location(&ctx, &id).await?;
    render(&ctx, Some(&l), &form_of(&l), &[], StatusCode::OK).await
}

pub(crate) const FIELDS: [(&str, &str); 7] = [
    (
        "address.name",
        "Name on labels (blank: the location's name)",
    ),
    ("address.street", "Street"),
    ("address.postal_code", "Postal code"),
    ("address.city", "City"),
    ("address.country", "Country"),
    ("address.contact_name", "Contact on site"),
    ("address.contact_phone", "Contact phone"),
];

async fn render(
    ctx: &StaffCtx,
    existing: Option<&LocationRow>,
    form: &FormData,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<Response, AppError> {
    let all = Page::first(Page::MAX_LIMIT);
    let choices = customers::list(
        &ctx.state.read,
        ctx.tenant(),
        &CustomerFilter::default(),
        &all,
    )
    .await?;
    let (title, action) = match existing {
        Some(l) => (
            l.name.to_string(),
            format!("/staff/locations/{}/save", l.location_id),
        ),
        None => ("New location".to_owned(), "/staff/locations".to_owned()),
    };
    let kind = form.get("visibility.kind");
    let mut known: Vec<&str> = vec![
        "name",
        "opening_hours",
        "instructions",
        "visibility.kind",
        "visibility.customer_id",
    ];
    known.extend(FIELDS.iter().map(|(f, _)| *f));
    let body = html! {
        div.page-head { div {
            h1 { (title) }
            p.subtitle { a href="/staff/locations" { "Locations" } " › " (title) }
            @if let Some(l) = existing {
                p.hint { "Used in orders of " (count(l.used_by.len() as i64, "customer", "customers")) "." }
            }
        } }
        section.card {
            (other_errors(errors, &known))
            form method="post" action=(action) {
                (csrf_field(&ctx.csrf))
                (location_fields(form, errors))
                fieldset.visibility {
                    legend { "On the customer portal" }
                    (radio(kind, "all_portal_customers", "All portal customers"))
                    (radio(kind, "customer_only", "One customer only:"))
                    select name="visibility.customer_id" id="visibility-customer" aria-label="Customer" {
                        option value="" { "Choose a customer" }
                        @for c in &choices.items {
                            option value=(c.customer_id)
                                selected[form.get("visibility.customer_id") == c.customer_id.to_string()] { (c.name) }
                        }
                    }
                    (field_error(errors, "visibility.customer_id"))
                    (radio(kind, "not_on_portal", "Not on portal"))
                    (field_error(errors, "visibility.kind"))
                }
                button.button type="submit" { "Save" }
            }
        }
    };
    ctx.page_with(status, &title, Section::Locations, body)
        .await
}

/// The fields of a location both location forms share (staff and portal): name, address,
/// opening hours, instructions, each with its message.
pub(crate) fn location_fields(form: &FormData, errors: &[FieldError]) -> Markup {
    html! {
                label for="name" { "Name" }
                @let a = input_attrs(errors, "name");
                input type="text" id="name" name="name" value=(form.get("name")) required
                    aria-invalid=[a.invalid] aria-describedby=[a.described_by];
                (field_error(errors, "name"))
                div.two-col {
                    @for (field, label) in FIELDS {
                        div {
                            label for=(field) { (label) }
                            @let a = input_attrs(errors, field);
                            @if field == "address.country" {
                                (country_select(field, field, form.get(field), &a))
                            } @else {
                                input type="text" id=(field) name=(field) value=(form.get(field))
                                    aria-invalid=[a.invalid] aria-describedby=[a.described_by];
                            }
                            (field_error(errors, field))
                        }
                    }
                }
                label for="opening_hours" { "Opening hours" }
                // Its messages come from `opening_hours[i]…` fields: one element lists them all.
                @let hours: Vec<&FieldError> = errors.iter().filter(|e| e.field.starts_with("opening_hours")).collect();
                @let a = input_attrs_if(!hours.is_empty(), "opening_hours");
                textarea id="opening_hours" name="opening_hours" rows="4" placeholder="Mon-Fri 08:00-17:00"
                    aria-invalid=[a.invalid] aria-describedby=[a.described_by] { (form.get("opening_hours")) }
                p.hint { "One line per day or range of days, e.g. “Mon-Fri 08:00-12:00, 13:00-17:00” and “Sat 08:00-12:00”." }
                @if !hours.is_empty() {
                    div id=(error_id("opening_hours")) {
                        @for e in &hours { p.field-error { (e.message) "." } }
                    }
                }
                label for="instructions" { "Instructions for drivers" }
                @let a = input_attrs(errors, "instructions");
                textarea id="instructions" name="instructions" rows="3" placeholder="Gate, ramp, booking…"
                    aria-invalid=[a.invalid] aria-describedby=[a.described_by] { (form.get("instructions")) }
                (field_error(errors, "instructions"))
    }
}

fn radio(current: &str, value: &str, label: &str) -> Markup {
    html! {
        label.radio {
            input type="radio" name="visibility.kind" value=(value) checked[current == value];
            " " (label)
        }
    }
}

/// `POST /staff/locations`: creates a carrier location.
pub async fn create(ctx: StaffCtx, body: Bytes) -> Result<Response, AppError> {
    let form = FormData::parse(&body);
    let result = match input_of(&form) {
        Ok(input) => service::create(
            &ctx.state.app(),
            &ctx.caller.principal(),
            &input,
            ctx.form_key("staff.location.create"),
        )
        .await
        .map_err(AppError::from),
        Err(e) => Err(AppError::Invalid(vec![e])),
    };
    match result {
        Ok(view) => {
            let message = format!("Location {} created.", view.name);
            ctx.done(message, "/staff/locations").await
        }
        Err(e) => {
            let errors = form_errors(e)?;
            render(&ctx, None, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// `POST /staff/locations/{id}/save`: details and visibility of a carrier location.
pub async fn save(
    ctx: StaffCtx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = FormData::parse(&body);
    let existing = carrier_location(&ctx, &id).await?;
    let result = match input_of(&form) {
        Ok(input) => service::update(
            &ctx.state.app(),
            &ctx.caller.principal(),
            existing.location_id,
            &input,
            ctx.change_key("staff.location.update"),
        )
        .await
        .map_err(AppError::from),
        Err(e) => Err(AppError::Invalid(vec![e])),
    };
    match result {
        Ok(view) => {
            let message = format!("Location {} saved.", view.name);
            ctx.done(message, "/staff/locations").await
        }
        Err(e) => {
            let errors = form_errors(e)?;
            render(
                &ctx,
                Some(&existing),
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
