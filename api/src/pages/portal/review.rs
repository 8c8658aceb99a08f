//! The review step between a draft and the carrier: `/portal/orders/{id}/review` ("Check and
//! submit") shows what will be sent — every stop with its date and window, the goods, the
//! documents that will be printed with the user's printer settings — and warns about a customer
//! reference used by another recent order ([`portal_app::portal::checks`]); its one button, *Submit
//! to carrier*, posts to `/portal/orders/{id}/submit`. Plain HTML, no script. A draft with gaps
//! lists them instead, with *Complete the order* in place of the submit button; a submission posted
//! anyway lands on the form with every gap at its field.
//!
//! Read from the event log, not the read model: the user arrives here right after saving, and
//! the page must show what was saved, not what a projection has caught up with.
//!
//! An order submitted already (a second tab, Back after submitting, a double click) never shows
//! a bare 409: the user lands on its page with "Order … was submitted on … and can no longer be
//! changed" ([`already_submitted`]).

use super::common::PortalCtx;
use crate::error::AppError;
use crate::pages::flash::{self, Flash};
use crate::pages::layout::{Section, csrf_field};
use crate::pages::order_content::{consignments, missing_list};
use axum::extract::Path;
use axum::response::Response;
use maud::{Markup, html};
use portal_app::parse_id;
use portal_app::portal::checks::{OrderWarning, duplicate_reference};
use portal_app::portal::drafts;
use portal_app::portal::printer::{self, PrinterView};
use portal_app::zone::reader_zone;
use portal_domain::order::{OrderState, OrderStatus};
use portal_domain::values::OrderContent;
use portal_domain::{DomainError, OrderId};
use time::OffsetDateTime;

/// `GET /portal/orders/{id}/review`.
pub async fn show(ctx: PortalCtx, Path(id): Path<String>) -> Result<Response, AppError> {
    let order_id: OrderId = parse_id(&id)?;
    let (order, _) = drafts::load_own(
        &ctx.state.app(),
        &ctx.caller.principal(),
        ctx.user,
        order_id,
    )
    .await?;
    if let Some(answer) = not_a_draft(&ctx, order_id, &order).await? {
        return Ok(answer);
    }
    let content = order.content.as_ref().ok_or(AppError::NotFound)?;
    let number = order.number.clone().unwrap_or_default();
    let warnings = duplicate_reference(
        &ctx.state.app(),
        &ctx.caller.principal(),
        ctx.user,
        order_id,
        content.customer_reference(),
        OffsetDateTime::now_utc(),
    )
    .await?;
    let printers = printer::get(&ctx.state.app(), &ctx.caller.principal()).await?;
    let base = format!("/portal/orders/{order_id}");
    let complete = content.complete();
    let body = html! {
        h1 { "Check and submit order " (number) }
        p.subtitle { a href="/portal/orders" { "Orders" } " › " a href=(base) { (number) } " › Check and submit" }
        (warnings_notice(&warnings))
        @match &complete {
            Ok(_) => section.card {
                p { "This is what the carrier receives. Once submitted, the order can no longer be changed." }
                @if let Some(r) = content.customer_reference() { p { "Your reference: " strong { (r) } } }
            },
            Err(missing) => (missing_list(missing)),
        }
        (consignments(content))
        @if let Ok(complete) = &complete { (documents(complete, &printers)) }
        section.card.order-actions {
            div.action-row {
                @if complete.is_ok() {
                    form.inline method="post" action={ (base) "/submit" } {
                        (csrf_field(&ctx.csrf))
                        button.button type="submit" { "Submit to carrier" }
                    }
                    a.button.secondary href={ (base) "/edit" } { "Change order" }
                } @else {
                    a.button href={ (base) "/edit" } { "Complete the order" }
                }
            }
        }
    };
    ctx.page_with(
        axum::http::StatusCode::OK,
        &format!("Check and submit order {number}"),
        Section::Orders,
        body,
    )
    .await
}

