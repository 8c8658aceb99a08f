//! `GET /api/v1/orders` and `GET /api/v1/orders/{id}`, for staff (the whole tenant) and portal
//! users (their customer only). An id outside the caller's scope answers 404, exactly like an id
//! that does not exist. Charges (amounts of money) reach a portal user only where the customer
//! shows charges ([`portal_app::access`]).

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::json::staff::body::parse_query_limit;
use crate::read_cache;
use crate::web::Query;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use portal_app::access::{visible_order, visible_orders};
use portal_domain::order::OrderStatus;
use portal_domain::{CustomerId, FieldError};
use portal_projections::models::orders::{OrderDetail, OrderFilter, OrderListItem};
use portal_projections::models::{Page, Paged};
use serde::Deserialize;
use time::Date;
use time::macros::format_description;
use tracing::instrument;

/// Query of the list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub status: Option<String>,
    pub q: Option<String>,
    /// Staff only: one customer's orders.
    pub customer_id: Option<String>,
    /// The first pickup on or after this date (`YYYY-MM-DD`).
    pub pickup_from: Option<String>,
    /// The first pickup on or before this date (`YYYY-MM-DD`).
    pub pickup_to: Option<String>,
    pub after: Option<String>,
    pub limit: Option<String>,
}

impl ListQuery {
    /// The filter and page, or the field messages of what does not parse.
    pub fn parse(&self, caller: &Caller) -> Result<(OrderFilter, Page), AppError> {
        let mut errors = Vec::new();
        let status = match self.status.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => OrderStatus::parse(s).or_else(|| {
                errors.push(portal_domain::FieldError::new(
                    "status",
                    "is not an order status (draft, submitted, accepted, rejected, planned, \
                     in_transit, delivered, cancelled)",
                ));
                None
            }),
        };
        let customer = match self.customer_id.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => s.parse::<CustomerId>().ok().or_else(|| {
                errors.push(portal_domain::FieldError::new(
                    "customer_id",
                    "is not a customer id",
                ));
                None
            }),
        };
        let pickup_from = pickup_date("pickup_from", self.pickup_from.as_deref(), &mut errors);
        let pickup_to = pickup_date("pickup_to", self.pickup_to.as_deref(), &mut errors);
        let limit = match parse_query_limit(self.limit.as_deref(), Page::MAX_LIMIT) {
            Ok(limit) => limit,
            Err(e) => {
                errors.push(crate::json::staff::customers::one(e));
                None
            }
        };
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let filter = OrderFilter {
            // A portal user's scope already restricts the list to its customer.
            customer: if caller.is_staff() { customer } else { None },
            status,
            search: self.q.clone().filter(|q| !q.trim().is_empty()),
            via_portal: None,
            pickup_from,
            pickup_to,
        };
        let page = Page {
            after: self.after.clone().filter(|a| !a.is_empty()),
            limit: limit.unwrap_or(Page::DEFAULT_LIMIT),
        };
        Ok((filter, page))
    }
}

/// The date of a pickup-date filter (`YYYY-MM-DD`, blank: none); a message in `errors` for
/// anything else.
pub(crate) fn pickup_date(
    field: &str,
    raw: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> Option<Date> {
    let raw = raw.map(str::trim).filter(|s| !s.is_empty())?;
    Date::parse(raw, format_description!("[year]-[month]-[day]"))
        .map_err(|_| errors.push(FieldError::new(field, "is not a date like 2026-12-31")))
        .ok()
}

/// `GET /api/v1/orders`: newest first, `{items, next, total}`.
#[instrument(skip_all, fields(tenant = %caller.tenant()))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let (filter, page) = query.parse(&caller)?;
    // What the answer depends on: the tenant and read scope (charges shown or not follow the
    // scope's customer), the filter and the page.
    let key = format!(
        "orders|{}|{:?}|{filter:?}|{page:?}",
        caller.tenant(),
        caller.read_scope()
    );
    let principal = caller.principal();
    read_cache::answer(&state, &headers, key, async || {
        let listed: Paged<OrderListItem> =
            visible_orders(&state.app(), &principal, &filter, &page).await?;
        Ok(listed)
    })
    .await
}

/// `GET /api/v1/orders/{id}`: the order with its status history.
#[instrument(skip_all, fields(tenant = %caller.tenant()))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<OrderDetail>, AppError> {
    visible_order(&state.app(), &caller.principal(), &id)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}
