//! Goods lines and ADR data.
#![allow(clippy::unwrap_used)]
use super::*;
use crate::values::{AdrClass, PackingGroup, UnNumber};

fn pallets() -> GoodsInput {
    GoodsInput {
        description: "Machine parts".into(),
        quantity: Some(4),
        packaging: Some(Packaging::EuroPallet),
        weight_kg: Some(1200.5),
        volume_m3: Some(6.4),
        loading_metres: Some(1.6),
        pallet_spaces: Some(4),
        stackable: false,
        adr: None,
    }
}

fn adr(un: &str, class: &str, pg: Option<&str>) -> AdrInput {
    AdrInput {
        un_number: un.into(),
        class: class.into(),
        packing_group: pg.map(Into::into),
        tunnel_code: None,
    }
}

fn messages(input: GoodsInput) -> Vec<(String, String)> {
    Goods::new(input)
        .unwrap_err()
        .into_iter()
        .map(|e| (e.field, e.message))
        .collect()
}

fn one(field: &str, message: &str) -> Vec<(String, String)> {
    vec![(field.to_owned(), message.to_owned())]
}

#[test]
fn valid_goods_line_is_accepted() {
    let g = Goods::new(pallets()).unwrap();
    assert_eq!(g.quantity(), 4);
    assert_eq!(g.weight_kg(), 1200.5);
    assert!(!g.is_dangerous());
    assert_eq!(Goods::new(GoodsInput::from(&g)).unwrap(), g);
}

#[test]
fn negative_zero_and_absurd_quantities_are_rejected() {
    let q = |quantity| GoodsInput {
        quantity: Some(quantity),
        ..pallets()
    };
    assert_eq!(
        messages(q(-3)),
        one("quantity", "the quantity must be at least 1")
    );
    assert_eq!(
        messages(q(0)),
        one("quantity", "the quantity must be at least 1")
    );
    assert_eq!(
        messages(q(100_001)),
        one("quantity", "the quantity cannot exceed 100000")
    );
    assert_eq!(
        messages(q(i64::MAX)),
        one("quantity", "the quantity cannot exceed 100000")
    );
    assert!(Goods::new(q(100_000)).is_ok());
}

#[test]
fn negative_nan_infinite_and_absurd_weights_are_rejected() {
    let w = |weight_kg| GoodsInput {
        weight_kg: Some(weight_kg),
        ..pallets()
    };
    assert_eq!(
        messages(w(-1.0)),
        one("weight_kg", "the weight cannot be negative")
    );
    assert_eq!(
        messages(w(0.0)),
        one("weight_kg", "the weight must be greater than 0")
    );
    assert_eq!(
        messages(w(0.0001)),
        one("weight_kg", "the weight must be greater than 0")
    );
    assert_eq!(
        messages(w(f64::NAN)),
        one("weight_kg", "the weight must be a number")
    );
    assert_eq!(
        messages(w(f64::INFINITY)),
        one("weight_kg", "the weight must be a number")
    );
    assert_eq!(
        messages(w(40_000.5)),
        one(
            "weight_kg",
            "the weight cannot exceed 40000 kg (a full truck load)"
        )
    );
    assert_eq!(Goods::new(w(40_000.0)).unwrap().weight_kg(), 40_000.0);
}

#[test]
fn measurements_are_rounded_so_they_survive_json() {
    let g = Goods::new(GoodsInput {
        weight_kg: Some(0.1 + 0.2),
        volume_m3: Some(1.0 / 3.0),
        loading_metres: Some(2.0 / 3.0),
        ..pallets()
    })
    .unwrap();
    assert_eq!(g.weight_kg(), 0.3);
    assert_eq!(g.volume_m3(), Some(0.333));
    assert_eq!(g.loading_metres(), Some(0.67));
    let back: Goods = serde_json::from_str(&serde_json::to_string(&g).unwrap()).unwrap();
    assert_eq!(back, g);
}

