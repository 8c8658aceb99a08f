//! `GET /portal`: the dashboard, the portal user's first page: orders per status, orders
//! submitted per day over 30 days (SVG, [`super::charts`]), the on-time delivery share, charges
//! awaiting approval (only where the customer shows charges) and today's orders. A new user sees
//! what to do first instead of empty charts.

use super::charts;
use super::common::PortalCtx;
use crate::error::AppError;
use crate::pages::home::orders_table;
use crate::pages::layout::{Section, noun};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use portal_app::zone::reader_zone;
use portal_projections::models::orders::{self, OrderFilter};
use portal_projections::models::{Page, Scope, dashboards};
use time::OffsetDateTime;
use time::macros::format_description;
use tracing::instrument;

/// How many of the newest orders are searched for today's.
const TODAY_WINDOW: u32 = 100;

/// `GET /portal`. Staff (whom [`PortalCtx`] turns away with 404) are sent to `/staff`.
#[instrument(skip_all)]
pub async fn dashboard(ctx: Result<PortalCtx, AppError>) -> Result<Response, AppError> {
    match ctx {
        Ok(ctx) => render(&ctx).await,
        Err(AppError::NotFound) => Ok(Redirect::to("/staff").into_response()),
        Err(e) => Err(e),
    }
}

async fn render(ctx: &PortalCtx) -> Result<Response, AppError> {
    let now = OffsetDateTime::now_utc();
    // The read model's day rows are UTC days; what "today" lists is the reader's own day.
    let today = now.date();
    let scope = Scope::Customer(ctx.user.customer_id);
    let dash =
        dashboards::customer(&ctx.state.read, ctx.tenant(), ctx.user.customer_id, today).await?;
    let shows_charges = ctx.shows_charges().await?;
    let zone = reader_zone(&ctx.state.app(), &ctx.caller.principal()).await?;
    let recent = orders::list(
        &ctx.state.read,
        ctx.tenant(),
        scope,
        &OrderFilter::default(),
        &Page::first(TODAY_WINDOW),
    )
    .await?;
    let local_today = zone.today(now);
    let mut todays: Vec<_> = recent
        .items
        .into_iter()
        .filter(|i| {
            i.order.submitted_at.map(|at| zone.civil(at).date()) == Some(local_today)
                || i.order
                    .pickup
                    .as_ref()
                    .is_some_and(|p| p.date == Some(local_today))
        })
        .collect();
    if !shows_charges {
        todays
            .iter_mut()
            .for_each(|i| i.order.charges_awaiting_approval = 0);
    }
    let total = dash.orders_by_status.total;
    let day = format_description!("[day] [month repr:short]");
    let per_day: Vec<(String, i64)> = dash
        .orders_per_day
        .iter()
        .map(|d| (d.date.format(day).unwrap_or_default(), d.count))
        .collect();
    let per_status: Vec<(String, i64)> = dash
        .orders_by_status
        .by_status
        .iter()
        .map(|c| (c.status.as_str().replace('_', " "), c.count))
        .collect();
    let on_time = dash
        .on_time
        .share
        .map(|s| format!("{:.0} %", s * 100.0))
        .unwrap_or_else(|| "—".to_owned());
    let body = html! {
        div.page-head {
            div {
                h1 { "Dashboard" }
                p.subtitle { "Your orders with the carrier, at a glance." }
            }
            a.button href="/portal/orders/new" { "New order" }
        }
        @if total == 0 {
            (first_steps())
        } @else {
            div.grid {
                div.stat { span.stat-value { (total) } span.stat-label { (noun(total, "order in all", "orders in all")) } }
                div.stat {
                    span.stat-value { (on_time) }
                    span.stat-label { "delivered on time (" (dash.on_time.on_time) " of " (dash.on_time.delivered) ")" }
                }
                @if shows_charges {
                    div.stat {
                        span.stat-value { a href="/portal/charges" { (dash.charges_awaiting_approval) } }
                        span.stat-label { (noun(dash.charges_awaiting_approval, "charge to approve", "charges to approve")) }
                    }
                }
                div.stat { span.stat-value { (todays.len()) } span.stat-label { (noun(todays.len() as i64, "today's order", "today's orders")) } }
            }
            div.two-col {
                section.card {
                    h2 { "Orders per day" }
                    p.hint { "Submitted over the last 30 days." }
                    (charts::columns("Orders submitted per day", &per_day, 7))
                }
                section.card {
                    h2 { "Orders per status" }
                    (charts::bars("Orders per status", &per_status))
                }
            }
            section.card {
                h2 { "Today's orders" }
                @if todays.is_empty() {
                    p.empty { "Nothing submitted or picked up today." }
                } @else {
                    (orders_table(&todays, "/portal", false, &zone))
                }
            }
        }
    };
    ctx.page("Dashboard", Section::Home, body).await
}

fn first_steps() -> Markup {
    html! {
        section.card {
            h2 { "Welcome to your portal" }
            p.lead { "You have no orders yet. Three steps get your first transport on its way:" }
            ol {
                li { a href="/portal/locations/new" { "Add your pickup and delivery addresses" } " to the address book." }
                li { a href="/portal/orders/new" { "Create an order" } ": stops, dates and goods; save it as a draft until it is complete." }
                li { "Submit it. The carrier confirms it, and you follow its status here." }
            }
            p.hint { "In " a href="/portal/settings" { "Settings" } " choose your label and document printers so labels and CMR notes print right the first time." }
        }
    }
}
