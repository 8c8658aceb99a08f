//! Checks that warn before an order reaches the carrier, without refusing it.
//!
//! - **Duplicate customer reference**: another order of the same customer created or submitted
//!   in the last [`DUPLICATE_WINDOW_DAYS`] days carries the same reference (compared without
//!   regard to case and surrounding space). A customer's reference is usually its purchase order
//!   number, so a second order with it is most often a mistake — but not always (a split
//!   delivery), hence a warning. Drafts count (a stray duplicate draft is what this catches);
//!   drafts cancelled before submission do not. Read from the orders read model: an order
//!   created a moment ago by another request may not be seen yet, which a warning can afford.

use super::PortalUser;
use crate::Context;
use crate::Error;
use crate::Principal;
use portal_domain::OrderId;
use portal_projections::models::orders;
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

/// How far back a reused customer reference is reported.
pub const DUPLICATE_WINDOW_DAYS: i64 = 90;

/// At most this many other orders are reported, the newest.
const MAX_REPORTED: i64 = 20;

/// Something the user should know before (or right after) submitting; never a refusal.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct OrderWarning {
    /// `duplicate_reference`.
    pub code: String,
    /// The other order.
    #[schema(value_type = String, format = Uuid)]
    pub order_id: OrderId,
    /// The other order's number.
    pub number: String,
    /// When the other order was submitted, or created while it is a draft.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The warning in words.
    pub message: String,
}

/// The other orders of the user's customer with `reference` (see the module docs), newest first.
pub async fn duplicate_reference(
    cx: &Context,
    principal: &Principal,
    user: PortalUser,
    order_id: OrderId,
    reference: Option<&str>,
    now: OffsetDateTime,
) -> Result<Vec<OrderWarning>, Error> {
    let Some(reference) = reference.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(vec![]);
    };
    let since = now - Duration::days(DUPLICATE_WINDOW_DAYS);
    // Newest first: the ones within the window come first, and more than this many reported
    // duplicates would not tell the user more.
    let rows = orders::with_reference(
        &cx.read,
        principal.tenant(),
        user.customer_id,
        reference,
        MAX_REPORTED + 1,
    )
    .await?;
    Ok(rows
        .into_iter()
        .filter(|o| o.order_id != order_id)
        .map(|o| (o.submitted_at.unwrap_or(o.created_at), o))
        .filter(|(at, _)| *at >= since)
        .take(MAX_REPORTED as usize)
        .map(|(at, o)| OrderWarning {
            code: "duplicate_reference".to_owned(),
            message: format!(
                "Your reference {reference} is also on order {}, {} on {}.",
                o.number,
                if o.submitted_at.is_some() {
                    "submitted"
                } else {
                    "a draft created"
                },
                at.date()
            ),
            order_id: o.order_id,
            number: o.number,
            at,
        })
        .collect())
}
