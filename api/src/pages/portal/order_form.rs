//! The order form: `/portal/orders/new` and `/portal/orders/{id}/edit` (a draft only; a submitted
//! or cancelled order sends the user to its page saying so, [`super::review::not_a_draft`]).
//!
//! Plain HTML without script: *Add consignment*, *Add goods line* and *Remove* are submit
//! buttons (`action`) that re-render the form with one row more or less, keeping what was typed.
//! *Save draft* and *Save and submit* check the format of everything typed at once and show each
//! message next to its field (422), with nothing saved. Blanks are no error: a draft is saved
//! while it is being completed, and its page lists what it still lacks. *Save and submit* then
//! leads to the review step ([`super::review`]), never straight to the carrier; with gaps left it
//! leads to `/portal/orders/{id}/complete` instead, the form with every gap at its field.
//!
//! A stop either picks a location of the address book or takes a typed address, which *Save as
//! new location* adds to the book — only once the whole order is valid, so a rejected form
//! creates nothing. Picking a location fills the fields from the book and remembers it in the
//! hidden `filled_from`; fields changed after that detach the stop from the location (the typed
//! address is what the carrier gets, and the page says so), see [`apply_book`].
//!
//! Exactly once: the form's one-time id keys the creation, so the same form posted again (Back,
//! a double click, a refreshed POST) lands on the draft the first post created — updated with
//! what the second post carried, unless it was submitted meanwhile.

use super::common::PortalCtx;
use super::order_form_view::render;
use super::order_model::{ConsignmentModel, Fields, OrderModel};
use super::review::not_a_draft;
use crate::error::AppError;
use crate::pages::layout::count;
use crate::pages::staff::common::{FormData, form_errors};
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use portal_app::portal::address_book::{self, AddressBookInput};
use portal_app::portal::drafts;
use portal_app::{parse_id, sub_key};
use portal_domain::values::{DraftContent, OrderContent, OrderContentInput, schedule_errors};
use portal_domain::{DomainError, FieldError, OrderId};
use portal_eventlog::Idempotency;
use portal_projections::models::locations::LocationRow;

/// `GET /portal/orders/new`.
pub async fn new_form(ctx: PortalCtx) -> Result<Response, AppError> {
    render(&ctx, None, &OrderModel::new_order(), &[], StatusCode::OK).await
}

/// `GET /portal/orders/{id}/edit`.
pub async fn edit_form(ctx: PortalCtx, Path(id): Path<String>) -> Result<Response, AppError> {
    let order_id: OrderId = parse_id(&id)?;
    match draft_model(&ctx, order_id).await? {
        Ok(model) => render(&ctx, Some(order_id), &model, &[], StatusCode::OK).await,
        Err(closed) => Ok(closed),
    }
}

/// `GET /portal/orders/{id}/complete`: the draft's form with every gap at its field, where
/// *Save and submit* leads while something is missing; a complete draft goes on to the review.
pub async fn complete_form(ctx: PortalCtx, Path(id): Path<String>) -> Result<Response, AppError> {
    let order_id: OrderId = parse_id(&id)?;
    let content = match draft_content(&ctx, order_id).await? {
        Ok(content) => content,
        Err(closed) => return Ok(closed),
    };
    let missing = content.missing();
    if missing.is_empty() {
        let to = format!("/portal/orders/{order_id}/review");
        return Ok(axum::response::IntoResponse::into_response(
            axum::response::Redirect::to(&to),
        ));
    }
    let model = OrderModel::from_content(&content);
    render(&ctx, Some(order_id), &model, &missing, StatusCode::OK).await
}

/// The form of a draft of the user's customer (404 otherwise); for an order that is no longer a
/// draft, the redirect to its page saying so.
async fn draft_model(
    ctx: &PortalCtx,
    id: OrderId,
) -> Result<Result<OrderModel, Response>, AppError> {
    Ok(draft_content(ctx, id)
        .await?
        .map(|content| OrderModel::from_content(&content)))
}

