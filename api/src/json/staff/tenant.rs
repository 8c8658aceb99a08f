//! `GET` and `PUT /api/v1/tenant/time-zone`: the zone the carrier's times are shown in. Both
//! roles read it; only staff set it (404 for portal users, as for every staff path).

use crate::AppState;
use crate::auth::Caller;
use crate::commands::IdempotencyKey;
use crate::error::AppError;
use crate::json::staff::body::Body;
use axum::Json;
use axum::extract::State;
use portal_app::time_zone::{self, TimeZoneInput, TimeZoneView};
use tracing::instrument;

/// The tenant's time zone (`UTC` until staff choose one).
#[utoipa::path(get, path = "/api/v1/tenant/time-zone", tag = "tenant",
    responses((status = 200, description = "The zone", body = TimeZoneView)))]
#[instrument(skip_all, fields(tenant = %caller.tenant()))]
pub async fn get_time_zone(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<TimeZoneView>, AppError> {
    Ok(Json(
        time_zone::get(&state.app(), &caller.principal()).await?,
    ))
}

/// Staff set the tenant's time zone: `{time_zone}`, an IANA name (422 for an unknown one).
#[utoipa::path(put, path = "/api/v1/tenant/time-zone", tag = "tenant",
    request_body = TimeZoneInput,
    responses((status = 200, description = "The zone afterwards and whether it changed", body = TimeZoneView)))]
#[instrument(skip_all, fields(tenant = %caller.tenant()))]
pub async fn set_time_zone(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Body(input): Body<TimeZoneInput>,
) -> Result<Json<TimeZoneView>, AppError> {
    let idem = key.for_request(&("PUT /api/v1/tenant/time-zone", &input))?;
    Ok(Json(
        time_zone::set(&state.app(), &caller.principal(), &input, idem).await?,
    ))
}
