//! The address book `/portal/locations`: the customer's own locations (add, edit, archive) and,
//! read-only, the carrier locations the carrier shares with the customer. Editing a location
//! changes what new orders copy at submission, never a submitted order.
//!
//! The form is the staff's location form without the visibility choice (an own location is
//! always the customer's only): name, address, contact, opening hours one period per line.

use super::common::PortalCtx;
use crate::error::AppError;
use crate::pages::layout::{Section, csrf_field, other_errors};
use crate::pages::staff::common::{FormData, form_errors};
use crate::pages::staff::locations::{FIELDS, form_of, location_fields, parse_hours};
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use portal_app::parse_id;
use portal_app::portal::address_book::{self, AddressBookInput};
use portal_domain::location::LocationOwner;
use portal_domain::values::AddressInput;
use portal_domain::{FieldError, LocationId};
use portal_projections::models::locations::LocationRow;

/// `GET /portal/locations`.
pub async fn list(ctx: PortalCtx) -> Result<Response, AppError> {
    let rows = address_book::list(&ctx.state.app(), &ctx.caller.principal(), false).await?;
    let (own, shared): (Vec<&LocationRow>, Vec<&LocationRow>) = rows
        .iter()
        .partition(|l| matches!(l.owner, LocationOwner::Customer { .. }));
    let body = html! {
        div.page-head {
            div {
                h1 { "Locations" }
                p.subtitle { "Your address book: pick these as pickup and delivery stops of new orders." }
            }
            a.button href="/portal/locations/new" { "Add location" }
        }
        section.card {
            h2 { "Your locations" }
            @if own.is_empty() {
                p.empty { "No locations yet. " a href="/portal/locations/new" { "Add your first location" } " — or tick “Save to address book” on a stop of a new order." }
            } @else {
                (table(&own, &ctx.csrf, true))
            }
        }
        @if !shared.is_empty() {
            section.card {
                h2 { "Carrier locations" }
                p.hint { "Shared by the carrier; ask the carrier to change them." }
                (table(&shared, &ctx.csrf, false))
            }
        }
    };
    ctx.page("Locations", Section::Locations, body).await
}

