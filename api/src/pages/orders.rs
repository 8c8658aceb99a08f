//! The staff's order page `/staff/orders/{id}`, and the parts of an order's page the portal's
//! ([`super::portal::order`]) shares: the head, the facts and status history ([`content`]), the
//! consignments with stops and goods ([`super::order_content`]). The order comes through
//! [`portal_app::access::visible_order`], so an id of another tenant answers 404 exactly like
//! an unknown one.
//!
//! Staff see, besides the order, its actions: the status changes the lifecycle allows from the
//! current status ([`OrderStatus::allowed_next`]; reject and cancel ask for a reason) and *Add
//! charge*. Their forms post to [`super::staff::inbox`], which re-renders this page (422) with
//! the messages next to the fields when the input is wrong. A submitted order's *Documents*
//! (CMR, labels) download from [`staff_document`], rendered like the portal's.

use super::layout::{Section, csrf_field, field_error, other_errors};
use super::order_content::{consignments, missing_list};
use super::staff::common::{FormData, StaffCtx, tabs};
use crate::error::AppError;
use crate::web::Query;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use portal_app::access::visible_order;
use portal_app::parse_id;
use portal_app::portal::documents::{self, LabelOutput};
use portal_app::zone::{Zone, reader_zone};
use portal_documents::DocumentKind;
use portal_domain::order::OrderStatus;
use portal_domain::{FieldError, OrderId};
use portal_projections::models::orders::{OrderDetail, StopSummary};
use portal_projections::models::{ActorKind, customers};
use time::macros::format_description;
use tracing::instrument;

pub(crate) fn actor(kind: ActorKind) -> &'static str {
    match kind {
        ActorKind::System => "the portal",
        ActorKind::Operator => "an operator",
        ActorKind::Staff => "the carrier",
        ActorKind::PortalUser => "the customer",
    }
}

pub(crate) fn head(detail: &OrderDetail) -> Markup {
    let o = &detail.order;
    let status = o.status.as_str();
    html! {
        div.page-head { div {
            h1 { "Order " (o.number) }
            p.subtitle { span class={ "badge " (status) } { (status.replace('_', " ")) } }
        } }
    }
}

/// The order's facts and status history; times local to `zone`, with its abbreviation.
pub(crate) fn content(detail: &OrderDetail, zone: &Zone) -> Markup {
    let o = &detail.order;
    html! {
            (missing_list(&detail.missing))
            div.two-col {
                section.card {
                    h2 { "Order" }
                    dl.facts {
                        dt { "Your reference" } dd { (o.customer_reference.as_deref().unwrap_or("—")) }
                        dt { "Consignments" } dd { (o.consignments) }
                        dt { "Total weight" } dd { (o.total_weight_kg) " kg" }
                        @if let Some(p) = &o.pickup {
                            dt { "Pickup" } dd { (stop_line(p)) }
                        }
                        @if let Some(d) = &o.delivery {
                            dt { "Delivery" } dd { (stop_line(d)) }
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
                                " by " (h.by_name.as_deref().unwrap_or(actor(h.actor))) ", " (zone.format(h.at))
                                @if let Some(reason) = &h.reason { br; span.muted { (reason) } }
                            }
                        }
                    }
                }
            }
            (consignments(&detail.content))
    }
}

/// "Hamburg Depot, Hamburg, DE — 2030-06-05"; a draft's blanks are left out.
fn stop_line(s: &StopSummary) -> String {
    let day = format_description!("[year]-[month]-[day]");
    let place: Vec<&str> = [s.name.as_str(), s.city.as_str(), s.country.as_str()]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect();
    let date = s
        .date
        .and_then(|d| d.format(day).ok())
        .unwrap_or_else(|| "no date yet".to_owned());
    format!("{} — {date}", place.join(", "))
}

