//! A portal user approves or rejects a charge the carrier asked them to approve, with an
//! optional comment.
//!
//! Where the customer does not show charges on the portal, charges do not exist for its users:
//! a decision answers not found like an unknown charge (no amount, no hint). The switch is read
//! from the customer's stream, not a read model, so switching it off takes effect at once.

use super::drafts::load_own;
use super::portal_only;
use crate::Context;
use crate::Error;
use crate::Principal;
use crate::commands::run_loaded;
use crate::customers::load_customer;
use crate::stream;
use portal_domain::order::{ChargeApproval, Order, OrderCommand};
use portal_domain::{ChargeId, OrderId};
use portal_eventlog::Idempotency;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /api/v1/orders/{id}/charges/{charge_id}/approval`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Decision {
    /// `approved` or `rejected`.
    #[serde(default)]
    #[schema(value_type = crate::schema::ChargeDecision)]
    pub decision: String,
    /// Up to 1,000 characters; may span lines.
    #[serde(default)]
    pub comment: Option<String>,
}

/// The charge after the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DecisionView {
    #[schema(value_type = String, format = Uuid)]
    pub charge_id: ChargeId,
    #[schema(value_type = String, format = Uuid)]
    pub order_id: OrderId,
    /// `approved` or `rejected`.
    pub approval: String,
    pub comment: Option<String>,
    /// `false` when the same decision was already recorded.
    pub changed: bool,
}

/// Records the user's decision on a charge awaiting approval.
pub async fn decide(
    cx: &Context,
    principal: &Principal,
    order_id: OrderId,
    charge_id: ChargeId,
    input: &Decision,
    idempotency: Option<Idempotency>,
) -> Result<DecisionView, Error> {
    let user = portal_only(principal)?;
    let approve = match input.decision.trim() {
        "approved" => true,
        "rejected" => false,
        _ => return Err(Error::field("decision", "must be approved or rejected")),
    };
    let customer = load_customer(cx, principal, user.customer_id).await?;
    let (order, version) = load_own(cx, principal, user, order_id).await?;
    if !customer.show_charges || order.charge(charge_id).is_none() {
        return Err(Error::NotFound);
    }
    let comment = input.comment.clone();
    let command = if approve {
        OrderCommand::ApproveCharge {
            charge_id,
            customer_shows_charges: customer.show_charges,
            comment,
        }
    } else {
        OrderCommand::RejectCharge {
            charge_id,
            customer_shows_charges: customer.show_charges,
            comment,
        }
    };
    let done = run_loaded::<Order>(
        cx,
        principal,
        &stream::<Order>(order_id),
        &command,
        idempotency,
        order,
        version,
    )
    .await?;
    let charge = done
        .state
        .charge(charge_id)
        .ok_or_else(|| Error::internal("the decided charge is missing from the state"))?;
    Ok(DecisionView {
        charge_id,
        order_id,
        approval: match charge.approval {
            ChargeApproval::Approved => "approved",
            ChargeApproval::Rejected => "rejected",
            ChargeApproval::Requested => "requested",
            ChargeApproval::ToRequest => "to_request",
        }
        .to_owned(),
        comment: charge.comment.clone(),
        changed: done.changed(),
    })
}
