//! The printable rule: which scripts and symbols pass, how offending text is named, that every
//! printed field of an order and an address applies it, and that stored events skip it.
#![allow(clippy::unwrap_used)]
use super::*;
use crate::testkit::{content_input, goods_input};
use crate::values::{Address, Goods, Name, OrderContent};

const MESSAGE: &str = "contains characters that cannot be printed on the transport documents";

fn message(named: &str) -> String {
    format!("{MESSAGE}: {named}")
}

#[test]
fn given_european_scripts_when_checked_then_they_print() {
    for text in [
        "Zażółć gęślą jaźń, Łódź",
        "Αθήνα, Οδός Πανεπιστημίου 10",
        "Москва, улица Тверская",
        "Straße № 5 – €12,50 · 1½ m²",
        "Tiếng Việt, Ærøskøbing, Ğ İ ş",
        "Երևան, თბილისი",
    ] {
        assert_eq!(unprintable(text, false), Vec::<String>::new(), "{text}");
        assert!(check_printable("city", text, false).is_ok());
    }
}

#[test]
fn given_right_to_left_scripts_when_checked_then_each_is_refused() {
    for text in [
        "عربي",     // Arabic
        "עברית",    // Hebrew
        "ܣܘܪܝܝܐ",   // Syriac
        "ދިވެހި",      // Thaana
        "ߒߞߏ",      // NKo
        "ﻋﺮﺑﻲ",     // Arabic presentation forms B
        "ﭐﭑ",       // Arabic presentation forms A
        "\u{FB1D}", // Hebrew presentation form
    ] {
        let e = check_printable("city", text, false).unwrap_err();
        assert_eq!(e.field, "city");
        assert!(e.message.starts_with(MESSAGE), "{text}: {}", e.message);
    }
}

#[test]
fn given_mixed_text_when_checked_then_the_message_names_the_offending_runs() {
    let e = check_printable("city", "Cairo عربي", false).unwrap_err();
    assert_eq!(e.message, message("\"عربي\""));
    let e = check_printable("notes", "Thanks 😀 see you 😀", true).unwrap_err();
    assert_eq!(e.message, message("\"😀\""));
    assert_eq!(
        unprintable("القاهرة الجديدة - Cairo", false),
        ["القاهرة الجديدة"]
    );
    assert_eq!(
        unprintable("a 😀 b 中 c ש d ✅", false),
        ["😀", "中", "ש", "✅"]
    );
    let e = check_printable("notes", "a 😀 b 中 c ש d ✅", false).unwrap_err();
    assert_eq!(e.message, message("\"😀\", \"中\", \"ש\", …"));
}

#[test]
fn given_invisible_characters_when_checked_then_they_are_named_by_code_point() {
    assert_eq!(unprintable("a\u{200F}b", false), ["U+200F"]);
    assert_eq!(unprintable("❤\u{FE0F}", false), ["❤U+FE0F"]);
    assert_eq!(unprintable("a\u{7}b", true), ["U+0007"]);
}

#[test]
fn given_line_breaks_when_checked_then_only_multiline_text_allows_them() {
    assert!(check_printable("instructions", "Gate 2\r\n\tRing twice", true).is_ok());
    let e = check_printable("reference", "a\nb", false).unwrap_err();
    assert_eq!(e.message, message("\"U+000A\""));
}

#[test]
fn given_the_table_then_its_ranges_are_sorted_and_disjoint() {
    for pair in PRINTABLE_RANGES.windows(2) {
        assert!(pair[0].0 <= pair[0].1 && pair[0].1 < pair[1].0, "{pair:?}");
    }
}

#[test]
fn given_names_when_parsed_from_input_then_the_rule_applies() {
    let e = Name::parse("😀 Logistics").unwrap_err();
    assert_eq!(e, FieldError::new("name", message("\"😀\"")));
    let e = Name::parse_as("description", "كتب").unwrap_err();
    assert_eq!(e.field, "description");
    assert!(Name::parse("Ωμέγα ООО").is_ok());
}

#[test]
fn given_an_address_when_any_printed_field_is_unprintable_then_that_field_is_named() {
    let mut input = crate::testkit::address_input("عمان");
    input.name = "Depot 😀".into();
    input.street = "שדרות 1".into();
    input.contact_name = Some("ܐܒܪܗܡ".into());
    let errors = Address::new(input).unwrap_err();
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["name", "street", "city", "contact_name"]);
    assert_eq!(errors[2].message, message("\"عمان\""));
}

#[test]
fn given_an_order_when_any_printed_text_is_unprintable_then_its_path_is_named() {
    let mut input = content_input("PO 😀");
    input.notes = Some("Line one\nعربي".into());
    let c = &mut input.consignments[0];
    c.pickup.reference = Some("ߒߞߏ".into());
    c.pickup.instructions = Some("Gate 2\n😀".into());
    c.delivery.address.city = "القاهرة".into();
    c.delivery.address.postal_code = "١٢٣".into();
    c.goods = vec![goods_input("Books", 10.0), goods_input("كتب", 10.0)];
    let errors = OrderContent::new(input).unwrap_err();
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "customer_reference",
            "consignments[0].pickup.reference",
            "consignments[0].pickup.instructions",
            "consignments[0].delivery.address.postal_code",
            "consignments[0].delivery.address.city",
            "consignments[0].goods[1].description",
            "notes",
        ]
    );
    assert!(Goods::new(goods_input("Книги, βιβλία, książki", 1.0)).is_ok());
}

#[test]
fn given_a_stored_event_with_unprintable_text_when_deserialised_then_it_still_loads() {
    let mut json = serde_json::to_value(OrderContent::new(content_input("PO-1")).unwrap()).unwrap();
    let delivery = &mut json["consignments"][0]["delivery"];
    delivery["address"]["city"] = "القاهرة".into();
    delivery["address"]["name"] = "Depot 😀".into();
    delivery["instructions"] = "بوابة ٢".into();
    json["consignments"][0]["goods"][0]["description"] = "كتب".into();
    json["notes"] = "😀".into();
    let content: OrderContent = serde_json::from_value(json).unwrap();
    let delivery = content.consignments()[0].delivery();
    assert_eq!(delivery.address().city(), "القاهرة");
    assert_eq!(delivery.address().name().as_str(), "Depot 😀");
    assert_eq!(content.notes(), Some("😀"));
    let name: Name = serde_json::from_str("\"שלום\"").unwrap();
    assert_eq!(name.as_str(), "שלום");
    // The other rules still hold for stored text.
    assert!(serde_json::from_str::<Name>("\"a\\nb\"").is_err());
}
