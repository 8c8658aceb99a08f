//! `POST, GET /api/v1/webhooks`, `GET, PUT, DELETE /api/v1/webhooks/{id}`,
//! `GET /api/v1/webhooks/{id}/deliveries` and
//! `POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/retry`: both roles, each in its own scope
//! (staff: the tenant's staff endpoints; a portal user: their customer's). The secret is in the
//! 201 answer of a registration only. The use cases are [`portal_app::webhooks`]; endpoints are
//! not events, so these writes answer no `Portal-Position`, and a repeated registration
//! registers a second endpoint (the `Idempotency-Key` header is not honoured here).

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::json::staff::body::{Body, Created, parse_query_int, parse_query_limit};
use crate::web::Query;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use portal_app::webhooks::{
    self, CreatedEndpoint, DeliveryPage, EndpointView, MAX_PAGE, WebhookInput,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every webhook route with its OpenAPI entry.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update, delete))
        .routes(routes!(deliveries))
        .routes(routes!(retry))
}

/// The caller's endpoints.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<EndpointView>,
}

/// Register an endpoint. The answer carries the signing secret (`whsec_…`): the only time it
/// is shown. 422 naming `url` for a URL on an internal address (unless the server allows them),
/// naming `event_types` for an unknown category or type.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks",
    request_body = WebhookInput,
    responses((status = 201, description = "Registered; the secret is shown this once",
        body = CreatedEndpoint,
        headers(("Location" = String, description = "The endpoint's path")))))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(input): Body<WebhookInput>,
) -> Result<Created<CreatedEndpoint>, AppError> {
    let created = webhooks::create(
        &state.db,
        &caller.principal(),
        caller.email.as_str(),
        &input,
        state.auth.webhook_allow_private,
        None,
        OffsetDateTime::now_utc(),
    )
    .await?;
    Ok(Created {
        location: format!("/api/v1/webhooks/{}", created.endpoint.id),
        body: created,
    })
}

/// The caller's endpoints (staff: the tenant's staff endpoints; a portal user: their
/// customer's), oldest first. No secrets.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    responses((status = 200, description = "The endpoints", body = WebhookList)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<WebhookList>, AppError> {
    Ok(Json(WebhookList {
        items: webhooks::list(&state.db, &caller.principal()).await?,
    }))
}

/// One endpoint (no secret).
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "Endpoint id")),
    responses((status = 200, description = "The endpoint", body = EndpointView)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<EndpointView>, AppError> {
    Ok(Json(
        webhooks::get(&state.db, &caller.principal(), &id).await?,
    ))
}

/// Change an endpoint: URL, patterns and description (all of them), and `enabled` when given
/// (`true` enables a disabled endpoint again).
#[utoipa::path(put, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "Endpoint id")),
    request_body = WebhookInput,
    responses((status = 200, description = "The endpoint afterwards", body = EndpointView)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<WebhookInput>,
) -> Result<Json<EndpointView>, AppError> {
    Ok(Json(
        webhooks::update(
            &state.db,
            &caller.principal(),
            &id,
            &input,
            state.auth.webhook_allow_private,
            OffsetDateTime::now_utc(),
        )
        .await?,
    ))
}

/// Delete an endpoint with its delivery log.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "Endpoint id")),
    responses((status = 204, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    webhooks::delete(&state.db, &caller.principal(), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Query of the delivery log.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Deliveries of events below this position (`next_before` of the previous page).
    #[param(value_type = Option<i64>)]
    pub before: Option<String>,
    /// 1–200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
}

/// The endpoint's delivery log, newest first: each delivery (event, status) with its attempts
/// (when, HTTP status or error, latency).
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = String, Path, description = "Endpoint id"), DeliveryQuery),
    responses((status = 200, description = "One page", body = DeliveryPage)))]
pub async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<DeliveryQuery>,
) -> Result<Json<DeliveryPage>, AppError> {
    let before = parse_query_int::<i64>("before", query.before.as_deref())?;
    let limit = parse_query_limit(query.limit.as_deref(), MAX_PAGE)?.unwrap_or(50);
    Ok(Json(
        webhooks::deliveries(&state.db, &caller.principal(), &id, before, limit).await?,
    ))
}

/// *Send again*: queue a delivery again, due now (202; it goes out when the endpoint's earlier
/// pending deliveries are done).
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry",
    tag = "webhooks",
    params(("id" = String, Path, description = "Endpoint id"),
        ("delivery_id" = String, Path, description = "Delivery id")),
    responses((status = 202, description = "Queued")))]
pub async fn retry(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, delivery_id)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    webhooks::retry(
        &state.db,
        &caller.principal(),
        &id,
        &delivery_id,
        OffsetDateTime::now_utc(),
    )
    .await?;
    Ok(StatusCode::ACCEPTED)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[test]
    fn every_webhook_path_is_in_the_openapi_document() {
        let doc = crate::openapi::spec();
        let paths = &doc["paths"];
        let post = &paths["/api/v1/webhooks"]["post"];
        assert!(post["responses"]["201"]["headers"]["Location"].is_object());
        assert!(post["responses"]["422"]["content"]["application/problem+json"].is_object());
        assert!(paths["/api/v1/webhooks"]["get"]["responses"]["200"].is_object());
        for method in ["get", "put", "delete"] {
            assert!(
                paths["/api/v1/webhooks/{id}"][method].is_object(),
                "{method}"
            );
        }
        assert!(paths["/api/v1/webhooks/{id}"]["delete"]["responses"]["204"].is_object());
        assert!(paths["/api/v1/webhooks/{id}"]["get"]["responses"]["404"].is_object());
        let deliveries = &paths["/api/v1/webhooks/{id}/deliveries"]["get"];
        assert!(deliveries["parameters"].to_string().contains("before"));
        let retry = &paths["/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry"]["post"];
        assert!(retry["responses"]["202"].is_object());
        assert!(doc["components"]["schemas"]["CreatedEndpoint"].is_object());
    }
}
