//! Stops, consignments and order content: validation paths and location address copying.
#![allow(clippy::unwrap_used)]
use super::*;
use crate::testkit::{address, content_input, goods_input, id, stop_input};
use crate::values::TimeWindowInput;
use time::macros::{date, time};

fn fields(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

#[test]
fn valid_content_is_accepted_and_round_trips() {
    let c = OrderContent::new(content_input("PO-1")).unwrap();
    assert_eq!(c.customer_reference(), Some("PO-1"));
    assert_eq!(c.consignments().len(), 1);
    assert_eq!(c.total_weight_kg(), 800.0);
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["consignments"][0]["pickup"]["date"], "2025-06-02");
    assert_eq!(serde_json::from_value::<OrderContent>(json).unwrap(), c);
    assert_eq!(OrderContent::new(OrderContentInput::from(&c)).unwrap(), c);
}

#[test]
fn missing_stops_are_rejected() {
    let input = OrderContentInput {
        customer_reference: None,
        consignments: vec![],
        notes: None,
    };
    let errors = OrderContent::new(input).unwrap_err();
    assert_eq!(
        errors,
        vec![FieldError::new(
            "consignments",
            "at least one consignment with a pickup and a delivery stop is required"
        )]
    );
    let json = serde_json::json!({"customer_reference": null, "consignments": [], "notes": null});
    assert!(serde_json::from_value::<OrderContent>(json).is_err());
}

#[test]
fn every_problem_is_reported_with_a_dotted_path() {
    let mut input = content_input(&"r".repeat(101));
    let c = &mut input.consignments[0];
    c.pickup.address.country = "XX".into();
    c.pickup.time_window = Some(TimeWindowInput {
        from: time!(14:00),
        to: time!(9:00),
    });
    c.delivery.instructions = Some("x".repeat(2001));
    c.goods.push(goods_input("", -1.0));
    let mut second = input.consignments[0].clone();
    second.goods.clear();
    input.consignments.push(second);
    input.notes = Some("\u{0}".into());

    let errors = OrderContent::new(input).unwrap_err();
    assert_eq!(
        fields(&errors),
        [
            "customer_reference",
            "consignments[0].pickup.address.country",
            "consignments[0].pickup.time_window",
            "consignments[0].delivery.instructions",
            "consignments[0].goods[1].description",
            "consignments[0].goods[1].weight_kg",
            "consignments[1].pickup.address.country",
            "consignments[1].pickup.time_window",
            "consignments[1].delivery.instructions",
            "consignments[1].goods",
            "notes",
        ]
    );
    assert!(errors.contains(&FieldError::new(
        "consignments[0].pickup.time_window",
        "the time window ends before it starts"
    )));
    assert!(errors.contains(&FieldError::new(
        "consignments[1].goods",
        "at least one goods line is required"
    )));
}

#[test]
fn the_order_of_dates_is_a_schedule_rule_not_a_shape_rule() {
    // A stored order stays readable whatever its dates; the rules run with "today" in decide.
    let mut input = content_input("PO");
    input.consignments[0].delivery.date = Some(date!(2025 - 06 - 01));
    let content = OrderContent::new(input.clone()).unwrap();
    assert_eq!(
        content.schedule_errors(date!(2025 - 05 - 01)),
        vec![FieldError::new(
            "consignments[0].delivery.date",
            "the delivery date is before the pickup date"
        )]
    );
    input.consignments[0].delivery.date = Some(date!(2025 - 06 - 02));
    let content = OrderContent::new(input).unwrap();
    assert!(content.schedule_errors(date!(2025 - 05 - 01)).is_empty());
}

#[test]
fn stop_text_is_trimmed_and_blank_is_none() {
    let mut s = stop_input("Berlin", 2);
    s.reference = Some("  ".into());
    s.instructions = Some(" Ring twice\nGate 3 ".into());
    let stop = Stop::new(s).unwrap();
    assert_eq!(stop.reference(), None);
    assert_eq!(stop.instructions(), Some("Ring twice\nGate 3"));
}

#[test]
fn location_addresses_are_copied_and_missing_locations_reported() {
    let (berlin_depot, hamburg_hub) = (id(1), id(2));
    let mut input = content_input("PO");
    input.consignments[0].pickup.location_id = Some(berlin_depot);
    input.consignments[0].delivery.location_id = Some(hamburg_hub);
    let c = OrderContent::new(input).unwrap();
    assert_eq!(
        c.location_ids().into_iter().collect::<Vec<_>>(),
        [berlin_depot, hamburg_hub]
    );

    let copied = c
        .with_location_addresses(&[
            (berlin_depot, address("Potsdam")),
            (hamburg_hub, address("Kiel")),
        ])
        .unwrap();
    assert_eq!(
        copied.consignments()[0].pickup().address().city(),
        "Potsdam"
    );
    assert_eq!(copied.consignments()[0].delivery().address().city(), "Kiel");

    let errors = c
        .with_location_addresses(&[(berlin_depot, address("Potsdam"))])
        .unwrap_err();
    assert_eq!(fields(&errors), ["consignments[0].delivery.location_id"]);
}

#[test]
fn too_many_goods_lines_are_rejected() {
    let mut input = content_input("PO");
    input.consignments[0].goods = vec![goods_input("Box", 1.0); 101];
    let errors = OrderContent::new(input).unwrap_err();
    assert_eq!(fields(&errors), ["consignments[0].goods"]);
}
