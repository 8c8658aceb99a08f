//! The order form: `/portal/orders/new` and `/portal/orders/{id}/edit` (a draft only; a submitted
//! order answers 409 "Submitted orders cannot be edited").
//!
//! Plain HTML without script: *Add consignment*, *Add goods line* and *Remove* are submit
//! buttons (`action`) that re-render the form with one row more or less, keeping what was typed.
//! *Save draft* and *Save and submit* validate everything at once and show each message next to
//! its field (422), with nothing saved. A stop either picks a location of the address book (its
//! address is filled in from the book) or takes a typed address, which *Save to address book*
//! adds to the book — only once the whole order is valid, so a rejected form creates nothing.

use super::common::PortalCtx;
use super::order_form_view::render;
use super::order_model::{ConsignmentModel, Fields, OrderModel};
use crate::error::AppError;
use crate::pages::staff::common::{FormData, form_errors};
use crate::services::portal::address_book::{self, AddressBookInput};
use crate::services::portal::drafts;
use crate::services::{parse_id, stream};
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use portal_domain::order::Order;
use portal_domain::values::OrderContent;
use portal_domain::{DomainError, FieldError, OrderId};
use portal_eventlog::executor::load;
use portal_projections::models::locations::LocationRow;

/// `GET /portal/orders/new`.
pub async fn new_form(ctx: PortalCtx) -> Result<Response, AppError> {
    render(&ctx, None, &OrderModel::new_order(), &[], StatusCode::OK).await
}

/// `GET /portal/orders/{id}/edit`.
pub async fn edit_form(ctx: PortalCtx, Path(id): Path<String>) -> Result<Response, AppError> {
    let order_id: OrderId = parse_id(&id)?;
    let model = draft_model(&ctx, order_id).await?;
    render(&ctx, Some(order_id), &model, &[], StatusCode::OK).await
}

/// The form of a draft of the user's customer (404 otherwise, 409 once submitted).
async fn draft_model(ctx: &PortalCtx, id: OrderId) -> Result<OrderModel, AppError> {
    let (order, _, _) = load::<Order>(&ctx.state.store, &stream::<Order>(id), ctx.tenant())
        .await
        .map_err(AppError::from)?;
    if !order.exists || order.customer_id != Some(ctx.user.customer_id) {
        return Err(AppError::NotFound);
    }
    if order.is_submitted() {
        return Err(DomainError::SubmittedOrderCannotBeEdited.into());
    }
    if order.status != portal_domain::order::OrderStatus::Draft {
        return Err(DomainError::DraftCancelled.into());
    }
    let content = order.content.ok_or(AppError::NotFound)?;
    Ok(OrderModel::from_content(&content))
}

