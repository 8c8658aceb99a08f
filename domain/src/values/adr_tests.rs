//! ADR values: tunnel restriction codes and the transport-document line.
#![allow(clippy::unwrap_used)]
use super::*;

fn input(tunnel_code: Option<&str>) -> AdrInput {
    AdrInput {
        un_number: "1263".into(),
        class: "3".into(),
        packing_group: Some("II".into()),
        tunnel_code: tunnel_code.map(Into::into),
    }
}

#[test]
fn given_every_adr_tunnel_code_when_parsed_then_it_is_kept_as_written() {
    for code in TUNNEL_CODES {
        assert_eq!(TunnelCode::parse(code).unwrap().as_str(), code);
    }
}

#[test]
fn given_lower_case_or_spaced_code_when_parsed_then_it_is_normalised() {
    assert_eq!(TunnelCode::parse(" d / e ").unwrap().as_str(), "D/E");
    assert_eq!(TunnelCode::parse("c5000d").unwrap().as_str(), "C5000D");
}

#[test]
fn given_an_unknown_code_when_parsed_then_it_is_rejected_with_the_field() {
    for bad in ["A", "F", "D/C", "B1000", "C/D/E", "DE", "--", "(D/E)", "1"] {
        let e = TunnelCode::parse(bad).unwrap_err();
        assert_eq!(e.field, "tunnel_code", "{bad}");
        assert!(e.message.contains("B1000C"), "{bad}: {}", e.message);
    }
}

#[test]
fn given_adr_input_with_a_bad_tunnel_code_when_validated_then_every_bad_field_is_named() {
    let bad = AdrInput {
        un_number: "12".into(),
        ..input(Some("Z"))
    };
    let fields: Vec<String> = Adr::new(bad)
        .unwrap_err()
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(fields, ["un_number", "tunnel_code"]);
}

#[test]
fn given_a_blank_tunnel_code_when_validated_then_there_is_none() {
    assert_eq!(Adr::new(input(Some("  "))).unwrap().tunnel_code(), None);
    assert_eq!(Adr::new(input(None)).unwrap().tunnel_code(), None);
}

#[test]
fn given_full_adr_data_when_printed_then_the_line_has_the_transport_document_form() {
    let adr = Adr::new(input(Some("D/E"))).unwrap();
    assert_eq!(
        adr.transport_line("Paint, flammable"),
        "UN 1263 Paint, flammable, 3, II, (D/E)"
    );
    let bare = Adr::new(AdrInput {
        packing_group: None,
        ..input(None)
    })
    .unwrap();
    assert_eq!(bare.transport_line(" Paint "), "UN 1263 Paint, 3");
}

#[test]
fn given_adr_json_written_before_tunnel_codes_when_read_then_it_has_none() {
    let old = serde_json::json!({"un_number": "UN1263", "class": "3", "packing_group": "II"});
    let adr: Adr = serde_json::from_value(old).unwrap();
    assert_eq!(adr.tunnel_code(), None);
    let written = serde_json::to_value(Adr::new(input(Some("d/e"))).unwrap()).unwrap();
    assert_eq!(written["tunnel_code"], "D/E");
    assert_eq!(
        serde_json::from_value::<Adr>(written)
            .unwrap()
            .tunnel_code(),
        Some(TunnelCode::parse("D/E").unwrap())
    );
    let tampered = serde_json::json!({"un_number": "UN1263", "class": "3", "tunnel_code": "Q"});
    assert!(serde_json::from_value::<Adr>(tampered).is_err());
}
