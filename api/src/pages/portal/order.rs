//! A portal user's order page `/portal/orders/{id}` and its actions:
//! - a draft: *Edit*, *Check and submit* (the [`super::review`] step), *Cancel draft*;
//! - a submitted order: read-only ("Submitted orders cannot be edited"), the status history,
//!   downloads of the shipping labels and the CMR note in the user's printer configuration
//!   (`/portal/orders/{id}/documents/label|cmr`);
//! - every order: *Order again* (a new draft with its content);
//! - charges (only where the customer shows charges): approve or reject one awaiting approval,
//!   with a comment.
//!
//! Another customer's order answers 404 exactly like an unknown id.

use super::common::PortalCtx;
use crate::error::AppError;
use crate::pages::layout::{Section, csrf_field, field_error, other_errors};
use crate::pages::orders::{content, head};
use crate::pages::staff::common::{FormData, form_errors};
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use portal_app::access::visible_order;
use portal_app::parse_id;
use portal_app::portal::approvals::{self, Decision};
use portal_app::portal::documents;
use portal_app::portal::drafts;
use portal_app::zone::reader_zone;
use portal_documents::DocumentKind;
use portal_domain::order::{ChargeApproval, OrderStatus};
use portal_domain::{ChargeId, FieldError, OrderId};
use portal_projections::models::orders::OrderDetail;

/// `GET /portal/orders/{id}`.
pub async fn show(ctx: PortalCtx, Path(id): Path<String>) -> Result<Response, AppError> {
    render(&ctx, &id, None).await
}

