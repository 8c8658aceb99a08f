//! Customers: create, list (search, status and portal filters, cursor paging), profile with
//! contacts, edit details, the portal switches, and the bulk quick action.

use super::body::{Body, Created, parse_query_bool, parse_query_limit};
use super::schemas::{CreatedId, CustomerPage, CustomerProfileSchema, Problem};
use crate::AppState;
use crate::auth::Caller;
use crate::commands::IdempotencyKey;
use crate::error::AppError;
use crate::web::Query;
use axum::Json;
use axum::extract::{Path, State};
use portal_app::bulk::{self, BulkRequest, BulkResult};
use portal_app::customers::{
    self, CustomerDetails, CustomerView, NewCustomer, PortalChange, PortalSettings,
};
use portal_app::{Fields, parse_id, staff_only};
use portal_domain::CustomerId;
use portal_projections::models::customers::{CustomerFilter, CustomerProfile, CustomerRow};
use portal_projections::models::{Page, Paged, customers as read};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

/// Query of `GET /api/v1/customers`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerQuery {
    /// Words that must all occur in the name or code.
    pub q: Option<String>,
    /// `true` or `false`: *Access to Customer Portal*.
    #[param(value_type = Option<bool>)]
    pub portal_enabled: Option<String>,
    /// `prospect`, `approved` or `blocked`.
    #[param(value_type = Option<crate::openapi::inputs::CustomerStatus>)]
    pub status: Option<String>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    /// Rows per page, 1–500 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
}

impl CustomerQuery {
    /// The filter and page, or the field errors of the query.
    pub fn parse(&self) -> Result<(CustomerFilter, Page), AppError> {
        let mut fields = Fields::default();
        let portal = fields
            .take(parse_query_bool("portal_enabled", self.portal_enabled.as_deref()).map_err(one))
            .flatten();
        let status = customers::parse_status(&mut fields, "status", self.status.as_deref());
        let limit = fields
            .take(parse_query_limit(self.limit.as_deref(), Page::MAX_LIMIT).map_err(one))
            .flatten();
        fields.finish()?;
        let filter = CustomerFilter {
            search: self.q.clone().filter(|q| !q.trim().is_empty()),
            status,
            portal,
        };
        let page = Page {
            after: self.after.clone().filter(|a| !a.is_empty()),
            limit: limit.unwrap_or(Page::DEFAULT_LIMIT),
        };
        Ok((filter, page))
    }
}

/// The one field error of a query parameter's [`AppError`].
pub(crate) fn one(e: AppError) -> portal_domain::FieldError {
    match e {
        AppError::Invalid(mut es) if !es.is_empty() => es.remove(0),
        other => portal_domain::FieldError::new("query", other.to_string()),
    }
}

/// Create a customer.
#[utoipa::path(post, path = "/api/v1/customers", tag = "customers",
    request_body = NewCustomer,
    responses((status = 201, description = "Created", body = CreatedId),
        (status = 422, description = "Invalid input", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Body(input): Body<NewCustomer>,
) -> Result<Created<Value>, AppError> {
    let idem = key.for_request(&("POST /api/v1/customers", &input))?;
    let id = customers::create(&state.app(), &caller.principal(), &input, idem).await?;
    Ok(Created {
        location: format!("/api/v1/customers/{id}"),
        body: json!({ "id": id }),
    })
}

/// The customers list view.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", params(CustomerQuery),
    responses((status = 200, description = "One page, sorted by name", body = CustomerPage)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<CustomerQuery>,
) -> Result<Json<Paged<CustomerRow>>, AppError> {
    staff_only(&caller.principal())?;
    let (filter, page) = query.parse()?;
    Ok(Json(
        read::list(&state.read, caller.tenant(), &filter, &page).await?,
    ))
}

/// The customer profile with its contacts.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, description = "The profile", body = CustomerProfileSchema)))]
pub async fn profile(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CustomerProfile>, AppError> {
    staff_only(&caller.principal())?;
    let id: CustomerId = parse_id(&id)?;
    read::profile(&state.read, caller.tenant(), id)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

/// Update a customer's details (name, code, and status when given).
#[utoipa::path(put, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    request_body = CustomerDetails,
    responses((status = 200, description = "The customer afterwards", body = CustomerView)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(id): Path<String>,
    Body(input): Body<CustomerDetails>,
) -> Result<Json<CustomerView>, AppError> {
    staff_only(&caller.principal())?;
    let id: CustomerId = parse_id(&id)?;
    let idem = key.for_request(&("PUT /api/v1/customers/{id}", id, &input))?;
    Ok(Json(
        customers::update_details(&state.app(), &caller.principal(), id, &input, idem).await?,
    ))
}

/// Set *Access to Customer Portal* and *Show charges on customer portal*.
#[utoipa::path(put, path = "/api/v1/customers/{id}/portal", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    request_body = PortalSettings,
    responses((status = 200, description = "The switches afterwards and what changed", body = PortalChange)))]
pub async fn set_portal(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(id): Path<String>,
    Body(input): Body<PortalSettings>,
) -> Result<Json<PortalChange>, AppError> {
    staff_only(&caller.principal())?;
    let id: CustomerId = parse_id(&id)?;
    let idem = key.for_request(&("PUT /api/v1/customers/{id}/portal", id, &input))?;
    Ok(Json(
        customers::set_portal(&state.app(), &caller.principal(), id, &input, idem).await?,
    ))
}

/// Quick action: set one switch on many customers; a result per customer.
#[utoipa::path(post, path = "/api/v1/customers/portal/bulk", tag = "customers",
    request_body = BulkRequest,
    responses((status = 200, description = "changed / already / failed per customer", body = BulkResult)))]
pub async fn bulk(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Body(input): Body<BulkRequest>,
) -> Result<Json<BulkResult>, AppError> {
    staff_only(&caller.principal())?;
    let idem = key.for_request(&("POST /api/v1/customers/portal/bulk", &input))?;
    Ok(Json(
        bulk::run_request(&state.app(), &caller.principal(), &input, idem).await?,
    ))
}