fn table(rows: &[&LocationRow], csrf: &str, own: bool) -> Markup {
    html! {
        table {
            thead { tr { th { "Name" } th { "Address" } th { "Contact" } @if own { th { "" } } } }
            tbody {
                @for l in rows {
                    @let a = &l.address;
                    tr {
                        td data-label="Name" { @if own { a href={ "/portal/locations/" (l.location_id) } { (l.name) } } @else { (l.name) } }
                        td data-label="Address" { (a.street()) ", " (a.postal_code()) " " (a.city()) ", " (a.country().as_str()) }
                        td data-label="Contact" { (a.contact_name().unwrap_or("—")) @if let Some(p) = a.contact_phone() { " · " (p.to_string()) } }
                        @if own {
                            td {
                                form.inline method="post" action={ "/portal/locations/" (l.location_id) "/archive" } {
                                    (csrf_field(csrf))
                                    button.link-button type="submit" { "Archive" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The input of the form; where the opening hours do not parse, every problem of the form.
fn input_of(form: &FormData) -> Result<AddressBookInput, AppError> {
    let name = form.get("name").to_owned();
    let hours = parse_hours(form.get("opening_hours"));
    let input = AddressBookInput {
        address: AddressInput {
            name: form.opt("address.name").unwrap_or_else(|| name.clone()),
            street: form.get("address.street").to_owned(),
            postal_code: form.get("address.postal_code").to_owned(),
            city: form.get("address.city").to_owned(),
            country: form.get("address.country").to_owned(),
            contact_name: form.opt("address.contact_name"),
            contact_phone: form.opt("address.contact_phone"),
        },
        name,
        opening_hours: hours.clone().unwrap_or_default(),
        instructions: form.opt("instructions"),
    };
    match hours {
        Ok(_) => Ok(input),
        Err(e) => {
            let mut errors = address_book::problems(&input);
            errors.push(e);
            Err(AppError::Invalid(errors))
        }
    }
}

/// `GET /portal/locations/new`.
pub async fn new_form(ctx: PortalCtx) -> Result<Response, AppError> {
    render(&ctx, None, &FormData::default(), &[], StatusCode::OK).await
}

async fn own_location(ctx: &PortalCtx, id: &str) -> Result<LocationRow, AppError> {
    let id: LocationId = parse_id(id)?;
    let row = address_book::get(&ctx.state.app(), &ctx.caller.principal(), id).await?;
    if row.owner.customer_id() == Some(ctx.user.customer_id) && !row.archived {
        Ok(row)
    } else {
        Err(AppError::NotFound)
    }
}

/// `GET /portal/locations/{id}`.
pub async fn edit(ctx: PortalCtx, Path(id): Path<String>) -> Result<Response, AppError> {
    let l = own_location(&ctx, &id).await?;
    render(&ctx, Some(&l), &form_of(&l), &[], StatusCode::OK).await
}

async fn render(
    ctx: &PortalCtx,
    existing: Option<&LocationRow>,
    form: &FormData,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<Response, AppError> {
    let (title, action) = match existing {
        Some(l) => (
            l.name.to_string(),
            format!("/portal/locations/{}", l.location_id),
        ),
        None => ("New location".to_owned(), "/portal/locations".to_owned()),
    };
    let mut known: Vec<&str> = vec!["name", "opening_hours", "instructions"];
    known.extend(FIELDS.iter().map(|(f, _)| *f));
    let body = html! {
        div.page-head { div {
            h1 { (title) }
            p.subtitle { a href="/portal/locations" { "Locations" } " › " (title) }
        } }
        section.card {
            (other_errors(errors, &known))
            form method="post" action=(action) {
                (csrf_field(&ctx.csrf))
                (location_fields(form, errors))
                @if existing.is_some() {
                    p.hint { "Orders already submitted keep the address they were sent with." }
                }
                button.button type="submit" { "Save" }
            }
        }
    };
    ctx.page_with(status, &title, Section::Locations, body)
        .await
}

/// `POST /portal/locations`.
pub async fn create(ctx: PortalCtx, body: Bytes) -> Result<Response, AppError> {
    let form = FormData::parse(&body);
    let result = match input_of(&form) {
        Ok(input) => address_book::create(
            &ctx.state.app(),
            &ctx.caller.principal(),
            &input,
            ctx.form_key("portal.location.create"),
        )
        .await
        .map_err(AppError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(view) => {
            ctx.done(
                format!("Location {} added.", view.name),
                "/portal/locations",
            )
            .await
        }
        Err(e) => {
            let errors = form_errors(e)?;
            render(&ctx, None, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// `POST /portal/locations/{id}`.
pub async fn save(
    ctx: PortalCtx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let existing = own_location(&ctx, &id).await?;
    let form = FormData::parse(&body);
    let result = match input_of(&form) {
        Ok(input) => address_book::update(
            &ctx.state.app(),
            &ctx.caller.principal(),
            existing.location_id,
            &input,
            ctx.change_key("portal.location.update"),
        )
        .await
        .map_err(AppError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(view) => {
            ctx.done(
                format!("Location {} saved.", view.name),
                "/portal/locations",
            )
            .await
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

/// `POST /portal/locations/{id}/archive`.
pub async fn archive(ctx: PortalCtx, Path(id): Path<String>) -> Result<Response, AppError> {
    let existing = own_location(&ctx, &id).await?;
    address_book::archive(
        &ctx.state.app(),
        &ctx.caller.principal(),
        existing.location_id,
        ctx.change_key("portal.location.archive"),
    )
    .await?;
    ctx.done(
        format!(
            "Location {} archived: it is no longer offered for new orders.",
            existing.name
        ),
        "/portal/locations",
    )
    .await
}
