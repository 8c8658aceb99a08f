//! The rest of the portal's JSON API: `POST /api/v1/orders/{id}/charges/{charge_id}/approval`,
//! `GET /api/v1/dashboard` (both roles: the tenant's figures for staff, the customer's for a
//! portal user), `GET, PUT /api/v1/printer-config` and `GET, PUT /api/v1/me/notifications`.

use crate::AppState;
use crate::auth::Caller;
use crate::commands::IdempotencyKey;
use crate::error::AppError;
use crate::json::staff::body::Body;
use crate::read_cache;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use portal_app::parse_id;
use portal_app::portal::approvals::{self, Decision, DecisionView};
use portal_app::portal::notifications::{self, NotificationsInput, NotificationsView};
use portal_app::portal::printer::{self, PrinterInput, PrinterView};
use portal_domain::{ChargeId, OrderId};
use portal_projections::models::{Scope, customers, dashboards};
use time::OffsetDateTime;

/// Approve or reject a charge awaiting the customer's approval: `{decision: "approved" |
/// "rejected", comment?}`. 404 where the customer does not show charges.
#[utoipa::path(post, path = "/api/v1/orders/{id}/charges/{charge_id}/approval", tag = "charges",
    params(("id" = String, Path, description = "Order id"),
        ("charge_id" = String, Path, description = "Charge id")),
    request_body = Decision,
    responses((status = 200, description = "The charge after the decision", body = DecisionView)))]
pub async fn decide_charge(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path((id, charge_id)): Path<(String, String)>,
    Body(input): Body<Decision>,
) -> Result<Json<DecisionView>, AppError> {
    let id: OrderId = parse_id(&id)?;
    let charge_id: ChargeId = parse_id(&charge_id)?;
    let idem = key.for_request(&(
        "POST /api/v1/orders/{id}/charges/{charge_id}/approval",
        id,
        charge_id,
        &input,
    ))?;
    Ok(Json(
        approvals::decide(
            &state.app(),
            &caller.principal(),
            id,
            charge_id,
            &input,
            idem,
        )
        .await?,
    ))
}

/// The dashboard of the caller's scope (today is the server's UTC date). For a customer that
/// does not show charges the charge figures are left out. Cached by the read models' position,
/// with an `ETag` (see [`crate::read_cache`]).
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "dashboard",
    responses((status = 200, description = "The figures", body = Object),
        (status = 304, description = "Unchanged since the `ETag` sent in `If-None-Match`")))]
pub async fn dashboard(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let scope = caller.read_scope();
    let tenant = caller.tenant();
    let today = OffsetDateTime::now_utc().date();
    let key = format!("dashboard|{tenant}|{scope:?}|{today}");
    read_cache::answer(&state, &headers, key, async || {
        let figures = dashboards::for_scope(&state.read, tenant, scope, today).await?;
        let mut value = serde_json::to_value(&figures)
            .map_err(|e| AppError::internal(format!("dashboard does not serialise: {e}")))?;
        if let Scope::Customer(customer_id) = scope {
            let shows = customers::get(&state.read, tenant, customer_id)
                .await?
                .is_some_and(|c| c.show_charges);
            if !shows {
                strip_charges(&mut value);
            }
        }
        Ok(value)
    })
    .await
}

/// Removes every `charges…` key, wherever it sits in the document.
fn strip_charges(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.retain(|k, _| !k.starts_with("charges"));
            map.values_mut().for_each(strip_charges);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_charges),
        _ => {}
    }
}

/// The caller's printer configuration (the defaults until saved).
#[utoipa::path(get, path = "/api/v1/printer-config", tag = "settings",
    responses((status = 200, description = "The configuration", body = PrinterView)))]
pub async fn printer_config(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<PrinterView>, AppError> {
    Ok(Json(printer::get(&state.app(), &caller.principal()).await?))
}

/// Save the caller's printer configuration.
#[utoipa::path(put, path = "/api/v1/printer-config", tag = "settings",
    request_body = PrinterInput,
    responses((status = 200, description = "The configuration afterwards", body = PrinterView)))]
pub async fn set_printer_config(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Body(input): Body<PrinterInput>,
) -> Result<Json<PrinterView>, AppError> {
    let idem = key.for_request(&("PUT /api/v1/printer-config", &input))?;
    Ok(Json(
        printer::set(&state.app(), &caller.principal(), &input, idem).await?,
    ))
}

/// Which emails the caller gets: `order_status` (order accepted, rejected, planned, in transit,
/// delivered, cancelled) and `charge_approval` (a charge waits for approval), each `immediate`,
/// `daily` (one digest at 07:00 in the caller's time zone) or `off`.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "settings",
    responses((status = 200, description = "The caller's choices", body = NotificationsView)))]
pub async fn notification_preferences(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<NotificationsView>, AppError> {
    Ok(Json(
        notifications::get(&state.app(), &caller.principal()).await?,
    ))
}

/// Save which emails the caller gets (both kinds).
#[utoipa::path(put, path = "/api/v1/me/notifications", tag = "settings",
    request_body = NotificationsInput,
    responses((status = 200, description = "The choices afterwards", body = NotificationsView)))]
pub async fn set_notification_preferences(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Body(input): Body<NotificationsInput>,
) -> Result<Json<NotificationsView>, AppError> {
    let idem = key.for_request(&("PUT /api/v1/me/notifications", &input))?;
    Ok(Json(
        notifications::set(&state.app(), &caller.principal(), &input, idem).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charge_figures_are_stripped_everywhere() {
        let mut v = serde_json::json!({"Customer": {"charges_awaiting_approval": 2,
            "orders": [{"charges": 1, "n": 1}], "on_time": {"share": 1.0}}});
        strip_charges(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"Customer": {"orders": [{"n": 1}], "on_time": {"share": 1.0}}})
        );
    }
}