#[test]
fn volume_loading_metres_and_pallet_spaces_are_bounded() {
    let errors = messages(GoodsInput {
        volume_m3: Some(120.5),
        loading_metres: Some(f64::NAN),
        pallet_spaces: Some(35),
        ..pallets()
    });
    assert_eq!(
        errors,
        vec![
            ("volume_m3".into(), "the volume cannot exceed 120 m³".into()),
            (
                "loading_metres".into(),
                "the loading metres must be a number".into()
            ),
            (
                "pallet_spaces".into(),
                "the pallet spaces cannot exceed 34 (a full trailer)".into()
            ),
        ]
    );
    let errors = messages(GoodsInput {
        volume_m3: Some(0.0),
        loading_metres: Some(13.7),
        pallet_spaces: Some(-1),
        ..pallets()
    });
    assert_eq!(
        errors,
        vec![
            (
                "volume_m3".into(),
                "the volume must be greater than 0".into()
            ),
            (
                "loading_metres".into(),
                "the loading metres cannot exceed 13.6 m (a full trailer)".into()
            ),
            (
                "pallet_spaces".into(),
                "the pallet spaces cannot be negative".into()
            ),
        ]
    );
    let full = GoodsInput {
        volume_m3: Some(120.0),
        loading_metres: Some(13.6),
        pallet_spaces: Some(34),
        ..pallets()
    };
    assert!(Goods::new(full).is_ok());
}

#[test]
fn empty_description_is_rejected() {
    let input = GoodsInput {
        description: " ".into(),
        ..pallets()
    };
    assert_eq!(messages(input), one("description", "must not be empty"));
}

#[test]
fn un_numbers_are_normalised() {
    for raw in ["UN1203", "1203", " un 1203 ", "un1203"] {
        let un = UnNumber::parse(raw).unwrap();
        assert_eq!((un.as_str(), un.digits()), ("UN1203", "1203"), "{raw}");
    }
    for bad in [
        "", "UN", "120", "12034", "UN12a3", "0000", "UN-1203", "NU1203",
    ] {
        let e = UnNumber::parse(bad).unwrap_err();
        assert_eq!(
            e.message, "a UN number has four digits, e.g. UN1203",
            "{bad}"
        );
    }
}

#[test]
fn adr_classes_are_checked() {
    for ok in [
        "1", "1.4", "1.6", "2", "2.3", "3", "4.1", "4,2", "5.2", "6.1", "6.2", "7", "8", "9",
    ] {
        assert!(AdrClass::parse(ok).is_ok(), "{ok}");
    }
    assert_eq!(AdrClass::parse("4,3").unwrap().as_str(), "4.3");
    for bad in ["", "0", "1.7", "2.4", "4", "5", "6", "10", "3.1", "class 3"] {
        assert_eq!(AdrClass::parse(bad).unwrap_err().field, "class", "{bad}");
    }
}

#[test]
fn packing_groups_are_roman_numerals() {
    assert_eq!(
        PackingGroup::parse_as("pg", " ii ").unwrap(),
        PackingGroup::II
    );
    assert!(PackingGroup::parse_as("pg", "2").is_err());
    assert!(PackingGroup::parse_as("pg", "IV").is_err());
}

#[test]
fn dangerous_goods_line_is_validated_with_nested_paths() {
    let ok = GoodsInput {
        adr: Some(adr("1203", "3", Some("II"))),
        ..pallets()
    };
    let g = Goods::new(ok).unwrap();
    let a = g.adr().unwrap();
    assert_eq!(
        (
            a.un_number().as_str(),
            a.class().as_str(),
            a.packing_group()
        ),
        ("UN1203", "3", Some(PackingGroup::II))
    );
    let json = serde_json::to_value(&g).unwrap();
    assert_eq!(
        json["adr"],
        serde_json::json!({"un_number": "UN1203", "class": "3", "packing_group": "II", "tunnel_code": null})
    );

    let bad = GoodsInput {
        adr: Some(adr("12", "11", Some("IV"))),
        ..pallets()
    };
    let fields: Vec<_> = messages(bad).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["adr.un_number", "adr.class", "adr.packing_group"]);
}

#[test]
fn blank_packing_group_means_none() {
    let a = Adr::new(adr("UN1950", "2.1", Some(" "))).unwrap();
    assert_eq!(a.packing_group(), None);
}

#[test]
fn packaging_serialises_in_snake_case() {
    for p in Packaging::ALL {
        let json = serde_json::to_value(p).unwrap();
        assert_eq!(json, p.as_str());
        assert_eq!(serde_json::from_value::<Packaging>(json).unwrap(), p);
    }
}

#[test]
fn deserialising_goods_validates() {
    let mut json = serde_json::to_value(Goods::new(pallets()).unwrap()).unwrap();
    json["weight_kg"] = serde_json::json!(-5.0);
    assert!(serde_json::from_value::<Goods>(json).is_err());
}
