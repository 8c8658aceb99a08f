//! The hidden-character rule: each bidirectional control and zero-width character is refused in
//! input, named by code point, in every free-text value; stored events skip it.
#![allow(clippy::unwrap_used)]
use super::*;
use crate::customer::customer_code;
use crate::testkit::{address_input, content_input};
use crate::values::{Address, Name, OrderContent, Origin};

const HIDDEN: [char; 14] = [
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', // embeddings and overrides
    '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', // isolates
    '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', // zero width
];

const MESSAGE: &str =
    "must not contain hidden characters (text direction controls or zero-width characters)";

#[test]
fn given_each_hidden_character_when_a_name_is_parsed_then_it_is_refused_by_code_point() {
    for c in HIDDEN {
        // Given a name with the character between visible letters
        let raw = format!("Acme{c}Foods");
        // When it is parsed as input
        let e = Name::parse_as("name", &raw).unwrap_err();
        // Then the field is refused naming the character
        assert_eq!(e.field, "name");
        assert_eq!(e.message, format!("{MESSAGE}: U+{:04X}", u32::from(c)));
    }
}

#[test]
fn given_a_trojan_source_reference_when_parsed_then_every_character_is_named_once() {
    // Given a reference that renders reversed, with an override used twice and an isolate
    let raw = "INV\u{202E}100\u{2066}x\u{202E}";
    // When it is checked
    let e = check_hidden("customer_reference", raw).unwrap_err();
    // Then each hidden character is named once, in order of appearance
    assert_eq!(e.message, format!("{MESSAGE}: U+202E, U+2066"));
}

#[test]
fn given_visible_text_when_checked_then_it_passes() {
    for text in ["Acme Foods", "Zażółć gęślą jaźń", "Straße № 5 – €12,50", ""] {
        assert!(check_hidden("name", text).is_ok(), "{text}");
        assert!(hidden_in(text).is_empty());
    }
    // Direction marks that are not overrides are left to the printable rule.
    assert!(!is_hidden('\u{200E}'));
}

#[test]
fn given_an_address_with_a_zero_width_space_when_built_then_the_field_is_named() {
    // Given an address whose street hides a zero-width space
    let mut input = address_input("Oslo");
    input.street = "Karl\u{200B} Johans gate 1".to_owned();
    // When the address is built
    let errors = Address::new(input).unwrap_err();
    // Then the street is refused for the hidden character
    assert!(
        errors
            .iter()
            .any(|e| e.field == "street" && e.message == format!("{MESSAGE}: U+200B")),
        "{errors:?}"
    );
}

#[test]
fn given_an_order_reference_with_an_override_when_built_then_it_is_refused() {
    // Given order content whose customer reference holds a right-to-left override
    let input = content_input("PO\u{202E}-1234");
    // When the content is built
    let errors = OrderContent::new(input).unwrap_err();
    // Then the customer reference is the field refused
    assert!(
        errors.iter().any(|e| e.field == "customer_reference"),
        "{errors:?}"
    );
}

#[test]
fn given_a_customer_code_with_a_byte_order_mark_when_checked_then_it_is_refused() {
    // Given a code pasted with a byte order mark
    // When the customer code rule runs
    let e = customer_code(Some("\u{FEFF}ACME")).unwrap_err();
    // Then the code field is refused
    assert_eq!(e.field_errors()[0].field, "code");
}

#[test]
fn given_a_stored_name_with_a_hidden_character_when_loaded_then_it_still_reads() {
    // Given a name stored before the rule existed
    // When an event carrying it is read back
    let stored = Name::parse_from(Origin::Stored, "name", "Acme\u{200D}Foods");
    // Then it loads unchanged
    assert_eq!(stored.unwrap().as_str(), "Acme\u{200D}Foods");
}
