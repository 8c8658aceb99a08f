//! `decide` for orders. Existence is checked first (`NotFound` / `AlreadyExists`), then the
//! command's own input (a malformed command is reported as such whatever the state), then the
//! state rules. One exception: a customer's charge decision checks `ChargesNotShown` before
//! anything else (see `decision`).

use super::{ChargeApproval, Order, OrderCommand, OrderEvent, OrderState, OrderStatus};
use crate::apply_all;
use crate::error::{DomainError, FieldError};
use crate::ids::{ChargeId, OrderId};
use crate::values::{DraftContent, check_hidden, no_hidden, optional_text, required_text};
use time::{Date, OffsetDateTime, UtcOffset};

pub(super) const MAX_NUMBER: usize = 40;
pub(super) const MAX_REASON: usize = 1000;
pub(super) const MAX_COMMENT: usize = 1000;

pub(super) fn decide(
    state: &OrderState,
    command: &OrderCommand,
) -> Result<Vec<OrderEvent>, DomainError> {
    use OrderCommand as C;
    use OrderEvent as E;

    if let C::CreateDraft {
        order_id,
        customer_id,
        number,
        content,
        today,
    } = command
    {
        if state.exists {
            return Err(DomainError::AlreadyExists("order"));
        }
        let number = required_text("number", number, MAX_NUMBER, false)?;
        schedule(content, *today)?;
        return Ok(vec![E::OrderDraftCreated {
            order_id: *order_id,
            customer_id: *customer_id,
            number,
            content: content.clone(),
        }]);
    }

    let order_id = state.order_id.ok_or(DomainError::NotFound("order"))?;
    let events = match command {
        // Handled above; listed for exhaustiveness.
        C::CreateDraft { .. } => return Err(DomainError::AlreadyExists("order")),
        C::UpdateDraft { content, today } => {
            editable_draft(state)?;
            schedule(content, *today)?;
            if state.content.as_ref() == Some(content) {
                vec![]
            } else {
                vec![E::OrderDraftUpdated {
                    order_id,
                    content: content.clone(),
                }]
            }
        }
        C::SubmitOrder {
            location_addresses,
            submitted_at,
            today,
        } => {
            let submitted_at = timestamp("submitted_at", *submitted_at)?;
            editable_draft(state)?;
            let draft = state
                .content
                .as_ref()
                .ok_or(DomainError::NotFound("order"))?;
            // Gaps and the date rules together (a draft saved with valid dates may have aged).
            let schedule = draft.schedule_errors(*today);
            let complete = match draft.complete() {
                Ok(complete) if schedule.is_empty() => complete,
                Ok(_) => return Err(DomainError::Validation(schedule)),
                Err(mut gaps) => {
                    gaps.extend(schedule);
                    return Err(DomainError::Validation(gaps));
                }
            };
            vec![E::OrderSubmitted {
                order_id,
                content: complete.with_location_addresses(location_addresses)?,
                submitted_at,
            }]
        }
        C::CancelDraft => {
            if state.status == OrderStatus::Cancelled && !state.is_submitted() {
                return Ok(vec![]);
            }
            editable_draft(state)?;
            vec![E::OrderDraftCancelled { order_id }]
        }
        C::AcceptOrder => move_to(state, OrderStatus::Accepted, || E::OrderAccepted {
            order_id,
        })?,
        C::RejectOrder { reason } => {
            let reason = required_text("reason", reason, MAX_REASON, true)?;
            check_hidden("reason", &reason)?;
            move_to(state, OrderStatus::Rejected, || E::OrderRejected {
                order_id,
                reason,
            })?
        }
        C::PlanOrder { planned_at } => {
            let planned_at = timestamp("planned_at", *planned_at)?;
            move_to(state, OrderStatus::Planned, || E::OrderPlanned {
                order_id,
                planned_at,
            })?
        }
        C::MarkInTransit { at } => {
            let in_transit_at = timestamp("at", *at)?;
            move_to(state, OrderStatus::InTransit, || E::OrderInTransit {
                order_id,
                in_transit_at,
            })?
        }
        C::MarkDelivered { delivered_at } => {
            let delivered_at = timestamp("delivered_at", *delivered_at)?;
            move_to(state, OrderStatus::Delivered, || E::OrderDelivered {
                order_id,
                delivered_at,
            })?
        }
        C::CancelOrder { reason } => {
            let reason = required_text("reason", reason, MAX_REASON, true)?;
            check_hidden("reason", &reason)?;
            move_to(state, OrderStatus::Cancelled, || E::OrderCancelled {
                order_id,
                reason,
            })?
        }
        C::AddCharge {
            charge_id,
            description,
            amount,
            request_approval,
        } => {
            if !state.status.allows_charges() {
                return Err(DomainError::ChargesNotAllowed(state.status.as_str()));
            }
            if state.charge(*charge_id).is_some() {
                return Err(DomainError::AlreadyExists("charge"));
            }
            let mut events = vec![E::ChargeAdded {
                order_id,
                charge_id: *charge_id,
                description: description.clone(),
                amount: *amount,
            }];
            if *request_approval {
                let after = apply_all::<Order>(state, &events);
                events.extend(request_approval_events(&after, order_id, *charge_id)?);
            }
            events
        }
        C::RequestChargeApproval { charge_id } => {
            request_approval_events(state, order_id, *charge_id)?
        }
        C::ApproveCharge {
            charge_id,
            customer_shows_charges,
            comment,
        } => {
            let comment = decision(state, *charge_id, *customer_shows_charges, comment)?;
            vec![E::ChargeApproved {
                order_id,
                charge_id: *charge_id,
                comment,
            }]
        }
        C::RejectCharge {
            charge_id,
            customer_shows_charges,
            comment,
        } => {
            let comment = decision(state, *charge_id, *customer_shows_charges, comment)?;
            vec![E::ChargeRejected {
                order_id,
                charge_id: *charge_id,
                comment,
            }]
        }
    };
    Ok(events)
}

