//! Staff status changes: the lifecycle, no-ops, and invalid transitions.
#![allow(clippy::unwrap_used)]
use super::OrderCommand::*;
use super::OrderStatus::*;
use super::fixtures::*;
use super::*;
use crate::testkit::given;

fn invalid_transition(from: OrderStatus, to: OrderStatus) -> DomainError {
    DomainError::InvalidTransition {
        from: from.as_str(),
        to: to.as_str(),
    }
}

// --- AcceptOrder ---

#[test]
fn accept_order() {
    given::<Order>(&history(Submitted))
        .when(AcceptOrder)
        .then(&[accepted()]);
}

#[test]
fn accept_an_accepted_order_changes_nothing() {
    given::<Order>(&history(Accepted))
        .when(AcceptOrder)
        .then_nothing();
}

#[test]
fn accept_a_draft_is_an_invalid_transition() {
    given::<Order>(&history(Draft))
        .when(AcceptOrder)
        .then_error(invalid_transition(Draft, Accepted));
}

// --- RejectOrder ---

#[test]
fn reject_order() {
    let state = given::<Order>(&history(Submitted))
        .when(RejectOrder {
            reason: " No capacity ".into(),
        })
        .then(&[rejected()]);
    assert_eq!(state.rejection_reason.as_deref(), Some("No capacity"));
}

#[test]
fn reject_order_without_reason_is_rejected() {
    given::<Order>(&history(Submitted))
        .when(RejectOrder { reason: "".into() })
        .then_invalid(&["reason"]);
}

#[test]
fn reject_an_accepted_order_is_an_invalid_transition() {
    given::<Order>(&history(Accepted))
        .when(RejectOrder { reason: "x".into() })
        .then_error(invalid_transition(Accepted, Rejected));
}

// --- PlanOrder ---

#[test]
fn plan_order() {
    let state = given::<Order>(&history(Accepted))
        .when(PlanOrder {
            planned_at: later(),
        })
        .then(&[planned()]);
    assert_eq!(state.planned_at, Some(later()));
}

#[test]
fn plan_a_submitted_order_is_an_invalid_transition() {
    given::<Order>(&history(Submitted))
        .when(PlanOrder {
            planned_at: later(),
        })
        .then_error(invalid_transition(Submitted, Planned));
}

// --- MarkInTransit ---

#[test]
fn mark_in_transit() {
    given::<Order>(&history(Planned))
        .when(MarkInTransit { at: later() })
        .then(&[in_transit()]);
}

#[test]
fn mark_in_transit_before_planning_is_an_invalid_transition() {
    given::<Order>(&history(Accepted))
        .when(MarkInTransit { at: later() })
        .then_error(invalid_transition(Accepted, InTransit));
}

// --- MarkDelivered ---

#[test]
fn mark_delivered() {
    let state = given::<Order>(&history(InTransit))
        .when(MarkDelivered {
            delivered_at: later(),
        })
        .then(&[delivered()]);
    assert_eq!(state.delivered_at, Some(later()));
}

#[test]
fn mark_delivered_twice_changes_nothing() {
    given::<Order>(&history(Delivered))
        .when(MarkDelivered {
            delivered_at: later(),
        })
        .then_nothing();
}

#[test]
fn mark_delivered_before_transit_is_an_invalid_transition() {
    given::<Order>(&history(Planned))
        .when(MarkDelivered {
            delivered_at: later(),
        })
        .then_error(invalid_transition(Planned, Delivered));
}

// --- CancelOrder ---

#[test]
fn cancel_order_before_transit() {
    for status in [Draft, Submitted, Accepted, Planned] {
        let state = given::<Order>(&history(status))
            .when(CancelOrder {
                reason: "Customer called".into(),
            })
            .then(&[cancelled()]);
        assert_eq!(
            state.cancellation_reason.as_deref(),
            Some("Customer called")
        );
    }
}

#[test]
fn cancel_order_without_reason_is_rejected() {
    given::<Order>(&history(Submitted))
        .when(CancelOrder { reason: " ".into() })
        .then_invalid(&["reason"]);
}

#[test]
fn cancel_an_order_in_transit_is_an_invalid_transition() {
    given::<Order>(&history(InTransit))
        .when(CancelOrder { reason: "x".into() })
        .then_error(invalid_transition(InTransit, Cancelled));
}

#[test]
fn final_statuses_accept_no_other_status() {
    for from in [Rejected, Delivered, Cancelled] {
        let commands = [
            (AcceptOrder, Accepted),
            (RejectOrder { reason: "r".into() }, Rejected),
            (
                PlanOrder {
                    planned_at: later(),
                },
                Planned,
            ),
            (MarkInTransit { at: later() }, InTransit),
            (
                MarkDelivered {
                    delivered_at: later(),
                },
                Delivered,
            ),
            (CancelOrder { reason: "r".into() }, Cancelled),
        ];
        for (command, to) in commands {
            let outcome = given::<Order>(&history(from)).when(command);
            if from == to {
                outcome.then_nothing();
            } else {
                outcome.then_error(invalid_transition(from, to));
            }
        }
    }
}
