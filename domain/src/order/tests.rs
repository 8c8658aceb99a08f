//! Drafts and submission (the portal side), unknown orders, and the event wire format.
#![allow(clippy::unwrap_used)]
use super::OrderCommand::*;
use super::OrderEvent::*;
use super::OrderStatus::*;
use super::fixtures::*;
use super::*;
use crate::testkit::{address, assert_round_trip, content, content_at_location, given};
use time::UtcOffset;
use time::macros::datetime;

fn submit(
    location_addresses: Vec<(crate::ids::LocationId, crate::values::Address)>,
) -> OrderCommand {
    SubmitOrder {
        location_addresses,
        submitted_at: submitted_at(),
        today: crate::testkit::TODAY,
    }
}

// --- CreateDraft ---

#[test]
fn create_draft() {
    let state = given::<Order>(&[])
        .when(CreateDraft {
            order_id: order_id(),
            customer_id: customer_id(),
            number: " ORD-2025-0001 ".into(),
            content: content("PO-1"),
            today: crate::testkit::TODAY,
        })
        .then(&[draft_created()]);
    assert_eq!(state.status, Draft);
    assert_eq!(state.number.as_deref(), Some("ORD-2025-0001"));
    assert!(!state.is_submitted());
}

#[test]
fn create_draft_without_number_is_rejected() {
    given::<Order>(&[])
        .when(CreateDraft {
            order_id: order_id(),
            customer_id: customer_id(),
            number: "  ".into(),
            content: content("PO-1"),
            today: crate::testkit::TODAY,
        })
        .then_invalid(&["number"]);
}

#[test]
fn create_existing_order_is_rejected() {
    given::<Order>(&[draft_created()])
        .when(CreateDraft {
            order_id: order_id(),
            customer_id: customer_id(),
            number: "X".into(),
            content: content("PO-1"),
            today: crate::testkit::TODAY,
        })
        .then_error(DomainError::AlreadyExists("order"));
}

#[test]
fn every_command_on_an_unknown_order_is_not_found() {
    for command in [
        UpdateDraft {
            content: content("X"),
            today: crate::testkit::TODAY,
        },
        submit(vec![]),
        CancelDraft,
        AcceptOrder,
        RejectOrder { reason: "r".into() },
        PlanOrder {
            planned_at: later(),
        },
        MarkInTransit { at: later() },
        MarkDelivered {
            delivered_at: later(),
        },
        CancelOrder { reason: "r".into() },
        AddCharge {
            charge_id: charge_id(1),
            description: name("Toll"),
            amount: eur(100),
            request_approval: false,
        },
        RequestChargeApproval {
            charge_id: charge_id(1),
        },
        ApproveCharge {
            charge_id: charge_id(1),
            customer_shows_charges: true,
            comment: None,
        },
        RejectCharge {
            charge_id: charge_id(1),
            customer_shows_charges: true,
            comment: None,
        },
    ] {
        given::<Order>(&[])
            .when(command)
            .then_error(DomainError::NotFound("order"));
    }
}

// --- UpdateDraft ---

#[test]
fn update_draft() {
    let state = given::<Order>(&[draft_created()])
        .when(UpdateDraft {
            content: content("PO-2"),
            today: crate::testkit::TODAY,
        })
        .then(&[OrderDraftUpdated {
            order_id: order_id(),
            content: content("PO-2"),
        }]);
    assert_eq!(state.content, Some(content("PO-2")));
}

#[test]
fn update_draft_with_the_same_content_changes_nothing() {
    given::<Order>(&[draft_created()])
        .when(UpdateDraft {
            content: content("PO-1"),
            today: crate::testkit::TODAY,
        })
        .then_nothing();
}

#[test]
fn update_a_submitted_order_is_rejected_in_every_later_status() {
    for status in [
        Submitted, Accepted, Rejected, Planned, InTransit, Delivered, Cancelled,
    ] {
        given::<Order>(&history(status))
            .when(UpdateDraft {
                content: content("PO-2"),
                today: crate::testkit::TODAY,
            })
            .then_error(DomainError::SubmittedOrderCannotBeEdited);
    }
}

#[test]
fn update_a_cancelled_draft_is_rejected() {
    given::<Order>(&[draft_created(), draft_cancelled()])
        .when(UpdateDraft {
            content: content("PO-2"),
            today: crate::testkit::TODAY,
        })
        .then_error(DomainError::DraftCancelled);
}

// --- SubmitOrder ---

