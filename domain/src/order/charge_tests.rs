//! Charges: adding, requesting approval, and the customer's decision.
#![allow(clippy::unwrap_used)]
use super::OrderCommand::*;
use super::OrderEvent::*;
use super::OrderStatus::*;
use super::fixtures::*;
use super::*;
use crate::testkit::given;

fn add(n: u128, request_approval: bool) -> OrderCommand {
    AddCharge {
        charge_id: charge_id(n),
        description: name("Waiting time"),
        amount: eur(4500),
        request_approval,
    }
}

fn with(status: OrderStatus, extra: &[OrderEvent]) -> Vec<OrderEvent> {
    let mut h = history(status);
    h.extend_from_slice(extra);
    h
}

fn approve(n: u128, shows: bool, comment: Option<&str>) -> OrderCommand {
    ApproveCharge {
        charge_id: charge_id(n),
        customer_shows_charges: shows,
        comment: comment.map(Into::into),
    }
}

fn reject(n: u128, shows: bool, comment: Option<&str>) -> OrderCommand {
    RejectCharge {
        charge_id: charge_id(n),
        customer_shows_charges: shows,
        comment: comment.map(Into::into),
    }
}

fn approved(n: u128) -> OrderEvent {
    ChargeApproved {
        order_id: order_id(),
        charge_id: charge_id(n),
        comment: None,
    }
}

// --- AddCharge ---

#[test]
fn add_charge() {
    let state = given::<Order>(&history(Accepted))
        .when(add(1, false))
        .then(&[charge_added(1)]);
    let c = state.charge(charge_id(1)).unwrap();
    assert_eq!(
        (c.approval, c.amount),
        (ChargeApproval::ToRequest, eur(4500))
    );
}

#[test]
fn add_charge_with_approval_request_requests_after_adding() {
    let state = given::<Order>(&history(Delivered))
        .when(add(1, true))
        .then(&[charge_added(1), approval_requested(1)]);
    assert_eq!(
        state.charge(charge_id(1)).unwrap().approval,
        ChargeApproval::Requested
    );
}

#[test]
fn add_charge_is_allowed_from_submission_until_delivery() {
    for status in [Submitted, Accepted, Planned, InTransit, Delivered] {
        given::<Order>(&history(status))
            .when(add(1, false))
            .then(&[charge_added(1)]);
    }
}

#[test]
fn add_charge_to_a_draft_rejected_or_cancelled_order_is_not_allowed() {
    for status in [Draft, Rejected, Cancelled] {
        given::<Order>(&history(status))
            .when(add(1, false))
            .then_error(DomainError::ChargesNotAllowed(status.as_str()));
    }
}

#[test]
fn add_a_charge_twice_is_rejected() {
    given::<Order>(&with(Accepted, &[charge_added(1)]))
        .when(add(1, false))
        .then_error(DomainError::AlreadyExists("charge"));
}

// --- RequestChargeApproval ---

#[test]
fn request_charge_approval() {
    given::<Order>(&with(Accepted, &[charge_added(1)]))
        .when(RequestChargeApproval {
            charge_id: charge_id(1),
        })
        .then(&[approval_requested(1)]);
}

#[test]
fn request_approval_again_changes_nothing() {
    given::<Order>(&with(Accepted, &[charge_added(1), approval_requested(1)]))
        .when(RequestChargeApproval {
            charge_id: charge_id(1),
        })
        .then_nothing();
}

#[test]
fn request_approval_of_a_decided_charge_is_rejected() {
    given::<Order>(&with(
        Accepted,
        &[charge_added(1), approval_requested(1), approved(1)],
    ))
    .when(RequestChargeApproval {
        charge_id: charge_id(1),
    })
    .then_error(DomainError::ChargeAlreadyDecided);
}

#[test]
fn request_approval_of_an_unknown_charge_is_not_found() {
    given::<Order>(&history(Accepted))
        .when(RequestChargeApproval {
            charge_id: charge_id(9),
        })
        .then_error(DomainError::NotFound("charge"));
}

// --- ApproveCharge / RejectCharge ---

#[test]
fn approve_charge() {
    let state = given::<Order>(&with(Accepted, &[charge_added(1), approval_requested(1)]))
        .when(approve(1, true, Some(" fine ")))
        .then(&[ChargeApproved {
            order_id: order_id(),
            charge_id: charge_id(1),
            comment: Some("fine".into()),
        }]);
    let c = state.charge(charge_id(1)).unwrap();
    assert_eq!(
        (c.approval, c.comment.as_deref()),
        (ChargeApproval::Approved, Some("fine"))
    );
}

#[test]
fn reject_charge() {
    let state = given::<Order>(&with(Accepted, &[charge_added(1), approval_requested(1)]))
        .when(reject(1, true, Some("Not agreed")))
        .then(&[ChargeRejected {
            order_id: order_id(),
            charge_id: charge_id(1),
            comment: Some("Not agreed".into()),
        }]);
    assert_eq!(
        state.charge(charge_id(1)).unwrap().approval,
        ChargeApproval::Rejected
    );
}

#[test]
fn deciding_while_charges_are_not_shown_is_rejected_before_anything_else() {
    // Even for an unknown charge: a customer who cannot see charges learns nothing about them.
    for n in [1, 9] {
        let h = with(Accepted, &[charge_added(1), approval_requested(1)]);
        given::<Order>(&h)
            .when(approve(n, false, None))
            .then_error(DomainError::ChargesNotShown);
        given::<Order>(&h)
            .when(reject(n, false, None))
            .then_error(DomainError::ChargesNotShown);
    }
}

#[test]
fn deciding_on_an_unknown_charge_is_not_found() {
    given::<Order>(&history(Accepted))
        .when(approve(9, true, None))
        .then_error(DomainError::NotFound("charge"));
    given::<Order>(&history(Accepted))
        .when(reject(9, true, None))
        .then_error(DomainError::NotFound("charge"));
}

#[test]
fn deciding_on_a_charge_not_awaiting_approval_is_rejected() {
    let not_requested = with(Accepted, &[charge_added(1)]);
    let decided = with(
        Accepted,
        &[charge_added(1), approval_requested(1), approved(1)],
    );
    for h in [not_requested, decided] {
        given::<Order>(&h)
            .when(approve(1, true, None))
            .then_error(DomainError::ChargeNotAwaitingApproval);
        given::<Order>(&h)
            .when(reject(1, true, None))
            .then_error(DomainError::ChargeNotAwaitingApproval);
    }
}

#[test]
fn overlong_comment_is_rejected() {
    let long = "x".repeat(1001);
    given::<Order>(&with(Accepted, &[charge_added(1), approval_requested(1)]))
        .when(reject(1, true, Some(&long)))
        .then_invalid(&["comment"]);
}

#[test]
fn charges_keep_their_order_and_state_independently() {
    let h = with(
        Accepted,
        &[
            charge_added(1),
            charge_added(2),
            approval_requested(2),
            approved(2),
        ],
    );
    let state = Order::fold(&h);
    let approvals: Vec<_> = state
        .charges
        .iter()
        .map(|c| (c.charge_id, c.approval))
        .collect();
    assert_eq!(
        approvals,
        [
            (charge_id(1), ChargeApproval::ToRequest),
            (charge_id(2), ChargeApproval::Approved)
        ]
    );
}