/// The charges of an order (staff view: no decision forms).
fn charges_table(detail: &OrderDetail) -> Markup {
    html! {
            @if !detail.charges.is_empty() {
                section.card {
                    h2 { "Charges" }
                    table {
                        thead { tr { th { "Description" } th.num { "Amount" } th { "Approval" } th { "Comment" } } }
                        tbody {
                            @for c in &detail.charges {
                                tr {
                                    td data-label="Description" { (c.description) }
                                    td.num data-label="Amount" { (c.amount) }
                                    td data-label="Approval" { (format!("{:?}", c.approval).to_lowercase()) }
                                    td data-label="Comment" { (c.comment.as_deref().unwrap_or("")) }
                                }
                            }
                        }
                    }
                }
            }
    }
}

/// The documents of a submitted order: the CMR note and the labels as PDF or ZPL, each a link to
/// [`staff_document`]. A draft has none.
fn documents_section(base: &str, detail: &OrderDetail) -> Markup {
    let submitted = detail
        .history
        .iter()
        .any(|h| h.status == OrderStatus::Submitted);
    html! {
        section.card #documents {
            h2 { "Documents" }
            @if submitted {
                // The same buttons as on the portal's order page.
                div.action-row {
                    a.button.secondary href={ (base) "/documents/cmr" } download { "CMR note (PDF, A4)" }
                    a.button.secondary href={ (base) "/documents/label?format=pdf" } download { "Shipping labels (PDF, A6)" }
                    a.button.secondary href={ (base) "/documents/label?format=zpl" } download { "Shipping labels (ZPL, 203 dpi)" }
                }
            } @else {
                p.empty { "Labels and the CMR note can be printed once the order is submitted." }
            }
        }
    }
}

/// `GET /staff/orders/{id}/documents/{kind}`: the download behind the links of the Documents
/// section (`kind` `cmr` or `label`, `?format=pdf|zpl` for labels); 404 for an unknown kind.
#[instrument(skip_all, fields(tenant = %ctx.tenant()))]
pub async fn staff_document(
    ctx: StaffCtx,
    Path((id, kind)): Path<(String, String)>,
    Query(query): Query<LabelOutput>,
) -> Result<Response, AppError> {
    let order_id: OrderId = parse_id(&id)?;
    let kind = DocumentKind::parse(&kind).ok_or(AppError::NotFound)?;
    let output = query.parse()?;
    let doc = documents::render(
        &ctx.state.app(),
        &ctx.caller.principal(),
        order_id,
        kind,
        output,
    )
    .await?;
    Ok(crate::use_cases::document_response(doc))
}

/// `GET /staff/orders/{id}`: the order with its actions.
#[instrument(skip_all, fields(tenant = %ctx.tenant()))]
pub async fn staff_order(ctx: StaffCtx, Path(id): Path<String>) -> Result<Response, AppError> {
    render_staff(&ctx, &id, Sent::Nothing).await
}

/// Which action form of the staff order page was sent, with what was typed and what was wrong.
pub enum Sent<'a> {
    Nothing,
    /// A status change (the status asked for).
    Status(&'a str, &'a FormData, &'a [FieldError]),
    Charge(&'a FormData, &'a [FieldError]),
}