/// The date rules on `today` for the dates given so far, every violation at once.
fn schedule(content: &DraftContent, today: Date) -> Result<(), DomainError> {
    let errors = content.schedule_errors(today);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Validation(errors))
    }
}

/// Portal-side edits need a draft. A submitted order is never editable again; a draft cancelled
/// before submission is gone.
fn editable_draft(state: &OrderState) -> Result<(), DomainError> {
    if state.status == OrderStatus::Draft {
        Ok(())
    } else if state.is_submitted() {
        Err(DomainError::SubmittedOrderCannotBeEdited)
    } else {
        Err(DomainError::DraftCancelled)
    }
}

/// A staff status change: the current status again is a no-op, otherwise the lifecycle decides.
fn move_to(
    state: &OrderState,
    to: OrderStatus,
    event: impl FnOnce() -> OrderEvent,
) -> Result<Vec<OrderEvent>, DomainError> {
    if state.status == to {
        Ok(vec![])
    } else if state.status.can_move_to(to) {
        Ok(vec![event()])
    } else {
        Err(DomainError::InvalidTransition {
            from: state.status.as_str(),
            to: to.as_str(),
        })
    }
}

fn request_approval_events(
    state: &OrderState,
    order_id: OrderId,
    charge_id: ChargeId,
) -> Result<Vec<OrderEvent>, DomainError> {
    let charge = state
        .charge(charge_id)
        .ok_or(DomainError::NotFound("charge"))?;
    match charge.approval {
        ChargeApproval::ToRequest => Ok(vec![OrderEvent::ChargeApprovalRequested {
            order_id,
            charge_id,
        }]),
        ChargeApproval::Requested => Ok(vec![]),
        ChargeApproval::Approved | ChargeApproval::Rejected => {
            Err(DomainError::ChargeAlreadyDecided)
        }
    }
}

/// Checks a customer's approve/reject and returns the normalised comment. Visibility comes
/// first: a customer who cannot see charges learns nothing about them, not even whether one
/// exists.
fn decision(
    state: &OrderState,
    charge_id: ChargeId,
    customer_shows_charges: bool,
    comment: &Option<String>,
) -> Result<Option<String>, DomainError> {
    if !customer_shows_charges {
        return Err(DomainError::ChargesNotShown);
    }
    let comment = optional_text("comment", comment.as_deref(), MAX_COMMENT, true)
        .and_then(|c| no_hidden("comment", c))?;
    let charge = state
        .charge(charge_id)
        .ok_or(DomainError::NotFound("charge"))?;
    if charge.approval != ChargeApproval::Requested {
        return Err(DomainError::ChargeNotAwaitingApproval);
    }
    Ok(comment)
}

/// Instants are stored in UTC, and only with four-digit years: RFC 3339 (the wire format) can
/// represent nothing else, and an event that cannot be serialised must not be decided.
fn timestamp(field: &str, t: OffsetDateTime) -> Result<OffsetDateTime, DomainError> {
    t.checked_to_offset(UtcOffset::UTC)
        .filter(|utc| (1..=9999).contains(&utc.year()))
        .ok_or_else(|| FieldError::new(field, "the year must have four digits").into())
}