/// The page; `decision`: the charge whose decision form is re-rendered with its messages (422).
async fn render(
    ctx: &PortalCtx,
    id: &str,
    decision: Option<(ChargeId, &FormData, &[FieldError])>,
) -> Result<Response, AppError> {
    let detail = visible_order(&ctx.state.app(), &ctx.caller.principal(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let status = if decision.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let zone = reader_zone(&ctx.state.app(), &ctx.caller.principal()).await?;
    let base = format!("/portal/orders/{}", detail.order.order_id);
    let body = html! {
        (head(&detail))
        p.subtitle { a href="/portal/orders" { "Orders" } " › " (detail.order.number) }
        (actions(&ctx.csrf, &base, &detail))
        (content(&detail, &zone))
        (charges(&ctx.csrf, &base, &detail, decision))
    };
    ctx.page_with(
        status,
        &format!("Order {}", detail.order.number),
        Section::Orders,
        body,
    )
    .await
}

fn post_button(csrf: &str, action: &str, label: &str, class: &str) -> Markup {
    html! {
        form.inline method="post" action=(action) {
            (csrf_field(csrf))
            button type="submit" class=(class) { (label) }
        }
    }
}

fn actions(csrf: &str, base: &str, detail: &OrderDetail) -> Markup {
    let status = detail.order.status;
    let draft = status == OrderStatus::Draft;
    let submitted = !matches!(status, OrderStatus::Draft | OrderStatus::Cancelled)
        || detail.order.submitted_at.is_some();
    html! {
        section.card.order-actions #actions {
            @if draft {
                p { "This order is a draft: the carrier sees it once you submit it." }
            } @else if submitted {
                div.notice.info role="note" { "Submitted orders cannot be edited." }
            }
            div.action-row {
                @if draft {
                    a.button href={ (base) "/edit" } { "Edit" }
                    a.button href={ (base) "/review" } { "Check and submit" }
                    (post_button(csrf, &format!("{base}/cancel"), "Cancel draft", "button secondary"))
                }
                (post_button(csrf, &format!("{base}/again"), "Order again", "button secondary"))
                @if submitted {
                    a.button.secondary href={ (base) "/documents/label" } download { "Shipping labels" }
                    a.button.secondary href={ (base) "/documents/cmr" } download { "CMR note" }
                }
            }
        }
    }
}

fn charges(
    csrf: &str,
    base: &str,
    detail: &OrderDetail,
    decision: Option<(ChargeId, &FormData, &[FieldError])>,
) -> Markup {
    html! {
        @if !detail.charges.is_empty() {
            section.card #charges {
                h2 { "Charges" }
                table {
                    thead { tr { th { "Description" } th.num { "Amount" } th { "Approval" } th { "Comment" } } }
                    tbody {
                        @for c in &detail.charges {
                            tr {
                                td data-label="Description" { (c.description) }
                                td.num data-label="Amount" { (c.amount) }
                                td data-label="Approval" { (approval_label(c.approval)) }
                                td data-label="Comment" { (c.comment.as_deref().unwrap_or("")) }
                            }
                            @if c.approval == ChargeApproval::Requested {
                                @let sent = decision.filter(|(id, _, _)| *id == c.charge_id);
                                tr { td colspan="4" {
                                    (decision_form(csrf, base, c.charge_id, sent.map(|(_, f, e)| (f, e)), false))
                                } }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub(crate) fn approval_label(a: ChargeApproval) -> &'static str {
    match a {
        ChargeApproval::ToRequest => "not requested",
        ChargeApproval::Requested => "awaiting your approval",
        ChargeApproval::Approved => "approved",
        ChargeApproval::Rejected => "rejected",
    }
}

/// The approve / reject form of one charge (also used by the *To approve* list).
pub(crate) fn decision_form(
    csrf: &str,
    base: &str,
    charge: ChargeId,
    sent: Option<(&FormData, &[FieldError])>,
    from_list: bool,
) -> Markup {
    let (comment, errors) = sent.map_or(("", &[][..]), |(f, e)| (f.get("comment"), e));
    let id = format!("comment-{charge}");
    html! {
        form.action-form method="post" action={ (base) "/charges/" (charge) "/decision" } {
            (csrf_field(csrf))
            @if from_list { input type="hidden" name="back" value="charges"; }
            (other_errors(errors, &["comment"]))
            label for=(id) { "Comment (optional)" }
            input type="text" id=(id) name="comment" value=(comment) maxlength="1000";
            (field_error(errors, "comment"))
            div.action-row {
                button.button type="submit" name="decision" value="approved" { "Approve" }
                button.button.danger type="submit" name="decision" value="rejected" { "Reject" }
            }
        }
    }
}

/// `POST /portal/orders/{id}/charges/{charge_id}/decision`.
pub async fn decide(
    ctx: PortalCtx,
    Path((id, charge)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = FormData::parse(&body);
    let order_id: OrderId = parse_id(&id)?;
    let charge_id: ChargeId = parse_id(&charge)?;
    let input = Decision {
        decision: form.get("decision").to_owned(),
        comment: form.opt("comment"),
    };
    match approvals::decide(
        &ctx.state.app(),
        &ctx.caller.principal(),
        order_id,
        charge_id,
        &input,
        ctx.change_key("portal.charge.decide"),
    )
    .await
    {
        Ok(view) => {
            let back = if form.get("back") == "charges" {
                "/portal/charges".to_owned()
            } else {
                format!("/portal/orders/{order_id}#charges")
            };
            ctx.done(format!("Charge {}.", view.approval), &back).await
        }
        Err(e) => {
            let errors = form_errors(e)?;
            render(&ctx, &id, Some((charge_id, &form, &errors))).await
        }
    }
}

/// `POST /portal/orders/{id}/cancel`.
pub async fn cancel(ctx: PortalCtx, Path(id): Path<String>) -> Result<Response, AppError> {
    let order_id: OrderId = parse_id(&id)?;
    let view = drafts::cancel_draft(
        &ctx.state.app(),
        &ctx.caller.principal(),
        order_id,
        ctx.change_key("portal.order.cancel"),
    )
    .await?;
    ctx.done(
        format!("Draft {} cancelled.", view.number),
        &format!("/portal/orders/{order_id}"),
    )
    .await
}

/// `POST /portal/orders/{id}/again`: to the new draft's form.
pub async fn again(ctx: PortalCtx, Path(id): Path<String>) -> Result<Response, AppError> {
    let order_id: OrderId = parse_id(&id)?;
    let view = drafts::order_again(
        &ctx.state.app(),
        &ctx.caller.principal(),
        order_id,
        ctx.form_key("portal.order.again"),
    )
    .await?;
    ctx.done(
        format!(
            "Draft {} created from this order: check the dates, then submit.",
            view.number
        ),
        &format!("/portal/orders/{}/edit", view.id),
    )
    .await
}

/// `GET /portal/orders/{id}/documents/{kind}`: the download behind *Shipping labels* and *CMR
/// note*.
pub async fn document(
    ctx: PortalCtx,
    Path((id, kind)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let order_id: OrderId = parse_id(&id)?;
    let kind = DocumentKind::parse(&kind).ok_or(AppError::NotFound)?;
    let doc = documents::render(
        &ctx.state.app(),
        &ctx.caller.principal(),
        order_id,
        kind,
        None,
    )
    .await?;
    Ok(crate::use_cases::document_response(doc))
}