/// The staff's order page (422 when a form is re-rendered with its messages).
pub async fn render_staff(ctx: &StaffCtx, id: &str, sent: Sent<'_>) -> Result<Response, AppError> {
    let detail = visible_order(&ctx.state.app(), &ctx.caller.principal(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let status = if matches!(sent, Sent::Nothing) {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let zone = reader_zone(&ctx.state.app(), &ctx.caller.principal()).await?;
    let base = format!("/staff/orders/{}", detail.order.order_id);
    let o = &detail.order;
    // The customer's name from its read model; a customer not projected yet keeps the link.
    let customer_name = customers::get(&ctx.state.read, ctx.tenant(), o.customer_id)
        .await?
        .map_or_else(|| "Customer".to_owned(), |c| c.name.to_string());
    let customer_href = format!("/staff/customers/{}", o.customer_id);
    let body = html! {
        div.page-head { div {
            p.subtitle.breadcrumb {
                a href="/staff/orders" { "Orders" } " › "
                a href=(customer_href) { (customer_name) } " › "
                (o.number)
            }
            h1 { "Order " (o.number) }
            p.subtitle {
                span class={ "badge " (o.status.as_str()) } { (o.status.as_str().replace('_', " ")) }
                " for " a.customer href=(customer_href) { (customer_name) }
            }
        } }
        (tabs(&base, false, "Order"))
        (actions(&ctx.csrf, &base, detail.order.status, &sent))
        (content(&detail, &zone))
        (documents_section(&base, &detail))
        (charges_table(&detail))
        @if detail.order.status.allows_charges() {
            (charge_form(&ctx.csrf, &base, &sent))
        }
    };
    ctx.page_with(
        status,
        &format!("Order {}", detail.order.number),
        Section::Orders,
        body,
    )
    .await
}

/// The label of the button that moves an order to `next`.
fn action_label(next: OrderStatus) -> &'static str {
    match next {
        OrderStatus::Accepted => "Accept",
        OrderStatus::Rejected => "Reject",
        OrderStatus::Planned => "Plan",
        OrderStatus::InTransit => "In transit",
        OrderStatus::Delivered => "Delivered",
        OrderStatus::Cancelled => "Cancel order",
        OrderStatus::Draft | OrderStatus::Submitted => "",
    }
}

fn actions(csrf: &str, base: &str, current: OrderStatus, sent: &Sent<'_>) -> Markup {
    let next: Vec<OrderStatus> = current
        .allowed_next()
        .iter()
        .copied()
        .filter(|s| !matches!(s, OrderStatus::Submitted | OrderStatus::Draft))
        .collect();
    let empty: &[FieldError] = &[];
    html! {
        section.card.order-actions #actions {
            h2 { "Actions" }
            @if let Sent::Status(_, _, errors) = sent { (other_errors(errors, &["reason", "status"])) }
            @if next.is_empty() {
                p.empty { "No further status changes: the order is " (current.as_str().replace('_', " ")) "." }
            }
            div.action-row {
                @for s in &next {
                    @let (form, errors) = match sent {
                        Sent::Status(asked, form, errors) if *asked == s.as_str() => (Some(*form), *errors),
                        _ => (None, empty),
                    };
                    form.action-form method="post" action={ (base) "/status" } {
                        (csrf_field(csrf))
                        input type="hidden" name="status" value=(s.as_str());
                        @if matches!(s, OrderStatus::Rejected | OrderStatus::Cancelled) {
                            @let id = format!("reason-{}", s.as_str());
                            label for=(id) { "Reason" }
                            input type="text" id=(id) name="reason" value=(form.map_or("", |f| f.get("reason")));
                            (field_error(errors, "reason"))
                        }
                        (field_error(errors, "status"))
                        button type="submit" class={ "button" @if matches!(s, OrderStatus::Rejected | OrderStatus::Cancelled) { " danger" } } {
                            (action_label(*s))
                        }
                    }
                }
            }
        }
    }
}

fn charge_form(csrf: &str, base: &str, sent: &Sent<'_>) -> Markup {
    let (form, errors): (Option<&FormData>, &[FieldError]) = match sent {
        Sent::Charge(form, errors) => (Some(*form), errors),
        _ => (None, &[]),
    };
    let value = |name: &str, default: &'static str| {
        form.map_or_else(|| default.to_owned(), |f| f.get(name).to_owned())
    };
    html! {
        section.card #add-charge {
            h2 { "Add charge" }
            (other_errors(errors, &["description", "amount_minor", "currency", "request_approval"]))
            form method="post" action={ (base) "/charges" } {
                (csrf_field(csrf))
                div.two-col {
                    div {
                        label for="description" { "Description" }
                        input type="text" id="description" name="description" value=(value("description", ""));
                        (field_error(errors, "description"))
                    }
                    div {
                        label for="amount" { "Amount" }
                        input type="text" id="amount" name="amount" inputmode="decimal" placeholder="120.00" value=(value("amount", ""));
                        (field_error(errors, "amount_minor"))
                    }
                    div {
                        label for="currency" { "Currency" }
                        input type="text" id="currency" name="currency" value=(value("currency", "EUR")) maxlength="3";
                        (field_error(errors, "currency"))
                    }
                }
                label.check {
                    input type="checkbox" name="request_approval" value="on" checked[form.is_none_or(|f| f.on("request_approval"))];
                    " Request the customer's approval"
                }
                button.button type="submit" { "Add charge" }
            }
        }
    }
}
