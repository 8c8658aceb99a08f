//! Drafts and submission: `POST /api/v1/orders`, `PUT /api/v1/orders/{id}`,
//! `POST /api/v1/orders/{id}/submit`, `POST /api/v1/orders/{id}/cancel` (a draft) and
//! `POST /api/v1/orders/{id}/order-again`, and the documents `GET
//! /api/v1/orders/{id}/documents/{kind}`. After submission every change is 409 "Submitted orders
//! cannot be edited".

use crate::AppState;
use crate::auth::Caller;
use crate::commands::IdempotencyKey;
use crate::error::AppError;
use crate::json::staff::body::{Body, Created};
use crate::web::Query;
use axum::Json;
use axum::extract::{Path, State};
use portal_app::parse_id;
use portal_app::portal::documents::{self, LabelOutput};
use portal_app::portal::drafts::{self, OrderView};
use portal_documents::DocumentKind;
use portal_domain::OrderId;
use portal_domain::values::OrderContentInput;
use tracing::instrument;

/// Create a draft order: `{customer_reference?, notes?, consignments: [{pickup, delivery,
/// goods: [...]}]}`; a stop is `{location_id?, address: {name, street, postal_code, city,
/// country, contact_name?, contact_phone?}, date: "YYYY-MM-DD", time_window?: {from: "HH:MM",
/// to: "HH:MM"}, reference?, instructions?}`; a goods line is `{description, quantity,
/// packaging, weight_kg, volume_m3?, loading_metres?, pallet_spaces?, stackable, adr?: {un_number,
/// class, packing_group?, tunnel_code?}}`; `tunnel_code` is an ADR tunnel restriction code (`B`,
/// `B1000C`, `B/D`, `B/E`, `C`, `C5000D`, `C/D`, `C/E`, `D`, `D/E`, `E` or `-`).
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders",
    request_body(content = crate::openapi::inputs::OrderContentInput, description = "The order's content (see the summary)"),
    responses((status = 201, description = "The draft", body = OrderView)))]
#[instrument(skip_all, fields(tenant = %caller.tenant()))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Body(input): Body<OrderContentInput>,
) -> Result<Created<OrderView>, AppError> {
    let idem = key.for_request(&("POST /api/v1/orders", &input))?;
    let order = drafts::create(&state.app(), &caller.principal(), &input, idem).await?;
    Ok(Created {
        location: format!("/api/v1/orders/{}", order.id),
        body: order,
    })
}

/// Replace a draft's content (the body of `POST /api/v1/orders`); 409 once submitted.
#[utoipa::path(put, path = "/api/v1/orders/{id}", tag = "orders",
    params(("id" = String, Path, description = "Order id")),
    request_body(content = crate::openapi::inputs::OrderContentInput, description = "The order's content"),
    responses((status = 200, description = "The draft afterwards", body = OrderView)))]
#[instrument(skip_all, fields(tenant = %caller.tenant()))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(id): Path<String>,
    Body(input): Body<OrderContentInput>,
) -> Result<Json<OrderView>, AppError> {
    let id: OrderId = parse_id(&id)?;
    let idem = key.for_request(&("PUT /api/v1/orders/{id}", id, &input))?;
    Ok(Json(
        drafts::update(&state.app(), &caller.principal(), id, &input, idem).await?,
    ))
}

/// Submit a draft; afterwards the order is read-only.
#[utoipa::path(post, path = "/api/v1/orders/{id}/submit", tag = "orders",
    params(("id" = String, Path, description = "Order id")),
    responses((status = 200, description = "The submitted order", body = OrderView)))]
#[instrument(skip_all, fields(tenant = %caller.tenant()))]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(id): Path<String>,
) -> Result<Json<OrderView>, AppError> {
    let id: OrderId = parse_id(&id)?;
    let idem = key.for_request(&("POST /api/v1/orders/{id}/submit", id))?;
    Ok(Json(
        drafts::submit(&state.app(), &caller.principal(), id, idem).await?,
    ))
}

/// Cancel a draft (409 once submitted: the carrier cancels submitted orders).
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "orders",
    params(("id" = String, Path, description = "Order id")),
    responses((status = 200, description = "The cancelled draft", body = OrderView)))]
#[instrument(skip_all, fields(tenant = %caller.tenant()))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(id): Path<String>,
) -> Result<Json<OrderView>, AppError> {
    let id: OrderId = parse_id(&id)?;
    let idem = key.for_request(&("POST /api/v1/orders/{id}/cancel", id))?;
    Ok(Json(
        drafts::cancel_draft(&state.app(), &caller.principal(), id, idem).await?,
    ))
}

/// *Order again*: a new draft with this order's content.
#[utoipa::path(post, path = "/api/v1/orders/{id}/order-again", tag = "orders",
    params(("id" = String, Path, description = "Order id")),
    responses((status = 201, description = "The new draft", body = OrderView)))]
#[instrument(skip_all, fields(tenant = %caller.tenant()))]
pub async fn order_again(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(id): Path<String>,
) -> Result<Created<OrderView>, AppError> {
    let id: OrderId = parse_id(&id)?;
    let idem = key.for_request(&("POST /api/v1/orders/{id}/order-again", id))?;
    let order = drafts::order_again(&state.app(), &caller.principal(), id, idem).await?;
    Ok(Created {
        location: format!("/api/v1/orders/{}", order.id),
        body: order,
    })
}

/// The order's shipping labels (`label`) or CMR note (`cmr`, PDF), for portal users (their
/// customer's orders, in their printer configuration) and staff (every order of the tenant, CMR
/// on A4, labels on A6). `format=pdf|zpl` chooses how labels are printed. 409 before
/// submission, 404 for an unknown kind or an order outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/orders/{id}/documents/{kind}", tag = "orders",
    params(("id" = String, Path, description = "Order id"),
        ("kind" = crate::openapi::inputs::DocumentKind, Path, description = "`label` or `cmr`"),
        ("format" = Option<crate::openapi::inputs::OutputKind>, Query, description = "Labels: `pdf` or `zpl` (default: the \
            printer configuration; staff: `pdf`)")),
    responses((status = 200, description = "The document: PDF, or ZPL text for labels with `format=zpl`",
        content((Vec<u8> = "application/pdf"), (String = "text/plain"))),
        (status = 404, description = "Unknown kind, or no such order for the caller"),
        (status = 409, description = "The order is a draft or was cancelled: nothing to print", body = crate::json::staff::schemas::Problem,
            content_type = "application/problem+json")))]
#[instrument(skip_all, fields(tenant = %caller.tenant()))]
pub async fn document(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, kind)): Path<(String, String)>,
    Query(query): Query<LabelOutput>,
) -> Result<axum::response::Response, AppError> {
    let id: OrderId = parse_id(&id)?;
    let kind = DocumentKind::parse(&kind).ok_or(AppError::NotFound)?;
    let output = query.parse()?;
    let doc = documents::render(&state.app(), &caller.principal(), id, kind, output).await?;
    Ok(crate::use_cases::document_response(doc))
}
