//! The address book: `GET, POST /api/v1/locations`, `GET, PUT /api/v1/locations/{id}`,
//! `POST /api/v1/locations/{id}/archive`. Carrier locations shared with the customer are listed
//! (with `owner.kind = "carrier"`) but read-only (409 on a change).

use crate::AppState;
use crate::auth::Caller;
use crate::commands::IdempotencyKey;
use crate::error::AppError;
use crate::json::staff::body::{Body, Created, parse_query_bool};
use crate::json::staff::locations::{LocationCreated, LocationList};
use crate::json::staff::schemas::LocationRowSchema;
use crate::web::Query;
use axum::Json;
use axum::extract::{Path, State};
use portal_app::locations::LocationView;
use portal_app::parse_id;
use portal_app::portal::address_book::{self, AddressBookInput};
use portal_domain::LocationId;
use portal_projections::models::locations::LocationRow;
use serde::Deserialize;
use utoipa::IntoParams;

/// Query of `GET /api/v1/locations`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AddressBookQuery {
    /// `true` to list the customer's archived locations too.
    #[param(value_type = Option<bool>)]
    pub include_archived: Option<String>,
}

/// The address book: own locations and carrier locations shared with the customer.
#[utoipa::path(get, path = "/api/v1/locations", tag = "locations", params(AddressBookQuery),
    responses((status = 200, description = "The address book, by name", body = LocationList)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<AddressBookQuery>,
) -> Result<Json<LocationList>, AppError> {
    let archived =
        parse_query_bool("include_archived", query.include_archived.as_deref())?.unwrap_or(false);
    Ok(Json(LocationList {
        items: address_book::list(&state.app(), &caller.principal(), archived).await?,
    }))
}

/// One location of the address book.
#[utoipa::path(get, path = "/api/v1/locations/{id}", tag = "locations",
    params(("id" = String, Path, description = "Location id")),
    responses((status = 200, description = "The location", body = LocationRowSchema)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<LocationRow>, AppError> {
    let id: LocationId = parse_id(&id)?;
    Ok(Json(
        address_book::get(&state.app(), &caller.principal(), id).await?,
    ))
}

/// Add a location to the address book.
#[utoipa::path(post, path = "/api/v1/locations", tag = "locations",
    request_body = AddressBookInput,
    responses((status = 201, description = "Added", body = LocationCreated)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Body(input): Body<AddressBookInput>,
) -> Result<Created<LocationCreated>, AppError> {
    let idem = key.for_request(&("POST /api/v1/locations", &input))?;
    let location = address_book::create(&state.app(), &caller.principal(), &input, idem).await?;
    Ok(Created {
        location: format!("/api/v1/locations/{}", location.location_id),
        body: LocationCreated {
            id: location.location_id,
            location,
        },
    })
}

/// Edit an own location (submitted orders keep their addresses).
#[utoipa::path(put, path = "/api/v1/locations/{id}", tag = "locations",
    params(("id" = String, Path, description = "Location id")),
    request_body = AddressBookInput,
    responses((status = 200, description = "The location afterwards", body = LocationView)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(id): Path<String>,
    Body(input): Body<AddressBookInput>,
) -> Result<Json<LocationView>, AppError> {
    let id: LocationId = parse_id(&id)?;
    let idem = key.for_request(&("PUT /api/v1/locations/{id}", id, &input))?;
    Ok(Json(
        address_book::update(&state.app(), &caller.principal(), id, &input, idem).await?,
    ))
}

/// Archive an own location.
#[utoipa::path(post, path = "/api/v1/locations/{id}/archive", tag = "locations",
    params(("id" = String, Path, description = "Location id")),
    responses((status = 200, description = "The archived location", body = LocationView)))]
pub async fn archive(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(id): Path<String>,
) -> Result<Json<LocationView>, AppError> {
    let id: LocationId = parse_id(&id)?;
    let idem = key.for_request(&("POST /api/v1/locations/{id}/archive", id))?;
    Ok(Json(
        address_book::archive(&state.app(), &caller.principal(), id, idem).await?,
    ))
}