/// The draft's form with `errors` (422): where a submission failed on the stored draft.
pub async fn render_errors(
    ctx: &PortalCtx,
    id: OrderId,
    errors: Vec<FieldError>,
) -> Result<Response, AppError> {
    let model = draft_model(ctx, id).await?;
    render(
        ctx,
        Some(id),
        &model,
        &errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// `POST /portal/orders/new`.
pub async fn create(ctx: PortalCtx, body: Bytes) -> Result<Response, AppError> {
    save(ctx, None, body).await
}

/// `POST /portal/orders/{id}/edit`.
pub async fn update(
    ctx: PortalCtx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let order_id: OrderId = parse_id(&id)?;
    // Refuse a submitted order before anything else (the message, not the form's errors).
    draft_model(&ctx, order_id).await?;
    save(ctx, Some(order_id), body).await
}

async fn save(ctx: PortalCtx, id: Option<OrderId>, body: Bytes) -> Result<Response, AppError> {
    let form = FormData::parse(&body);
    let mut model = OrderModel::from_pairs(&form.0);
    let action = form.get("action").to_owned();
    if edit_rows(&mut model, &action) {
        return render(&ctx, id, &model, &[], StatusCode::OK).await;
    }
    let book = address_book::list(&ctx.state, &ctx.caller, false).await?;
    fill_from_book(&mut model, &book);
    let (input, mut errors) = model.to_input();
    if let Err(domain) = OrderContent::new(input.clone()) {
        // A field that did not parse already has its message; the domain's would repeat it.
        let parsed: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
        errors.extend(
            domain
                .into_iter()
                .filter(|e| !parsed.iter().any(|p| e.field.starts_with(p.as_str()))),
        );
    }
    if !errors.is_empty() {
        return render(&ctx, id, &model, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    // The order is valid: now add the typed addresses the user asked to keep.
    let mut input = input;
    for (i, c) in model.consignments.iter().enumerate() {
        for (role, fields) in [("pickup", &c.pickup), ("delivery", &c.delivery)] {
            let keep = fields.get("save_to_book").is_some_and(|v| v == "on");
            let stop = if role == "pickup" {
                &mut input.consignments[i].pickup
            } else {
                &mut input.consignments[i].delivery
            };
            if keep && stop.location_id.is_none() {
                let added = address_book::create(
                    &ctx.state,
                    &ctx.caller,
                    &AddressBookInput {
                        name: stop.address.name.clone(),
                        address: stop.address.clone(),
                        opening_hours: vec![],
                        instructions: stop.instructions.clone(),
                    },
                    None,
                )
                .await?;
                stop.location_id = Some(added.location_id);
            }
        }
    }
    let saved = match id {
        Some(id) => drafts::update(&ctx.state, &ctx.caller, id, &input, None).await,
        None => drafts::create(&ctx.state, &ctx.caller, &input, None).await,
    };
    let view = match saved {
        Ok(view) => view,
        Err(e) => {
            let errors = form_errors(e)?;
            return render(&ctx, id, &model, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let page = format!("/portal/orders/{}", view.id);
    if action == "submit" {
        match drafts::submit(&ctx.state, &ctx.caller, view.id, None).await {
            Ok(v) => {
                ctx.done(
                    format!("Order {} submitted to the carrier.", v.number),
                    &page,
                )
                .await
            }
            Err(e) => {
                let errors = form_errors(e)?;
                render(
                    &ctx,
                    Some(view.id),
                    &model,
                    &errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
        }
    } else {
        ctx.done(format!("Draft {} saved.", view.number), &page)
            .await
    }
}

/// Applies a row button (`add_consignment`, `add_goods:i`, `remove_goods:i:j`,
/// `remove_consignment:i`); `false` for any other action.
fn edit_rows(model: &mut OrderModel, action: &str) -> bool {
    let mut parts = action.split(':');
    let name = parts.next().unwrap_or_default();
    let i: Option<usize> = parts.next().and_then(|v| v.parse().ok());
    let j: Option<usize> = parts.next().and_then(|v| v.parse().ok());
    let n = model.consignments.len();
    match (name, i, j) {
        ("add_consignment", _, _) if n < OrderContent::MAX_CONSIGNMENTS => {
            model.consignments.push(ConsignmentModel::empty());
        }
        ("remove_consignment", Some(i), _) if i < n && n > 1 => {
            model.consignments.remove(i);
        }
        ("add_goods", Some(i), _) if i < n => model.consignments[i].goods.push(Fields::new()),
        ("remove_goods", Some(i), Some(j))
            if i < n
                && j < model.consignments[i].goods.len()
                && model.consignments[i].goods.len() > 1 =>
        {
            model.consignments[i].goods.remove(j);
        }
        ("add_consignment" | "remove_consignment" | "add_goods" | "remove_goods", _, _) => {}
        _ => return false,
    }
    true
}

/// Stops that picked a location of the address book take its address.
fn fill_from_book(model: &mut OrderModel, book: &[LocationRow]) {
    for c in &mut model.consignments {
        for fields in [&mut c.pickup, &mut c.delivery] {
            let id = fields.get("location_id").cloned().unwrap_or_default();
            let Some(row) = book.iter().find(|l| l.location_id.to_string() == id) else {
                continue;
            };
            let a = &row.address;
            for (key, value) in [
                ("address.name", a.name().to_string()),
                ("address.street", a.street().to_owned()),
                ("address.postal_code", a.postal_code().to_owned()),
                ("address.city", a.city().to_owned()),
                ("address.country", a.country().as_str().to_owned()),
                (
                    "address.contact_name",
                    a.contact_name().unwrap_or_default().to_owned(),
                ),
                (
                    "address.contact_phone",
                    a.contact_phone().map(|p| p.to_string()).unwrap_or_default(),
                ),
            ] {
                fields.insert(key.to_owned(), value);
            }
        }
    }
}
