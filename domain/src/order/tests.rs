//! Drafts and submission (the portal side), unknown orders, and the event wire format.
#![allow(clippy::unwrap_used)]
use super::OrderCommand::*;
use super::OrderEvent::*;
use super::OrderStatus::*;
use super::fixtures::*;
use super::*;
use crate::testkit::{address, assert_round_trip, content, content_at_location, draft, given};
use crate::values::DraftContent;
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
            content: draft("PO-1"),
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
            content: draft("PO-1"),
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
            content: draft("PO-1"),
            today: crate::testkit::TODAY,
        })
        .then_error(DomainError::AlreadyExists("order"));
}

#[test]
fn every_command_on_an_unknown_order_is_not_found() {
    for command in [
        UpdateDraft {
            content: draft("X"),
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
            content: draft("PO-2"),
            today: crate::testkit::TODAY,
        })
        .then(&[OrderDraftUpdated {
            order_id: order_id(),
            content: draft("PO-2"),
        }]);
    assert_eq!(state.content, Some(draft("PO-2")));
}

#[test]
fn update_draft_with_the_same_content_changes_nothing() {
    given::<Order>(&[draft_created()])
        .when(UpdateDraft {
            content: draft("PO-1"),
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
                content: draft("PO-2"),
                today: crate::testkit::TODAY,
            })
            .then_error(DomainError::SubmittedOrderCannotBeEdited);
    }
}

#[test]
fn update_a_cancelled_draft_is_rejected() {
    given::<Order>(&[draft_created(), draft_cancelled()])
        .when(UpdateDraft {
            content: draft("PO-2"),
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
        content: DraftContent::from(&draft),
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
    let submitted = state.submitted_content.unwrap();
    assert_eq!(
        submitted.consignments()[0].pickup().address().city(),
        "Potsdam"
    );
    assert_eq!(state.content, Some(DraftContent::from(&submitted)));
}

#[test]
fn submit_with_an_unavailable_location_is_rejected() {
    let created = OrderDraftCreated {
        order_id: order_id(),
        customer_id: customer_id(),
        number: "ORD-1".into(),
        content: DraftContent::from(&content_at_location("PO-1", depot())),
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
            content: DraftContent::from(&content_at_location("PO-2", depot())),
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

// --- Drafts with gaps ---

/// A draft without a delivery date, and whose goods line has no weight.
fn incomplete(pickup_day: Option<time::Date>) -> DraftContent {
    let mut input = crate::testkit::content_input("PO-1");
    let c = &mut input.consignments[0];
    c.pickup.date = pickup_day.or(c.pickup.date);
    c.delivery.date = None;
    c.goods[0].weight_kg = None;
    DraftContent::new(input).unwrap()
}

fn created_with(content: DraftContent) -> OrderEvent {
    OrderDraftCreated {
        order_id: order_id(),
        customer_id: customer_id(),
        number: "ORD-2025-0001".into(),
        content,
    }
}

#[test]
fn create_an_incomplete_draft() {
    let state = given::<Order>(&[])
        .when(CreateDraft {
            order_id: order_id(),
            customer_id: customer_id(),
            number: "ORD-2025-0001".into(),
            content: incomplete(None),
            today: crate::testkit::TODAY,
        })
        .then(&[created_with(incomplete(None))]);
    assert_eq!(state.status, Draft);
    assert!(!state.content.unwrap().is_complete());
}

#[test]
fn create_an_incomplete_draft_with_a_past_pickup_is_rejected_at_the_date() {
    given::<Order>(&[])
        .when(CreateDraft {
            order_id: order_id(),
            customer_id: customer_id(),
            number: "ORD-2025-0001".into(),
            content: incomplete(Some(time::macros::date!(2020 - 01 - 01))),
            today: crate::testkit::TODAY,
        })
        .then_invalid(&["consignments[0].pickup.date"]);
}

#[test]
fn submit_an_incomplete_draft_lists_every_gap() {
    given::<Order>(&[created_with(incomplete(None))])
        .when(submit(vec![]))
        .then_invalid(&[
            "consignments[0].delivery.date",
            "consignments[0].goods[0].weight_kg",
        ]);
}

#[test]
fn submit_lists_gaps_and_aged_dates_together() {
    let later = crate::testkit::TODAY
        .next_day()
        .unwrap()
        .next_day()
        .unwrap();
    let command = SubmitOrder {
        location_addresses: vec![],
        submitted_at: submitted_at(),
        today: later.next_day().unwrap(),
    };
    given::<Order>(&[created_with(incomplete(None))])
        .when(command)
        .then_invalid(&[
            "consignments[0].delivery.date",
            "consignments[0].goods[0].weight_kg",
            "consignments[0].pickup.date",
        ]);
}

#[test]
fn completing_a_draft_makes_it_submittable() {
    given::<Order>(&[
        created_with(incomplete(None)),
        OrderDraftUpdated {
            order_id: order_id(),
            content: draft("PO-1"),
        },
    ])
    .when(submit(vec![]))
    .then(&[submitted()]);
}
