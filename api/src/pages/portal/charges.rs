//! `/portal/charges`: the charges the carrier asked the customer to approve, each with its
//! approve / reject form. Only where the customer shows charges; elsewhere the page does not
//! exist (404), like every other trace of charges.

use super::common::PortalCtx;
use super::order::decision_form;
use crate::error::AppError;
use crate::pages::layout::Section;
use axum::response::Response;
use maud::html;
use portal_projections::models::Scope;
use portal_projections::models::charges;

/// `GET /portal/charges`.
pub async fn list(ctx: PortalCtx) -> Result<Response, AppError> {
    if !ctx.shows_charges().await? {
        return Err(AppError::NotFound);
    }
    let rows = charges::awaiting_approval(
        &ctx.state.read,
        ctx.tenant(),
        Scope::Customer(ctx.user.customer_id),
    )
    .await?;
    let body = html! {
        div.page-head { div {
            h1 { "Charges to approve" }
            p.subtitle { "Extra charges the carrier asks you to approve." }
        } }
        section.card {
            @if rows.is_empty() {
                p.empty { "Nothing to approve." }
            } @else {
                table {
                    thead { tr { th { "Order" } th { "Description" } th.num { "Amount" } th { "Your decision" } } }
                    tbody {
                        @for c in &rows {
                            @let base = format!("/portal/orders/{}", c.order_id);
                            tr {
                                td data-label="Order" { a href=(base) { (c.order_number.as_deref().unwrap_or("Order")) } }
                                td data-label="Description" { (c.description) }
                                td.num data-label="Amount" { (c.amount) }
                                td data-label="Your decision" {
                                    (decision_form(&ctx.csrf, &base, c.charge_id, None, true))
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    ctx.page("Charges to approve", Section::Home, body).await
}
