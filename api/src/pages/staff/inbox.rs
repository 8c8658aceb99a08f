//! The orders inbox `/staff/orders` (submitted orders, newest submission first; status tabs with
//! their counts, a search and a pickup-date range; cursor paging) and the order actions posted
//! from the order page ([`crate::pages::orders`]): a status change (accept, reject with a
//! reason, plan, in transit, delivered, cancel with a reason) and *Add charge* (optionally
//! asking the customer's approval).

use super::common::{FormData, StaffCtx, form_errors, query_string};
use crate::error::AppError;
use crate::json::orders::pickup_date;
use crate::pages::home::orders_table;
use crate::pages::layout::{Section, count, field_error, input_attrs};
use crate::pages::orders::{Sent, render_staff};
use crate::web::Query;
use axum::body::Bytes;
use axum::extract::Path;
use axum::response::Response;
use maud::{Markup, html};
use portal_app::orders::{self as service, NewCharge, StatusChange};
use portal_app::parse_id;
use portal_app::zone::reader_zone;
use portal_domain::order::OrderStatus;
use portal_domain::values::Currency;
use portal_domain::{FieldError, OrderId};
use portal_projections::models::Page;
use portal_projections::models::orders::{self, OrderFilter};

/// `GET /staff/orders?status=&q=&pickup_from=&pickup_to=&after=`. A pickup date that does not
/// parse is shown with its message and filters nothing.
pub async fn list(ctx: StaffCtx, Query(form): Query<FormData>) -> Result<Response, AppError> {
    let status = OrderStatus::parse(form.get("status").trim());
    let q = form.get("q").trim().to_owned();
    let mut errors = Vec::new();
    let filter = OrderFilter {
        status,
        search: Some(q.clone()).filter(|q| !q.is_empty()),
        pickup_from: pickup_date(
            "pickup_from",
            form.opt("pickup_from").as_deref(),
            &mut errors,
        ),
        pickup_to: pickup_date("pickup_to", form.opt("pickup_to").as_deref(), &mut errors),
        ..OrderFilter::default()
    };
    let page = match form.opt("after") {
        Some(after) => Page::after(after, Page::DEFAULT_LIMIT),
        None => Page::first(Page::DEFAULT_LIMIT),
    };
    let rows = orders::inbox(&ctx.state.read, ctx.tenant(), &filter, &page).await?;
    let counts = orders::inbox_counts(&ctx.state.read, ctx.tenant(), &filter).await?;
    let zone = reader_zone(&ctx.state.app(), &ctx.caller.principal()).await?;
    let status_s = status.map_or("", |s| s.as_str());
    // What the tabs and the pager keep of the filter (the typed text, even if it is wrong).
    let (from_s, to_s) = (form.get("pickup_from"), form.get("pickup_to"));
    let kept = |status: &str| {
        vec![
            ("status", status.to_owned()),
            ("q", q.clone()),
            ("pickup_from", from_s.to_owned()),
            ("pickup_to", to_s.to_owned()),
        ]
    };
    let href = |pairs: &[(&str, String)]| {
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        format!("/staff/orders{}", query_string(&pairs))
    };
    let next = rows.next.as_deref().map(|after| {
        let mut pairs = kept(status_s);
        pairs.push(("after", after.to_owned()));
        href(&pairs)
    });
    let tab = |s: Option<OrderStatus>, label: String| {
        let href = href(&kept(s.map_or("", |s| s.as_str())));
        html! {
            @if s == status {
                a.tab.current href=(href) aria-current="page" { (label) }
            } @else {
                a.tab href=(href) { (label) }
            }
        }
    };
    let body = html! {
        div.page-head { div {
            h1 { "Orders" }
            p.subtitle { "Orders submitted through the portal, newest first." }
        } }
        nav.tabs aria-label="Status" {
            (tab(None, format!("All ({})", counts.total)))
            @for c in counts.by_status.iter().filter(|c| c.status != OrderStatus::Draft) {
                (tab(Some(c.status), format!("{} ({})", status_label(c.status), c.count)))
            }
        }
        (filters(status, &q, from_s, to_s, &errors))
        section.card {
            p.subtitle { (count(rows.total, "order", "orders")) }
            @if rows.items.is_empty() {
                p.empty { "No submitted orders here." }
            } @else {
                (orders_table(&rows.items, "/staff", true, &zone))
            }
            @if let Some(next) = next {
                p.pager { a.button.secondary href=(next) rel="next" { "Next" } }
            }
        }
    };
    ctx.page("Orders", Section::Orders, body).await
}

