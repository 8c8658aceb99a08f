//! A transport order: a customer's draft, submitted to the carrier, then moved through the
//! carrier's lifecycle ([`OrderStatus`]), with extra charges the customer may have to approve.
//!
//! Rules worth knowing before changing anything:
//! - A submitted order cannot be edited. Every portal-side change after submission (`UpdateDraft`,
//!   `SubmitOrder` again, `CancelDraft`) is rejected with `SubmittedOrderCannotBeEdited`, and
//!   [`OrderState::submitted_content`] never changes once set.
//! - A draft may have gaps ([`DraftContent`]); submission needs the complete content and lists
//!   every gap at once, with the date rules.
//! - Submission copies the current address of every referenced location into the stops, so a
//!   later edit of a location never rewrites what the carrier received.
//! - Staff transitions only follow [`OrderStatus::allowed_next`]; asking for the current status
//!   again is an accepted no-op, anything else is `InvalidTransition`.
//! - A charge's approval goes to request → requested → approved | rejected, and only a customer
//!   who can see charges on the portal may decide.

mod commands;
mod decide;
mod events;
mod status;

#[cfg(test)]
mod adr_tests;
#[cfg(test)]
mod charge_tests;
#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod lifecycle_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use commands::OrderCommand;
pub use events::OrderEvent;
pub use status::OrderStatus;

use crate::Aggregate;
use crate::error::DomainError;
use crate::ids::{ChargeId, CustomerId, OrderId};
use crate::values::{DraftContent, Money, Name, OrderContent};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The order aggregate, stream `order-<uuid>`.
pub struct Order;

/// Where a charge stands with the customer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeApproval {
    /// Added by staff; the customer has not been asked.
    #[default]
    ToRequest,
    Requested,
    Approved,
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Charge {
    pub charge_id: ChargeId,
    pub description: Name,
    pub amount: Money,
    pub approval: ChargeApproval,
    /// The customer's comment on their decision.
    pub comment: Option<String>,
}

/// Serialised for audits (`portal replay`, the audit views): the state as it was.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OrderState {
    pub exists: bool,
    pub order_id: Option<OrderId>,
    pub customer_id: Option<CustomerId>,
    pub number: Option<String>,
    /// Meaningful only when `exists` (the default state says `Draft`).
    pub status: OrderStatus,
    /// The current content: the draft (gaps allowed), and after submission the submitted content.
    pub content: Option<DraftContent>,
    /// Set once at submission, never changed afterwards.
    pub submitted_content: Option<OrderContent>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub planned_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub in_transit_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub delivered_at: Option<OffsetDateTime>,
    pub rejection_reason: Option<String>,
    pub cancellation_reason: Option<String>,
    /// In the order they were added.
    pub charges: Vec<Charge>,
}

impl OrderState {
    pub fn is_submitted(&self) -> bool {
        self.submitted_content.is_some()
    }

    pub fn charge(&self, charge_id: ChargeId) -> Option<&Charge> {
        self.charges.iter().find(|c| c.charge_id == charge_id)
    }

    fn charge_mut(&mut self, charge_id: ChargeId) -> Option<&mut Charge> {
        self.charges.iter_mut().find(|c| c.charge_id == charge_id)
    }
}

impl Aggregate for Order {
    const CATEGORY: &'static str = "order";
    type State = OrderState;
    type Command = OrderCommand;
    type Event = OrderEvent;

    fn decide(state: &OrderState, command: &OrderCommand) -> Result<Vec<OrderEvent>, DomainError> {
        decide::decide(state, command)
    }

    fn evolve(mut state: OrderState, event: &OrderEvent) -> OrderState {
        use OrderEvent as E;
        match event {
            E::OrderDraftCreated {
                order_id,
                customer_id,
                number,
                content,
            } => {
                state.exists = true;
                state.order_id = Some(*order_id);
                state.customer_id = Some(*customer_id);
                state.number = Some(number.clone());
                state.status = OrderStatus::Draft;
                state.content = Some(content.clone());
            }
            E::OrderDraftUpdated { content, .. } => state.content = Some(content.clone()),
            E::OrderSubmitted {
                content,
                submitted_at,
                ..
            } => {
                state.status = OrderStatus::Submitted;
                state.content = Some(DraftContent::from(content));
                state.submitted_content = Some(content.clone());
                state.submitted_at = Some(*submitted_at);
            }
            E::OrderDraftCancelled { .. } => state.status = OrderStatus::Cancelled,
            E::OrderAccepted { .. } => state.status = OrderStatus::Accepted,
            E::OrderRejected { reason, .. } => {
                state.status = OrderStatus::Rejected;
                state.rejection_reason = Some(reason.clone());
            }
            E::OrderPlanned { planned_at, .. } => {
                state.status = OrderStatus::Planned;
                state.planned_at = Some(*planned_at);
            }
            E::OrderInTransit { in_transit_at, .. } => {
                state.status = OrderStatus::InTransit;
                state.in_transit_at = Some(*in_transit_at);
            }
            E::OrderDelivered { delivered_at, .. } => {
                state.status = OrderStatus::Delivered;
                state.delivered_at = Some(*delivered_at);
            }
            E::OrderCancelled { reason, .. } => {
                state.status = OrderStatus::Cancelled;
                state.cancellation_reason = Some(reason.clone());
            }
            E::ChargeAdded {
                charge_id,
                description,
                amount,
                ..
            } => state.charges.push(Charge {
                charge_id: *charge_id,
                description: description.clone(),
                amount: *amount,
                approval: ChargeApproval::ToRequest,
                comment: None,
            }),
            E::ChargeApprovalRequested { charge_id, .. } => {
                if let Some(c) = state.charge_mut(*charge_id) {
                    c.approval = ChargeApproval::Requested;
                }
            }
            E::ChargeApproved {
                charge_id, comment, ..
            } => {
                if let Some(c) = state.charge_mut(*charge_id) {
                    c.approval = ChargeApproval::Approved;
                    c.comment = comment.clone();
                }
            }
            E::ChargeRejected {
                charge_id, comment, ..
            } => {
                if let Some(c) = state.charge_mut(*charge_id) {
                    c.approval = ChargeApproval::Rejected;
                    c.comment = comment.clone();
                }
            }
        }
        state
    }
}
