//! The portal's order list `/portal/orders`: a tab per status with its count, search by order
//! number or reference, cursor paging; and links to its export (CSV or XLSX) with the same
//! filter, served by the JSON API ([`crate::json::export`]; every matching order, not one page).
//! The former `/portal/orders.csv` redirects there.

use super::common::PortalCtx;
use crate::error::AppError;
use crate::pages::home::orders_table;
use crate::pages::layout::{Section, count};
use crate::pages::staff::common::{FormData, query_string};
use crate::web::Query;
use axum::response::{Redirect, Response};
use maud::html;
use portal_app::access::visible_orders;
use portal_app::export::Format;
use portal_app::zone::reader_zone;
use portal_domain::order::OrderStatus;
use portal_projections::models::orders::{self, OrderFilter};
use portal_projections::models::{Page, Scope};

/// The filter of the list and the export: `status` (blank: all) and `q`.
fn filter_of(form: &FormData) -> (Option<OrderStatus>, String, OrderFilter) {
    let status = OrderStatus::parse(form.get("status").trim());
    let q = form.get("q").trim().to_owned();
    let filter = OrderFilter {
        status,
        search: Some(q.clone()).filter(|q| !q.is_empty()),
        ..OrderFilter::default()
    };
    (status, q, filter)
}

/// `GET /portal/orders?status=&q=&after=`.
pub async fn list(ctx: PortalCtx, Query(form): Query<FormData>) -> Result<Response, AppError> {
    let (status, q, filter) = filter_of(&form);
    let scope = Scope::Customer(ctx.user.customer_id);
    let page = match form.opt("after") {
        Some(after) => Page::after(after, Page::DEFAULT_LIMIT),
        None => Page::first(Page::DEFAULT_LIMIT),
    };
    let rows = visible_orders(&ctx.state.app(), &ctx.caller.principal(), &filter, &page).await?;
    let counts = orders::counts_by_status(&ctx.state.read, ctx.tenant(), scope).await?;
    let zone = reader_zone(&ctx.state.app(), &ctx.caller.principal()).await?;
    let status_s = status.map_or("", |s| s.as_str());
    let next = rows.next.as_deref().map(|after| {
        format!(
            "/portal/orders{}",
            query_string(&[("status", status_s), ("q", &q), ("after", after)])
        )
    });
    let csv = export_url(&form, Format::Csv);
    let xlsx = export_url(&form, Format::Xlsx);
    let tab = |s: Option<OrderStatus>, label: String| {
        let href = format!(
            "/portal/orders{}",
            query_string(&[("status", s.map_or("", |s| s.as_str())), ("q", &q)])
        );
        html! {
            @if s == status {
                a.tab.current href=(href) aria-current="page" { (label) }
            } @else {
                a.tab href=(href) { (label) }
            }
        }
    };
    let body = html! {
        div.page-head {
            div {
                h1 { "Orders" }
                p.subtitle { "Your drafts and the orders you submitted, newest first." }
            }
            a.button href="/portal/orders/new" { "New order" }
        }
        nav.tabs aria-label="Status" {
            (tab(None, format!("All ({})", counts.total)))
            @for c in &counts.by_status {
                (tab(Some(c.status), format!("{} ({})", c.status.as_str().replace('_', " "), c.count)))
            }
        }
        form.card.filters method="get" action="/portal/orders" role="search" {
            @if let Some(s) = status { input type="hidden" name="status" value=(s.as_str()); }
            div.filter-field.grow {
                label for="q" { "Search" }
                input type="text" id="q" name="q" value=(q) placeholder="Order number or your reference";
            }
            div.filter-field { button.button type="submit" { "Search" } }
            div.filter-field { a.button.secondary href=(csv) download { "Export CSV" } }
            div.filter-field { a.button.secondary href=(xlsx) download { "Export Excel" } }
        }
        section.card {
            p.subtitle { (count(rows.total, "order", "orders")) }
            @if rows.items.is_empty() {
                p.empty {
                    @if counts.total == 0 {
                        "No orders yet. " a href="/portal/orders/new" { "Create your first order" } "."
                    } @else {
                        "No orders match."
                    }
                }
            } @else {
                (orders_table(&rows.items, "/portal", false, &zone))
            }
            @if let Some(next) = next {
                p.pager { a.button.secondary href=(next) rel="next" { "Next" } }
            }
        }
    };
    ctx.page("Orders", Section::Orders, body).await
}

/// `GET /portal/orders.csv?status=&q=`: the former address of the CSV export, kept for
/// bookmarks; it redirects to the JSON API's export with the same filter.
pub async fn export(_ctx: PortalCtx, Query(form): Query<FormData>) -> Redirect {
    Redirect::permanent(&export_url(&form, Format::Csv))
}

/// The export of the list's filter (`status`, `q`) in `format`.
fn export_url(form: &FormData, format: Format) -> String {
    format!(
        "/api/v1/orders/export{}",
        query_string(&[
            ("format", format.as_str()),
            ("status", form.get("status").trim()),
            ("q", form.get("q").trim()),
        ])
    )
}