/// "In transit": a status as a tab names it.
fn status_label(s: OrderStatus) -> String {
    let words = s.as_str().replace('_', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// The search and pickup-date filters of the inbox (a GET form; the chosen tab is kept).
fn filters(
    status: Option<OrderStatus>,
    q: &str,
    from: &str,
    to: &str,
    errors: &[FieldError],
) -> Markup {
    let from_a = input_attrs(errors, "pickup_from");
    let to_a = input_attrs(errors, "pickup_to");
    html! {
        form.card.filters method="get" action="/staff/orders" role="search" {
            @if let Some(s) = status { input type="hidden" name="status" value=(s.as_str()); }
            div.filter-field.grow {
                label for="q" { "Search" }
                input type="text" id="q" name="q" value=(q) placeholder="Order number or reference";
            }
            div.filter-field {
                label for="pickup_from" { "Pickup from" }
                input type="date" id="pickup_from" name="pickup_from" value=(from)
                    aria-invalid=[from_a.invalid] aria-describedby=[from_a.described_by];
                (field_error(errors, "pickup_from"))
            }
            div.filter-field {
                label for="pickup_to" { "Pickup to" }
                input type="date" id="pickup_to" name="pickup_to" value=(to)
                    aria-invalid=[to_a.invalid] aria-describedby=[to_a.described_by];
                (field_error(errors, "pickup_to"))
            }
            div.filter-field { button.button type="submit" { "Filter" } }
        }
    }
}

/// `POST /staff/orders/{id}/status`.
pub async fn change_status(
    ctx: StaffCtx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = FormData::parse(&body);
    let order_id: OrderId = parse_id(&id)?;
    let input = StatusChange {
        status: form.get("status").trim().to_owned(),
        reason: form.opt("reason"),
    };
    match service::change_status(
        &ctx.state.app(),
        &ctx.caller.principal(),
        order_id,
        &input,
        ctx.change_key("staff.order.status"),
    )
    .await
    {
        Ok(view) => {
            let number = view.number.as_deref().unwrap_or("The order");
            let message = if view.changed {
                format!("Order {number} is now {}.", view.status.replace('_', " "))
            } else {
                format!(
                    "Order {number} was {} already.",
                    view.status.replace('_', " ")
                )
            };
            ctx.done(message, &format!("/staff/orders/{order_id}"))
                .await
        }
        Err(e) => {
            let errors = form_errors(e)?;
            render_staff(&ctx, &id, Sent::Status(&input.status, &form, &errors)).await
        }
    }
}

/// An amount typed in major units (`120`, `120.50`, `120,50`) in minor units of a currency with
/// `digits` decimals; `None` when blank.
fn parse_amount(raw: &str, digits: u32) -> Result<Option<i64>, FieldError> {
    let raw = raw.trim().replace(',', ".");
    if raw.is_empty() {
        return Ok(None);
    }
    let bad = || FieldError::new("amount_minor", "is not an amount like 120.50");
    let (negative, raw) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest.to_owned()),
        None => (false, raw),
    };
    let (whole, fraction) = raw.split_once('.').unwrap_or((&raw, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    if fraction.len() > digits as usize {
        return Err(FieldError::new(
            "amount_minor",
            format!("has more than {digits} decimals"),
        ));
    }
    let padded = format!("{fraction:0<width$}", width = digits as usize);
    let text = format!("{}{padded}", if whole.is_empty() { "0" } else { whole });
    let minor: i64 = text.parse().map_err(|_| bad())?;
    Ok(Some(if negative { -minor } else { minor }))
}

/// `POST /staff/orders/{id}/charges`: *Add charge*.
pub async fn add_charge(
    ctx: StaffCtx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = FormData::parse(&body);
    let order_id: OrderId = parse_id(&id)?;
    let currency = form.get("currency").trim().to_uppercase();
    let digits = Currency::parse(&currency).map_or(2, |c| u32::from(c.minor_units()));
    let amount = match parse_amount(form.get("amount"), digits) {
        Ok(amount) => amount,
        Err(e) => {
            let errors = [e];
            return render_staff(&ctx, &id, Sent::Charge(&form, &errors)).await;
        }
    };
    let input = NewCharge {
        description: form.get("description").to_owned(),
        amount_minor: amount,
        currency,
        request_approval: form.on("request_approval"),
    };
    match service::add_charge(
        &ctx.state.app(),
        &ctx.caller.principal(),
        order_id,
        &input,
        ctx.change_key("staff.order.charge"),
    )
    .await
    {
        Ok(charge) => {
            let asked = if charge.approval == "requested" {
                "; the customer is asked to approve it"
            } else {
                ""
            };
            let message = format!("Charge “{}” added{asked}.", charge.description);
            ctx.done(message, &format!("/staff/orders/{order_id}"))
                .await
        }
        Err(e) => {
            let errors = form_errors(e)?;
            render_staff(&ctx, &id, Sent::Charge(&form, &errors)).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_amount;

    #[test]
    fn amounts_in_major_units_become_minor_units() {
        assert_eq!(parse_amount("120", 2), Ok(Some(12000)));
        assert_eq!(parse_amount(" 120,5 ", 2), Ok(Some(12050)));
        assert_eq!(parse_amount("0.07", 2), Ok(Some(7)));
        assert_eq!(parse_amount("1250", 0), Ok(Some(1250)));
        assert_eq!(parse_amount("-3", 2), Ok(Some(-300)));
        assert_eq!(parse_amount("", 2), Ok(None));
        assert!(parse_amount("12.345", 2).is_err());
        assert!(parse_amount("abc", 2).is_err());
        assert!(parse_amount(".", 2).is_err());
    }
}
