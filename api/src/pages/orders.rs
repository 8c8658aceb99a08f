//! An order's page: `/portal/orders/{id}` for portal users, `/staff/orders/{id}` for staff. The
//! order comes through [`crate::json::orders::visible_order`], so an id of another customer or
//! tenant answers 404 exactly like an unknown one, and charges appear only where the customer
//! shows them.

use super::layout::{Nav, page};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::json::orders::visible_order;
use crate::web::CsrfToken;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use portal_projections::models::ActorKind;
use portal_projections::models::orders::OrderDetail;
use time::macros::format_description;
use tracing::instrument;

fn actor(kind: ActorKind) -> &'static str {
    match kind {
        ActorKind::System => "the portal",
        ActorKind::Operator => "an operator",
        ActorKind::Staff => "the carrier",
        ActorKind::PortalUser => "the customer",
    }
}

fn render(nav: &Nav, detail: &OrderDetail) -> Response {
    let o = &detail.order;
    let when = format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    let day = format_description!("[year]-[month]-[day]");
    let status = o.status.as_str();
    page(
        &format!("Order {}", o.number),
        Some(nav),
        html! {
            div.page-head { div {
                h1 { "Order " (o.number) }
                p.subtitle { span class={ "badge " (status) } { (status.replace('_', " ")) } }
            } }
            div.two-col {
                section.card {
                    h2 { "Order" }
                    dl.facts {
                        dt { "Your reference" } dd { (o.customer_reference.as_deref().unwrap_or("—")) }
                        dt { "Consignments" } dd { (o.consignments) }
                        dt { "Total weight" } dd { (o.total_weight_kg) " kg" }
                        @if let Some(p) = &o.pickup {
                            dt { "Pickup" } dd { (p.name) ", " (p.city) ", " (p.country) " — " (p.date.format(day).unwrap_or_default()) }
                        }
                        @if let Some(d) = &o.delivery {
                            dt { "Delivery" } dd { (d.name) ", " (d.city) ", " (d.country) " — " (d.date.format(day).unwrap_or_default()) }
                        }
                        @if let Some(r) = &detail.rejection_reason { dt { "Rejected because" } dd { (r) } }
                        @if let Some(r) = &detail.cancellation_reason { dt { "Cancelled because" } dd { (r) } }
                    }
                }
                section.card {
                    h2 { "Status history" }
                    ul.timeline {
                        @for h in &detail.history {
                            li {
                                strong { (h.status.as_str().replace('_', " ")) }
                                " by " (actor(h.actor)) ", " (h.at.format(when).unwrap_or_default())
                                @if let Some(reason) = &h.reason { br; span.muted { (reason) } }
                            }
                        }
                    }
                }
            }
            @if !detail.charges.is_empty() {
                section.card {
                    h2 { "Charges" }
                    table {
                        thead { tr { th { "Description" } th.num { "Amount" } th { "Approval" } th { "Comment" } } }
                        tbody {
                            @for c in &detail.charges {
                                tr {
                                    td { (c.description) }
                                    td.num { (c.amount) }
                                    td { (format!("{:?}", c.approval).to_lowercase()) }
                                    td { (c.comment.as_deref().unwrap_or("")) }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

async fn show(
    state: &AppState,
    caller: &Caller,
    csrf: &CsrfToken,
    id: &str,
) -> Result<Response, AppError> {
    let detail = visible_order(state, caller, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let nav = Nav::for_caller(state, caller, &csrf.0).await?;
    Ok(render(&nav, &detail))
}

/// `GET /portal/orders/{id}`.
#[instrument(skip_all, fields(tenant = %caller.tenant()))]
pub async fn portal_order(
    State(state): State<AppState>,
    caller: Caller,
    csrf: CsrfToken,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    if caller.is_staff() {
        return Err(AppError::NotFound);
    }
    show(&state, &caller, &csrf, &id).await
}

/// `GET /staff/orders/{id}`.
#[instrument(skip_all, fields(tenant = %caller.tenant()))]
pub async fn staff_order(
    State(state): State<AppState>,
    caller: Caller,
    csrf: CsrfToken,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    if !caller.is_staff() {
        return Err(AppError::NotFound);
    }
    show(&state, &caller, &csrf, &id).await
}
