//! Orders, staff side: status changes and charges; plus the charges of an order for both roles.
//!
//! `GET /api/v1/orders/{id}/charges` for a portal user: an order outside the user's customer is
//! 404 like an unknown one; where the customer does not show charges on the portal the answer is
//! 200 with `charges_shown: false` and no items (the same the order detail does: it clears its
//! charges), so a client can tell "hidden" from "none" without seeing any amount.

use super::body::{Body, Created};
use super::schemas::ChargeRowSchema;
use crate::AppState;
use crate::auth::Caller;
use crate::commands::IdempotencyKey;
use crate::error::AppError;
use axum::Json;
use axum::extract::{Path, State};
use portal_app::orders::{self, ChargeAdded, NewCharge, OrderStatusView, StatusChange};
use portal_app::{parse_id, staff_only};
use portal_domain::OrderId;
use portal_projections::models::charges::{self, ChargeRow};
use portal_projections::models::{customers, orders as read};
use serde::Serialize;
use utoipa::ToSchema;

/// The charges of one order.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderCharges {
    #[schema(value_type = String, format = Uuid)]
    pub order_id: OrderId,
    /// `false` for a portal user whose customer does not show charges (then `items` is empty).
    pub charges_shown: bool,
    /// In the order they were added.
    #[schema(value_type = Vec<ChargeRowSchema>)]
    pub items: Vec<ChargeRow>,
}

/// Move an order: accept, reject (reason), plan, in transit, delivered, cancel (reason).
#[utoipa::path(post, path = "/api/v1/orders/{id}/status", tag = "orders",
    params(("id" = String, Path, description = "Order id")),
    request_body = StatusChange,
    responses((status = 200, description = "The status afterwards", body = OrderStatusView),
        (status = 409, description = "Not allowed from the current status")))]
pub async fn change_status(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(id): Path<String>,
    Body(input): Body<StatusChange>,
) -> Result<Json<OrderStatusView>, AppError> {
    staff_only(&caller.principal())?;
    let id: OrderId = parse_id(&id)?;
    let idem = key.for_request(&("POST /api/v1/orders/{id}/status", id, &input))?;
    Ok(Json(
        orders::change_status(&state.app(), &caller.principal(), id, &input, idem).await?,
    ))
}

/// Add a charge to an order, optionally requesting the customer's approval.
#[utoipa::path(post, path = "/api/v1/orders/{id}/charges", tag = "orders",
    params(("id" = String, Path, description = "Order id")),
    request_body = NewCharge,
    responses((status = 201, description = "Added", body = ChargeAdded)))]
pub async fn add_charge(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(id): Path<String>,
    Body(input): Body<NewCharge>,
) -> Result<Created<ChargeAdded>, AppError> {
    staff_only(&caller.principal())?;
    let id: OrderId = parse_id(&id)?;
    let idem = key.for_request(&("POST /api/v1/orders/{id}/charges", id, &input))?;
    let charge = orders::add_charge(&state.app(), &caller.principal(), id, &input, idem).await?;
    Ok(Created {
        location: format!("/api/v1/orders/{id}/charges"),
        body: charge,
    })
}

/// The charges of an order (staff; portal users only where the customer shows charges).
#[utoipa::path(get, path = "/api/v1/orders/{id}/charges", tag = "orders",
    params(("id" = String, Path, description = "Order id")),
    responses((status = 200, description = "The charges", body = OrderCharges)))]
pub async fn list_charges(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<OrderCharges>, AppError> {
    let id: OrderId = parse_id(&id)?;
    let scope = caller.read_scope();
    let order = read::get(&state.read, caller.tenant(), scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let shown = caller.is_staff()
        || customers::get(&state.read, caller.tenant(), order.order.customer_id)
            .await?
            .is_some_and(|c| c.show_charges);
    let items = if shown {
        charges::for_order(&state.read, caller.tenant(), scope, id).await?
    } else {
        Vec::new()
    };
    Ok(Json(OrderCharges {
        order_id: id,
        charges_shown: shown,
        items,
    }))
}