#[test]
fn submit_order() {
    let state = given::<Order>(&[draft_created()])
        .when(submit(vec![]))
        .then(&[submitted()]);
    assert_eq!(state.status, Submitted);
    assert_eq!(state.submitted_content, Some(content("PO-1")));
    assert_eq!(state.submitted_at, Some(submitted_at()));
}

#[test]
fn submit_copies_the_current_location_address_into_the_stop() {
    let draft = content_at_location("PO-1", depot());
    let created = OrderDraftCreated {
        order_id: order_id(),
        customer_id: customer_id(),
        number: "ORD-1".into(),
        content: draft.clone(),
    };
    let expected = draft
        .with_location_addresses(&[(depot(), address("Potsdam"))])
        .unwrap();
    let state = given::<Order>(&[created])
        .when(submit(vec![(depot(), address("Potsdam"))]))
        .then(&[OrderSubmitted {
            order_id: order_id(),
            content: expected,
            submitted_at: submitted_at(),
        }]);
    let stop_city = |c: &Option<crate::values::OrderContent>| {
        c.as_ref().unwrap().consignments()[0]
            .pickup()
            .address()
            .city()
            .to_owned()
    };
    assert_eq!(stop_city(&state.submitted_content), "Potsdam");
    assert_eq!(stop_city(&state.content), "Potsdam");
}

#[test]
fn submit_with_an_unavailable_location_is_rejected() {
    let created = OrderDraftCreated {
        order_id: order_id(),
        customer_id: customer_id(),
        number: "ORD-1".into(),
        content: content_at_location("PO-1", depot()),
    };
    given::<Order>(&[created])
        .when(submit(vec![]))
        .then_invalid(&["consignments[0].pickup.location_id"]);
}

#[test]
fn submitted_at_is_stored_in_utc() {
    let local = datetime!(2025-06-01 12:00 +2);
    let state = given::<Order>(&[draft_created()])
        .when(SubmitOrder {
            location_addresses: vec![],
            submitted_at: local,
            today: crate::testkit::TODAY,
        })
        .then(&[submitted()]);
    assert_eq!(state.submitted_at.unwrap().offset(), UtcOffset::UTC);
}

#[test]
fn submit_with_an_unrepresentable_time_is_rejected() {
    given::<Order>(&[draft_created()])
        .when(SubmitOrder {
            location_addresses: vec![],
            submitted_at: datetime!(-0001-01-01 0:00 UTC),
            today: crate::testkit::TODAY,
        })
        .then_invalid(&["submitted_at"]);
}

#[test]
fn submit_again_is_rejected() {
    given::<Order>(&history(Submitted))
        .when(submit(vec![]))
        .then_error(DomainError::SubmittedOrderCannotBeEdited);
}

#[test]
fn submit_a_cancelled_draft_is_rejected() {
    given::<Order>(&[draft_created(), draft_cancelled()])
        .when(submit(vec![]))
        .then_error(DomainError::DraftCancelled);
}

// --- CancelDraft ---

#[test]
fn cancel_draft() {
    let state = given::<Order>(&[draft_created()])
        .when(CancelDraft)
        .then(&[draft_cancelled()]);
    assert_eq!(state.status, Cancelled);
}

#[test]
fn cancel_a_cancelled_draft_changes_nothing() {
    given::<Order>(&[draft_created(), draft_cancelled()])
        .when(CancelDraft)
        .then_nothing();
}

#[test]
fn cancel_draft_after_submission_is_rejected() {
    for status in [Submitted, Accepted, Cancelled] {
        given::<Order>(&history(status))
            .when(CancelDraft)
            .then_error(DomainError::SubmittedOrderCannotBeEdited);
    }
}

// --- wire format ---

#[test]
fn every_event_round_trips() {
    let events = [
        draft_created(),
        OrderDraftUpdated {
            order_id: order_id(),
            content: content_at_location("PO-2", depot()),
        },
        submitted(),
        draft_cancelled(),
        accepted(),
        rejected(),
        planned(),
        in_transit(),
        delivered(),
        cancelled(),
        charge_added(1),
        approval_requested(1),
        ChargeApproved {
            order_id: order_id(),
            charge_id: charge_id(1),
            comment: Some("ok".into()),
        },
        ChargeRejected {
            order_id: order_id(),
            charge_id: charge_id(1),
            comment: None,
        },
    ];
    assert_round_trip(&events);
    let json = serde_json::to_value(submitted()).unwrap();
    assert_eq!(json["data"]["submitted_at"], "2025-06-01T10:00:00Z");
    let json = serde_json::to_value(charge_added(1)).unwrap();
    assert_eq!(
        json["data"]["amount"],
        serde_json::json!({"amount_minor": 4500, "currency": "EUR"})
    );
}
