//! Carrier locations with their portal visibility (`/api/v1/carrier-locations`; the portal
//! users' address book is `/api/v1/locations`).

use super::body::{Body, Created, parse_query_bool};
use super::customers::one;
use super::schemas::LocationRowSchema;
use crate::AppState;
use crate::auth::Caller;
use crate::commands::IdempotencyKey;
use crate::error::AppError;
use crate::web::Query;
use axum::Json;
use axum::extract::{Path, State};
use portal_app::locations::{self, CarrierLocationInput, LocationView};
use portal_app::{parse_id, staff_only};
use portal_domain::LocationId;
use portal_projections::models::locations::LocationRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Query of `GET /api/v1/carrier-locations`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LocationQuery {
    /// `true` to list archived locations too.
    #[param(value_type = Option<bool>)]
    pub include_archived: Option<String>,
}

/// The carrier's locations.
#[derive(Debug, Serialize, ToSchema)]
pub struct LocationList {
    #[schema(value_type = Vec<LocationRowSchema>)]
    pub items: Vec<LocationRow>,
}

/// The 201 body of a new location: its id and the location.
#[derive(Debug, Serialize, ToSchema)]
pub struct LocationCreated {
    #[schema(value_type = String, format = Uuid)]
    pub id: LocationId,
    #[serde(flatten)]
    pub location: LocationView,
}

/// The carrier's locations, sorted by name.
#[utoipa::path(get, path = "/api/v1/carrier-locations", tag = "locations", params(LocationQuery),
    responses((status = 200, description = "The carrier's locations", body = LocationList)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<LocationQuery>,
) -> Result<Json<LocationList>, AppError> {
    staff_only(&caller.principal())?;
    let archived = parse_query_bool("include_archived", query.include_archived.as_deref())
        .map_err(|e| AppError::Invalid(vec![one(e)]))?
        .unwrap_or(false);
    Ok(Json(LocationList {
        items: locations::list(&state.app(), &caller.principal(), archived).await?,
    }))
}

/// Add a carrier location.
#[utoipa::path(post, path = "/api/v1/carrier-locations", tag = "locations",
    request_body = CarrierLocationInput,
    responses((status = 201, description = "Added", body = LocationCreated)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Body(input): Body<CarrierLocationInput>,
) -> Result<Created<LocationCreated>, AppError> {
    staff_only(&caller.principal())?;
    let idem = key.for_request(&("POST /api/v1/carrier-locations", &input))?;
    let location = locations::create(&state.app(), &caller.principal(), &input, idem).await?;
    Ok(Created {
        location: format!("/api/v1/carrier-locations/{}", location.location_id),
        body: LocationCreated {
            id: location.location_id,
            location,
        },
    })
}

/// Update a carrier location's details and visibility; a location used by two or more
/// customers cannot be limited to one customer (422).
#[utoipa::path(put, path = "/api/v1/carrier-locations/{id}", tag = "locations",
    params(("id" = String, Path, description = "Location id")),
    request_body = CarrierLocationInput,
    responses((status = 200, description = "The location afterwards", body = LocationView)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(id): Path<String>,
    Body(input): Body<CarrierLocationInput>,
) -> Result<Json<LocationView>, AppError> {
    staff_only(&caller.principal())?;
    let id: LocationId = parse_id(&id)?;
    let idem = key.for_request(&("PUT /api/v1/carrier-locations/{id}", id, &input))?;
    Ok(Json(
        locations::update(&state.app(), &caller.principal(), id, &input, idem).await?,
    ))
}
