//! Random command sequences never break the order's invariants.
#![allow(clippy::unwrap_used)]

use super::OrderCommand::*;
use super::OrderEvent as E;
use super::fixtures::*;
use super::*;
use crate::testkit::{address, content, content_at_location, draft};
use crate::values::DraftContent;
use proptest::prelude::*;

fn any_content() -> impl Strategy<Value = OrderContent> {
    prop_oneof![
        Just(content("PO-1")),
        Just(content("PO-2")),
        Just(content_at_location("PO-3", depot())),
    ]
}

fn any_time() -> impl Strategy<Value = OffsetDateTime> {
    prop_oneof![Just(submitted_at()), Just(later())]
}

fn any_charge() -> impl Strategy<Value = ChargeId> {
    (1..=3_u128).prop_map(charge_id)
}

fn any_comment() -> impl Strategy<Value = Option<String>> {
    prop_oneof![Just(None), Just(Some("ok".to_owned()))]
}

/// Weighted towards moving forward, so that long lifecycles (up to delivery) are common.
fn any_command() -> impl Strategy<Value = OrderCommand> {
    prop_oneof![
        1 => any_content().prop_map(|content| CreateDraft {
            order_id: order_id(),
            customer_id: customer_id(),
            number: "ORD-1".into(),
            content: DraftContent::from(&content),
            today: crate::testkit::TODAY,
        }),
        2 => any_content().prop_map(|content| UpdateDraft {
            content: DraftContent::from(&content),
            today: crate::testkit::TODAY,
        }),
        4 => (any::<bool>(), any_time()).prop_map(|(with_depot, submitted_at)| SubmitOrder {
            location_addresses: if with_depot {
                vec![(depot(), address("Potsdam"))]
            } else {
                vec![]
            },
            submitted_at,
            today: crate::testkit::TODAY,
        }),
        1 => Just(CancelDraft),
        3 => Just(AcceptOrder),
        1 => Just(RejectOrder { reason: "No".into() }),
        3 => any_time().prop_map(|planned_at| PlanOrder { planned_at }),
        3 => any_time().prop_map(|at| MarkInTransit { at }),
        3 => any_time().prop_map(|delivered_at| MarkDelivered { delivered_at }),
        1 => Just(CancelOrder { reason: "Gone".into() }),
        3 => (any_charge(), any::<bool>()).prop_map(|(charge_id, request_approval)| AddCharge {
            charge_id,
            description: name("Toll"),
            amount: eur(1000),
            request_approval,
        }),
        2 => any_charge().prop_map(|charge_id| RequestChargeApproval { charge_id }),
        2 => (any_charge(), any::<bool>(), any_comment()).prop_map(|(charge_id, shows, comment)| {
            ApproveCharge {
                charge_id,
                customer_shows_charges: shows,
                comment,
            }
        }),
        2 => (any_charge(), any::<bool>(), any_comment()).prop_map(|(charge_id, shows, comment)| {
            RejectCharge {
                charge_id,
                customer_shows_charges: shows,
                comment,
            }
        }),
    ]
}

/// A sequence that usually gets past creation: start with a draft most of the time.
fn any_sequence() -> impl Strategy<Value = Vec<OrderCommand>> {
    (any::<bool>(), prop::collection::vec(any_command(), 1..40)).prop_map(|(create, mut rest)| {
        if create {
            rest.insert(
                0,
                CreateDraft {
                    order_id: order_id(),
                    customer_id: customer_id(),
                    number: "ORD-1".into(),
                    content: draft("PO-1"),
                    today: crate::testkit::TODAY,
                },
            );
        }
        rest
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_commands_keep_order_invariants(commands in any_sequence()) {
        let mut state = OrderState::default();
        for command in commands {
            let before = state.clone();
            let Ok(events) = Order::decide(&state, &command) else { continue };
            for event in &events {
                let prev = state.clone();
                state = Order::evolve(state, event);

                // Status only moves along allowed transitions.
                if prev.exists && prev.status != state.status {
                    prop_assert!(
                        prev.status.can_move_to(state.status),
                        "{} -> {} by {:?}", prev.status, state.status, event
                    );
                }

                // Charges reach Approved/Rejected only from Requested, Requested only from ToRequest.
                for charge in &state.charges {
                    let old = prev.charge(charge.charge_id).map(|c| c.approval);
                    match (old, charge.approval) {
                        (None, ChargeApproval::ToRequest) => {}
                        (Some(a), b) if a == b => {}
                        (Some(ChargeApproval::ToRequest), ChargeApproval::Requested) => {}
                        (Some(ChargeApproval::Requested), ChargeApproval::Approved | ChargeApproval::Rejected) => {}
                        (a, b) => prop_assert!(false, "charge went {:?} -> {:?}", a, b),
                    }
                }
                if matches!(event, E::ChargeAdded { .. }) {
                    prop_assert!(prev.status.allows_charges());
                }
            }

            // Once submitted, the submitted content never changes.
            if before.is_submitted() {
                prop_assert_eq!(&before.submitted_content, &state.submitted_content);
                prop_assert_eq!(&state.content, &state.submitted_content.as_ref().map(DraftContent::from));
            }

            // Once submitted, no draft edit is ever accepted.
            if state.is_submitted() {
                let edit = UpdateDraft { content: draft("PO-9"), today: crate::testkit::TODAY };
                prop_assert_eq!(
                    Order::decide(&state, &edit),
                    Err(DomainError::SubmittedOrderCannotBeEdited)
                );
            }
        }
    }
}

/// Guards the generator: the sequences above must actually reach every status and every charge
/// decision, or the invariants would be checked on trivial histories only.
#[test]
fn random_sequences_reach_every_status_and_charge_decision() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use std::collections::BTreeSet;

    let mut runner = TestRunner::deterministic();
    let mut statuses = BTreeSet::new();
    let mut approvals = BTreeSet::new();
    for _ in 0..256 {
        let commands = any_sequence().new_tree(&mut runner).unwrap().current();
        let mut state = OrderState::default();
        for command in commands {
            if let Ok(events) = Order::decide(&state, &command) {
                state = crate::apply_all::<Order>(&state, &events);
            }
            if state.exists {
                statuses.insert(state.status);
            }
            approvals.extend(state.charges.iter().map(|c| format!("{:?}", c.approval)));
        }
    }
    assert_eq!(statuses.len(), OrderStatus::ALL.len(), "{statuses:?}");
    assert_eq!(approvals.len(), 4, "{approvals:?}");
}
