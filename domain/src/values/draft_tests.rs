//! Drafts with gaps: what may be left blank, what is still refused, and what submission lists.
#![allow(clippy::unwrap_used)]
use super::*;
use crate::testkit::{content, content_input, goods_input};
use crate::values::{ConsignmentInput, StopInput};

fn fields(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

fn empty() -> OrderContentInput {
    OrderContentInput {
        customer_reference: None,
        consignments: vec![],
        notes: None,
    }
}

#[test]
fn complete_content_is_stored_normalised_with_the_wire_form_of_order_content() {
    let mut input = content_input("  PO-1 ");
    input.consignments[0].pickup.address.postal_code = "sw1a 1aa".into();
    input.consignments[0].pickup.address.country = "germany".into();
    let draft = DraftContent::new(input).unwrap();
    assert!(draft.is_complete());
    assert!(draft.missing().is_empty());
    assert_eq!(draft.input().customer_reference.as_deref(), Some("PO-1"));
    let complete = draft.complete().unwrap();
    assert_eq!(
        serde_json::to_value(&draft).unwrap(),
        serde_json::to_value(&complete).unwrap()
    );
    assert_eq!(draft.stored(), Some(complete));
    assert_eq!(
        DraftContent::from(&content("PO-1")).complete().unwrap(),
        content("PO-1")
    );
}

#[test]
fn an_empty_draft_is_saved_and_submission_lists_what_is_missing() {
    let draft = DraftContent::new(empty()).unwrap();
    assert!(!draft.is_complete());
    assert_eq!(draft.stored(), None);
    assert_eq!(fields(&draft.missing()), ["consignments"]);
}

#[test]
fn blank_fields_are_gaps_and_submission_lists_every_one() {
    let mut input = content_input("PO-1");
    let c = &mut input.consignments[0];
    c.pickup.address.street = "   ".into();
    c.delivery.date = None;
    c.goods[0].weight_kg = None;
    c.goods[0].packaging = None;
    c.goods.push(goods_input("", 10.0));
    let draft = DraftContent::new(input).unwrap();
    assert_eq!(
        fields(&draft.missing()),
        [
            "consignments[0].pickup.address.street",
            "consignments[0].delivery.date",
            "consignments[0].goods[0].packaging",
            "consignments[0].goods[0].weight_kg",
            "consignments[0].goods[1].description",
        ]
    );
    assert_eq!(draft.customer_reference(), Some("PO-1"));
}

#[test]
fn a_consignment_without_goods_lines_is_a_gap() {
    let mut input = content_input("PO-1");
    input.consignments[0].goods.clear();
    let draft = DraftContent::new(input).unwrap();
    assert_eq!(fields(&draft.missing()), ["consignments[0].goods"]);
}

#[test]
fn what_is_present_must_still_be_well_formed() {
    let mut input = content_input("PO-1");
    let c = &mut input.consignments[0];
    c.pickup.address.city = String::new();
    c.delivery.address.postal_code = "12/34".into();
    c.goods[0].weight_kg = Some(-1.0);
    let errors = DraftContent::new(input).unwrap_err();
    assert_eq!(
        fields(&errors),
        [
            "consignments[0].delivery.address.postal_code",
            "consignments[0].goods[0].weight_kg",
        ]
    );
}

#[test]
fn a_stop_with_only_a_date_is_a_draft() {
    let stop: StopInput =
        serde_json::from_value(serde_json::json!({"date": "2025-06-02"})).unwrap();
    let input = OrderContentInput {
        consignments: vec![ConsignmentInput {
            pickup: stop.clone(),
            delivery: serde_json::from_value(serde_json::json!({})).unwrap(),
            goods: vec![],
        }],
        ..empty()
    };
    let draft = DraftContent::new(input).unwrap();
    let missing = draft.missing();
    assert!(fields(&missing).contains(&"consignments[0].delivery.date"));
    assert!(fields(&missing).contains(&"consignments[0].pickup.address.name"));
    assert!(!fields(&missing).contains(&"consignments[0].pickup.date"));
}

#[test]
fn stored_drafts_read_back_without_validation() {
    let json = serde_json::json!({
        "customer_reference": "PO-1",
        "consignments": [{"pickup": {"address": {"city": "Växjö"}}, "delivery": {}, "goods": [{}]}],
        "notes": null
    });
    let draft: DraftContent = serde_json::from_value(json).unwrap();
    assert_eq!(draft.input().consignments[0].pickup.address.city, "Växjö");
    assert!(!draft.is_complete());
}