async fn draft_content(
    ctx: &PortalCtx,
    id: OrderId,
) -> Result<Result<DraftContent, Response>, AppError> {
    let (order, _) =
        drafts::load_own(&ctx.state.app(), &ctx.caller.principal(), ctx.user, id).await?;
    if let Some(closed) = not_a_draft(ctx, id, &order).await? {
        return Ok(Err(closed));
    }
    order.content.ok_or(AppError::NotFound).map(Ok)
}

/// The draft's form with `errors` (422): where a submission failed on the stored draft.
pub async fn render_errors(
    ctx: &PortalCtx,
    id: OrderId,
    errors: Vec<FieldError>,
) -> Result<Response, AppError> {
    match draft_model(ctx, id).await? {
        Ok(model) => {
            render(
                ctx,
                Some(id),
                &model,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(closed) => Ok(closed),
    }
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
    // A submitted order before anything else: its page and why, not the form's errors.
    if let Err(closed) = draft_model(&ctx, order_id).await? {
        return Ok(closed);
    }
    save(ctx, Some(order_id), body).await
}

async fn save(ctx: PortalCtx, id: Option<OrderId>, body: Bytes) -> Result<Response, AppError> {
    let form = FormData::parse(&body);
    let mut model = OrderModel::from_pairs(&form.0);
    let action = form.get("action").to_owned();
    let book = address_book::list(&ctx.state.app(), &ctx.caller.principal(), false).await?;
    let detached = apply_book(&mut model, &book);
    if edit_rows(&mut model, &action) {
        return render(&ctx, id, &model, &[], StatusCode::OK).await;
    }
    let (input, mut errors) = model.to_input();
    // Every problem in this one answer: what did not parse, the content's format rules and the
    // date rules (gaps are not problems yet). A field that did not parse already has its
    // message; the others would repeat it.
    let parsed: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
    let mut rules = DraftContent::new(input.clone()).err().unwrap_or_default();
    let today = drafts::today(&ctx.state.app(), &ctx.caller.principal()).await?;
    rules.extend(schedule_errors(&input, today));
    for e in rules {
        let repeated = parsed.iter().any(|p| e.field.starts_with(p.as_str()))
            || errors
                .iter()
                .any(|o| o.field == e.field && o.message == e.message);
        if !repeated {
            errors.push(e);
        }
    }
    if !errors.is_empty() {
        return render(&ctx, id, &model, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let key = match id {
        None => ctx.form_key("portal.order.create"),
        Some(_) => ctx.change_key("portal.order.update"),
    };
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
                    &ctx.state.app(),
                    &ctx.caller.principal(),
                    &AddressBookInput {
                        name: stop.address.name.clone(),
                        address: stop.address.clone(),
                        opening_hours: vec![],
                        instructions: stop.instructions.clone(),
                    },
                    sub_key(key.as_ref(), &format!("book.{i}.{role}")),
                )
                .await?;
                stop.location_id = Some(added.location_id);
            }
        }
    }
    let saved = match id {
        Some(id) => {
            match drafts::update(&ctx.state.app(), &ctx.caller.principal(), id, &input, key)
                .await
                .map_err(AppError::from)
            {
                Err(AppError::Rejected(
                    DomainError::SubmittedOrderCannotBeEdited | DomainError::DraftCancelled,
                )) => Ok(Err(id)),
                other => other.map(Ok),
            }
        }
        None => create_once(&ctx, &input, key).await,
    };
    let view = match saved {
        Ok(Ok(view)) => view,
        // This form once more after its order was submitted (Back, *Save and submit*).
        Ok(Err(closed)) => {
            return match draft_model(&ctx, closed).await? {
                Err(page) => Ok(page),
                Ok(_) => Err(DomainError::SubmittedOrderCannotBeEdited.into()),
            };
        }
        Err(e) => {
            let errors = form_errors(e)?;
            return render(&ctx, id, &model, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let missing = view.missing.len() as i64;
    let (mut text, to) = match (action == "submit", missing) {
        (true, 0) => (
            format!("Draft {} saved: check it, then submit.", view.number),
            format!("/portal/orders/{}/review", view.id),
        ),
        (true, _) => (
            format!(
                "Draft {} saved. Before it can be submitted, complete the fields marked below.",
                view.number
            ),
            format!("/portal/orders/{}/complete", view.id),
        ),
        (false, 0) => (
            format!("Draft {} saved.", view.number),
            format!("/portal/orders/{}", view.id),
        ),
        (false, _) => (
            format!(
                "Draft {} saved. It is not complete yet: {} before it can be submitted.",
                view.number,
                count(missing, "field is missing", "fields are missing")
            ),
            format!("/portal/orders/{}", view.id),
        ),
    };
    for name in detached {
        text.push_str(&format!(
            " Changed from {name}: this stop uses the address typed here \
             (tick Save as new location on the form to keep it in the address book)."
        ));
    }
    ctx.done(text, &to).await
}

/// Creates the draft under the form's key. The same form posted again finds the draft the first
/// post created; what this post carries then replaces its content. `Err(id)`: that draft was
/// submitted or cancelled meanwhile, nothing was changed.
async fn create_once(
    ctx: &PortalCtx,
    input: &OrderContentInput,
    key: Option<Idempotency>,
) -> Result<Result<drafts::OrderView, OrderId>, AppError> {
    let view = drafts::create(&ctx.state.app(), &ctx.caller.principal(), input, key).await?;
    if !view.replayed {
        return Ok(Ok(view));
    }
    // A replay answers with the draft as it was; what counts is what it is now.
    let (now, _) =
        drafts::load_own(&ctx.state.app(), &ctx.caller.principal(), ctx.user, view.id).await?;
    if now.is_submitted() || now.status != portal_domain::order::OrderStatus::Draft {
        return Ok(Err(view.id));
    }
    let again = ctx.change_key("portal.order.update");
    drafts::update(
        &ctx.state.app(),
        &ctx.caller.principal(),
        view.id,
        input,
        again,
    )
    .await
    .map(Ok)
    .map_err(AppError::from)
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

/// Stops that picked a location of the address book take its address, unless the user changed
/// the fields after they were filled from that very location (`filled_from`): then the stop is
/// detached — no location, the typed address — and the location's name is returned, so the page
/// can say so. Fields filled from another location (the user picked a different one) or left
/// blank are (re)filled from the book.
fn apply_book(model: &mut OrderModel, book: &[LocationRow]) -> Vec<String> {
    let mut detached = Vec::new();
    for c in &mut model.consignments {
        for fields in [&mut c.pickup, &mut c.delivery] {
            let id = fields.get("location_id").cloned().unwrap_or_default();
            let Some(row) = book.iter().find(|l| l.location_id.to_string() == id) else {
                continue;
            };
            let from_book = book_fields(row);
            let typed = |key: &str| fields.get(key).map_or("", |v| v.trim());
            let blank = from_book.iter().all(|(key, _)| typed(key).is_empty());
            let same = from_book
                .iter()
                .all(|(key, value)| typed(key) == value.trim());
            let filled_here = fields.get("filled_from").is_some_and(|f| *f == id);
            if filled_here && !blank && !same {
                fields.remove("location_id");
                fields.remove("filled_from");
                detached.push(row.name.to_string());
                continue;
            }
            for (key, value) in from_book {
                fields.insert(key.to_owned(), value);
            }
            fields.insert("filled_from".to_owned(), id);
        }
    }
    detached
}

/// The form fields of a location's address.
fn book_fields(row: &LocationRow) -> [(&'static str, String); 7] {
    let a = &row.address;
    [
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
    ]
}
