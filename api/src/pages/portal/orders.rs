//! The portal's order list `/portal/orders`: a tab per status with its count, search by order
//! number or reference, cursor paging; and its CSV export `/portal/orders.csv` with the same
//! filter (every matching order, not one page). Charge figures appear in the CSV only where the
//! customer shows charges.

use super::common::PortalCtx;
use crate::error::AppError;
use crate::pages::home::orders_table;
use crate::pages::layout::{Section, count};
use crate::pages::staff::common::{FormData, query_string};
use axum::extract::RawQuery;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::html;
use portal_domain::order::OrderStatus;
use portal_projections::models::orders::{self, OrderFilter, OrderListItem};
use portal_projections::models::{Page, Scope};
use time::format_description::well_known::Rfc3339;

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
pub async fn list(ctx: PortalCtx, RawQuery(raw): RawQuery) -> Result<Response, AppError> {
    let form = FormData::query(raw.as_deref());
    let (status, q, filter) = filter_of(&form);
    let scope = Scope::Customer(ctx.user.customer_id);
    let page = match form.opt("after") {
        Some(after) => Page::after(after, Page::DEFAULT_LIMIT),
        None => Page::first(Page::DEFAULT_LIMIT),
    };
    let mut rows = orders::list(&ctx.state.read, ctx.tenant(), scope, &filter, &page).await?;
    if !ctx.shows_charges().await? {
        rows.items
            .iter_mut()
            .for_each(|i| i.order.charges_awaiting_approval = 0);
    }
    let counts = orders::counts_by_status(&ctx.state.read, ctx.tenant(), scope).await?;
    let status_s = status.map_or("", |s| s.as_str());
    let next = rows.next.as_deref().map(|after| {
        format!(
            "/portal/orders{}",
            query_string(&[("status", status_s), ("q", &q), ("after", after)])
        )
    });
    let csv = format!(
        "/portal/orders.csv{}",
        query_string(&[("status", status_s), ("q", &q)])
    );
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
                (orders_table(&rows.items, "/portal", false))
            }
            @if let Some(next) = next {
                p.pager { a.button.secondary href=(next) rel="next" { "Next" } }
            }
        }
    };
    ctx.page("Orders", Section::Orders, body).await
}

/// Rows fetched per page while exporting.
const EXPORT_PAGE: u32 = 500;

/// `GET /portal/orders.csv?status=&q=`: every order matching the filter, newest first.
pub async fn export(ctx: PortalCtx, RawQuery(raw): RawQuery) -> Result<Response, AppError> {
    let form = FormData::query(raw.as_deref());
    let (_, _, filter) = filter_of(&form);
    let scope = Scope::Customer(ctx.user.customer_id);
    let charges = ctx.shows_charges().await?;
    let mut items: Vec<OrderListItem> = Vec::new();
    let mut page = Page::first(EXPORT_PAGE);
    loop {
        let rows = orders::list(&ctx.state.read, ctx.tenant(), scope, &filter, &page).await?;
        items.extend(rows.items);
        match rows.next {
            Some(after) => page = Page::after(after, EXPORT_PAGE),
            None => break,
        }
    }
    let bytes = to_csv(&items, charges)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"orders.csv\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The CSV document (RFC 4180, header row first). `charges`: add the column of charges awaiting
/// approval.
pub fn to_csv(items: &[OrderListItem], charges: bool) -> Result<Vec<u8>, AppError> {
    let failed = |e: csv::Error| AppError::internal(format!("CSV export failed: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec![
        "order_number",
        "reference",
        "status",
        "pickup_name",
        "pickup_city",
        "pickup_country",
        "pickup_date",
        "delivery_name",
        "delivery_city",
        "delivery_country",
        "delivery_date",
        "consignments",
        "total_weight_kg",
        "created_at",
        "submitted_at",
    ];
    if charges {
        head.push("charges_awaiting_approval");
    }
    w.write_record(&head).map_err(failed)?;
    for item in items {
        let o = &item.order;
        let stop = |s: &Option<orders::StopSummary>| match s {
            Some(s) => [
                s.name.clone(),
                s.city.clone(),
                s.country.clone(),
                s.date.to_string(),
            ],
            None => Default::default(),
        };
        let mut record = vec![
            o.number.clone(),
            o.customer_reference.clone().unwrap_or_default(),
            o.status.as_str().to_owned(),
        ];
        record.extend(stop(&o.pickup));
        record.extend(stop(&o.delivery));
        record.extend([
            o.consignments.to_string(),
            o.total_weight_kg.to_string(),
            o.created_at.format(&Rfc3339).unwrap_or_default(),
            o.submitted_at
                .and_then(|at| at.format(&Rfc3339).ok())
                .unwrap_or_default(),
        ]);
        if charges {
            record.push(o.charges_awaiting_approval.to_string());
        }
        w.write_record(&record).map_err(failed)?;
    }
    w.into_inner()
        .map_err(|e| AppError::internal(format!("CSV export failed: {e}")))
}
