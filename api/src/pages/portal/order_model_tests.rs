//! The order form's model: a form round-trips through the content; bad fields are named.
#![allow(clippy::unwrap_used)]
use super::*;

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn a_form_round_trips_through_the_content() {
    let mut form = vec![("customer_reference", "PO-7")];
    for role in ["pickup", "delivery"] {
        for (k, v) in [
            ("address.name", "Depot"),
            ("address.street", "Hafenstraße 1"),
            ("address.postal_code", "20457"),
            ("address.city", "Hamburg"),
            ("address.country", "DE"),
            ("date", "2030-06-05"),
            ("time_window.from", "08:00"),
            ("time_window.to", "12:30"),
        ] {
            form.push((
                Box::leak(format!("consignments[0].{role}.{k}").into_boxed_str()),
                v,
            ));
        }
    }
    form.extend([
        ("consignments[0].goods[0].description", "Tiles"),
        ("consignments[0].goods[0].quantity", "3"),
        ("consignments[0].goods[0].packaging", "euro_pallet"),
        ("consignments[0].goods[0].weight_kg", "500,5"),
        ("consignments[0].goods[0].stackable", "on"),
        ("consignments[0].goods[0].adr.un_number", "1263"),
        ("consignments[0].goods[0].adr.class", "3"),
        ("consignments[0].goods[0].adr.packing_group", "II"),
        ("consignments[0].goods[0].adr.tunnel_code", "d/e"),
    ]);
    let model = OrderModel::from_pairs(&pairs(&form));
    let (input, errors) = model.to_input();
    assert!(errors.is_empty(), "{errors:?}");
    let content = DraftContent::new(input).unwrap();
    assert!(content.is_complete());
    let again = OrderModel::from_content(&content);
    assert_eq!(again.customer_reference, "PO-7");
    let g = &again.consignments[0].goods[0];
    assert_eq!(
        (g["weight_kg"].as_str(), g["stackable"].as_str()),
        ("500.5", "on")
    );
    assert_eq!(again.consignments[0].pickup["time_window.to"], "12:30");
    assert_eq!(
        g["adr.tunnel_code"], "D/E",
        "the form shows the code as parsed"
    );
    let (input, errors) = again.to_input();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(DraftContent::new(input).unwrap(), content);
}

#[test]
fn blanks_are_no_error_of_the_form_but_gaps_of_the_draft() {
    let model = OrderModel::from_pairs(&pairs(&[
        ("consignments[0].pickup.address.city", "Växjö"),
        ("consignments[0].goods[0].description", "Tiles"),
    ]));
    let (input, errors) = model.to_input();
    assert!(errors.is_empty(), "{errors:?}");
    let draft = DraftContent::new(input).unwrap();
    let missing: Vec<String> = draft.missing().into_iter().map(|e| e.field).collect();
    for f in [
        "consignments[0].pickup.date",
        "consignments[0].delivery.date",
        "consignments[0].goods[0].quantity",
        "consignments[0].goods[0].packaging",
        "consignments[0].goods[0].weight_kg",
    ] {
        assert!(missing.iter().any(|m| m == f), "{f} not in {missing:?}");
    }
    let again = OrderModel::from_content(&draft);
    assert_eq!(again.consignments[0].pickup["address.city"], "Växjö");
}

#[test]
fn unparsable_fields_are_named() {
    let model = OrderModel::from_pairs(&pairs(&[
        ("consignments[0].pickup.date", "tomorrow"),
        ("consignments[0].pickup.time_window.from", "8"),
        ("consignments[0].goods[0].quantity", "three"),
        ("consignments[0].goods[0].packaging", "sack"),
        ("consignments[1].goods[2].description", "Second"),
    ]));
    assert_eq!(model.consignments.len(), 2);
    assert_eq!(model.consignments[1].goods.len(), 3);
    let (_, errors) = model.to_input();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    for f in [
        "consignments[0].pickup.date",
        "consignments[0].pickup.time_window.from",
        "consignments[0].goods[0].quantity",
        "consignments[0].goods[0].packaging",
    ] {
        assert!(fields.contains(&f), "{f} missing in {fields:?}");
    }
    // Blanks are gaps of the draft, not parse errors.
    assert!(!fields.contains(&"consignments[0].delivery.date"));
}

#[test]
fn absurd_indices_are_ignored() {
    let model = OrderModel::from_pairs(&pairs(&[(
        "consignments[99999999].goods[0].description",
        "x",
    )]));
    assert_eq!(model.consignments.len(), 1);
}

#[test]
fn an_unknown_tunnel_code_is_named_at_its_field() {
    let mut model = OrderModel::new_order();
    let g = &mut model.consignments[0].goods[0];
    g.insert("adr.un_number".into(), "1263".into());
    g.insert("adr.class".into(), "3".into());
    g.insert("adr.tunnel_code".into(), "Z".into());
    let (input, _) = model.to_input();
    let errors = DraftContent::new(input).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.field == "consignments[0].goods[0].adr.tunnel_code"),
        "{errors:?}"
    );
}