/// `POST /portal/orders/{id}/submit`: *Submit to carrier*. The form's one-time id keys the
/// command, so the same form sent twice submits once; any other second attempt finds the order
/// submitted and lands on its page.
pub async fn submit(ctx: PortalCtx, Path(id): Path<String>) -> Result<Response, AppError> {
    let order_id: OrderId = parse_id(&id)?;
    let key = ctx.form_key("portal.order.submit");
    match drafts::submit(&ctx.state.app(), &ctx.caller.principal(), order_id, key)
        .await
        .map_err(AppError::from)
    {
        Ok(view) => {
            let mut text = format!("Order {} submitted to the carrier.", view.number);
            if let Some(w) = view.warnings.first() {
                text.push_str(&format!(" Note: {}", w.message));
            }
            ctx.done(text, &format!("/portal/orders/{order_id}")).await
        }
        // A date that has passed or a location archived since the draft was saved: back to the
        // form, every message at its field.
        Err(AppError::Rejected(DomainError::Validation(errors))) => {
            super::order_form::render_errors(&ctx, order_id, errors).await
        }
        Err(AppError::Rejected(
            DomainError::SubmittedOrderCannotBeEdited | DomainError::DraftCancelled,
        )) => {
            let (order, _) = drafts::load_own(
                &ctx.state.app(),
                &ctx.caller.principal(),
                ctx.user,
                order_id,
            )
            .await?;
            match not_a_draft(&ctx, order_id, &order).await? {
                Some(answer) => Ok(answer),
                None => Err(DomainError::SubmittedOrderCannotBeEdited.into()),
            }
        }
        Err(e) => Err(e),
    }
}

/// For an order that is no longer a draft, the redirect to its page saying why nothing can be
/// changed; `None` for a draft.
pub async fn not_a_draft(
    ctx: &PortalCtx,
    order_id: OrderId,
    order: &OrderState,
) -> Result<Option<Response>, AppError> {
    if order.status == OrderStatus::Draft && !order.is_submitted() {
        return Ok(None);
    }
    let number = order.number.as_deref().unwrap_or_default();
    let text = match order.submitted_at {
        Some(at) => already_submitted(
            number,
            &reader_zone(&ctx.state.app(), &ctx.caller.principal())
                .await?
                .format(at),
        ),
        None => format!("Draft {number} was cancelled and can no longer be changed."),
    };
    let to = format!("/portal/orders/{order_id}");
    Ok(Some(
        flash::redirect(&ctx.session, Flash::info(text), &to).await?,
    ))
}

/// "Order 261204-HTZYPHRB was submitted on 2026-12-04 14:03 CET and can no longer be changed."
pub fn already_submitted(number: &str, at: &str) -> String {
    format!("Order {number} was submitted on {at} and can no longer be changed.")
}

fn warnings_notice(warnings: &[OrderWarning]) -> Markup {
    html! {
        @if !warnings.is_empty() {
            div.notice.warning role="status" {
                p { strong { "Check the reference" } }
                ul {
                    @for w in warnings {
                        li {
                            (w.message) " "
                            a href={ "/portal/orders/" (w.order_id) } { "Open order " (w.number) }
                        }
                    }
                }
                p { "You can still submit: a split delivery may share a reference." }
            }
        }
    }
}

/// What will be printed for the driver, as the user's printer settings have it.
fn documents(content: &OrderContent, printers: &PrinterView) -> Markup {
    let packages: u32 = content
        .consignments()
        .iter()
        .flat_map(|c| c.goods().iter().map(|g| g.quantity()))
        .sum();
    let labels = packages * u32::from(printers.label_copies.max(1));
    let adr = content
        .consignments()
        .iter()
        .flat_map(|c| c.goods())
        .any(|g| g.adr().is_some());
    html! {
        section.card {
            h2 { "Documents" }
            ul {
                li {
                    "CMR consignment note: one per consignment ("
                    (content.consignments().len()) "), on "
                    (printers.document_format.to_uppercase()) " paper"
                    @if adr { ", with the dangerous goods declared in box 9" }
                    "."
                }
                li {
                    "Shipping labels: " (labels) " (one per package"
                    @if printers.label_copies > 1 { ", " (printers.label_copies) " copies each" }
                    "), " (printers.label_format.to_uppercase()) " as "
                    (printers.label_output.to_uppercase())
                    @if adr { ", with the hazard diamond" }
                    "."
                }
            }
            p.muted { a href="/portal/settings" { "Change printer settings" } }
        }
    }
}
