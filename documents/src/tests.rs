//! Documents: page sizes and counts read back from the PDFs with `lopdf`, label text, the CMR's
//! boxes, ZPL blocks and the injection guard, the Code 128 encoding. The fixtures are shared
//! with the CMR and Unicode tests (`tests_text.rs`).
#![allow(clippy::unwrap_used)]

use crate::test_pdf::{page_text, pages};
use crate::*;
use portal_domain::values::{
    AddressInput, AdrInput, ConsignmentInput, GoodsInput, OrderContentInput, Packaging, StopInput,
};
use time::macros::date;

pub(crate) fn stop(name: &str, city: &str, day: u8) -> StopInput {
    StopInput {
        location_id: None,
        address: AddressInput {
            name: name.into(),
            street: "Hafenstraße 1".into(),
            postal_code: "20457".into(),
            city: city.into(),
            country: "DE".into(),
            contact_name: Some("Øle Łukasz".into()),
            contact_phone: None,
        },
        date: Some(date!(2030 - 06 - 01).replace_day(day).unwrap()),
        time_window: None,
        reference: Some("REF-9".into()),
        instructions: Some("Ring at gate 4".into()),
    }
}

pub(crate) fn goods(description: &str, quantity: i64, adr: bool) -> GoodsInput {
    GoodsInput {
        description: description.into(),
        quantity: Some(quantity),
        packaging: Some(Packaging::EuroPallet),
        weight_kg: Some(400.0),
        volume_m3: Some(1.5),
        loading_metres: None,
        pallet_spaces: None,
        stackable: false,
        adr: adr.then(|| AdrInput {
            un_number: "1263".into(),
            class: "3".into(),
            packing_group: Some("II".into()),
            tunnel_code: Some("D/E".into()),
        }),
    }
}

/// Content read as from a stored event, where text the documents cannot print may remain from
/// before input refused it (input would reject the Arabic and emoji samples).
pub(crate) fn stored(input: OrderContentInput) -> OrderContent {
    serde_json::from_value(serde_json::to_value(input).unwrap()).unwrap()
}

/// Two consignments: 2 + 3 pieces, then 1 piece.
pub(crate) fn content() -> OrderContent {
    OrderContent::new(OrderContentInput {
        customer_reference: Some("PO-77".into()),
        consignments: vec![
            ConsignmentInput {
                pickup: stop("Alpha Foods Depot", "Hamburg", 5),
                delivery: stop("Müller & Söhne GmbH", "München", 6),
                goods: vec![goods("Tiles", 2, false), goods("Paint ^XA~JR", 3, true)],
            },
            ConsignmentInput {
                pickup: stop("Alpha Foods Depot", "Hamburg", 5),
                delivery: stop("Kraków Hub", "Kraków", 7),
                goods: vec![goods("Books", 1, false)],
            },
        ],
        notes: Some("Call before delivery".into()),
    })
    .unwrap()
}

pub(crate) fn order(content: &OrderContent) -> DocumentOrder<'_> {
    DocumentOrder {
        number: "261204-ABCD1234",
        customer_name: "Alpha Foods",
        carrier_name: "ACME Transport",
        submitted_on: date!(2026 - 12 - 04),
        content,
    }
}

pub(crate) fn settings(format: LabelFormat, output: OutputKind, copies: u8) -> LabelSettings {
    LabelSettings {
        format,
        output,
        copies,
    }
}

fn close(a: (f32, f32), b: (f32, f32)) -> bool {
    (a.0 - b.0).abs() < 0.2 && (a.1 - b.1).abs() < 0.2
}

#[test]
fn one_label_per_handling_unit_on_thermal_stock() {
    let c = content();
    for (format, size) in [
        (LabelFormat::A6, (105.0, 148.0)),
        (LabelFormat::FourBySixIn, (101.6, 152.4)),
    ] {
        let doc = labels(&order(&c), &settings(format, OutputKind::Pdf, 1)).unwrap();
        assert_eq!(doc.content_type, "application/pdf");
        assert_eq!(doc.file_name, "261204-ABCD1234-labels.pdf");
        let p = pages(&doc.bytes);
        assert_eq!(p.len(), 6, "2 + 3 + 1 pieces");
        assert!(p.iter().all(|s| close(*s, size)), "{p:?}");
    }
    let doc = labels(&order(&c), &settings(LabelFormat::A6, OutputKind::Pdf, 1)).unwrap();
    let first = page_text(&doc.bytes, 1);
    assert!(
        first.contains("261204-ABCD1234") && first.contains("1 of 5"),
        "{first}"
    );
    assert!(
        first.contains("M\u{fc}ller & S\u{f6}hne GmbH"),
        "Latin-1 kept: {first}"
    );
    assert!(first.contains("261204-ABCD1234-1-001"), "{first}");
    let fourth = page_text(&doc.bytes, 4);
    assert!(
        fourth.contains("ADR UN 1263") && fourth.contains("4 of 5"),
        "{fourth}"
    );
    let last = page_text(&doc.bytes, 6);
    assert!(
        last.contains("1 of 1") && last.contains("Krak\u{f3}w Hub"),
        "{last}"
    );
}

#[test]
fn a4_sheets_hold_four_labels_and_copies_repeat_them() {
    let c = content();
    let doc = labels(&order(&c), &settings(LabelFormat::A4, OutputKind::Pdf, 1)).unwrap();
    let p = pages(&doc.bytes);
    assert_eq!(p.len(), 2, "6 labels, 4 to a sheet");
    assert!(p.iter().all(|s| close(*s, (210.0, 297.0))), "{p:?}");
    let doc = labels(&order(&c), &settings(LabelFormat::A6, OutputKind::Pdf, 2)).unwrap();
    assert_eq!(pages(&doc.bytes).len(), 12);
    assert!(
        page_text(&doc.bytes, 2).contains("1 of 5"),
        "copies are adjacent"
    );
}

#[test]
fn the_cmr_has_a_page_per_consignment_in_the_paper_size() {
    let c = content();
    for (paper, size) in [
        (DocumentFormat::A4, (210.0, 297.0)),
        (DocumentFormat::Letter, (215.9, 279.4)),
        (DocumentFormat::A5, (148.0, 210.0)),
    ] {
        let doc = cmr(&order(&c), paper);
        let p = pages(&doc.bytes);
        assert_eq!(p.len(), 2);
        assert!(p.iter().all(|s| close(*s, size)), "{paper:?}: {p:?}");
        // Every box keeps its title at every scale.
        let text = page_text(&doc.bytes, 2);
        for n in 1..=24 {
            assert!(text.contains(&format!("\n{n} ")), "{paper:?}: box {n}");
        }
    }
    let doc = cmr(&order(&c), DocumentFormat::A4);
    assert_eq!(doc.file_name, "261204-ABCD1234-cmr.pdf");
    let text = page_text(&doc.bytes, 1);
    for needle in [
        "1 Sender",
        "2 Consignee",
        "16 Carrier",
        "24 Goods received",
        "M\u{fc}ller & S\u{f6}hne GmbH",
        "ACME Transport",
        "Alpha Foods",
        "Ring at gate 4",
        "consignment 1 of 2",
    ] {
        assert!(text.contains(needle), "{needle} missing: {text}");
    }
    for n in 1..=24 {
        assert!(text.contains(&format!("\n{n} ")), "box {n} missing");
    }
}

#[test]
fn zpl_has_a_block_per_label_and_no_injected_commands() {
    let c = content();
    let doc = labels(
        &order(&c),
        &settings(LabelFormat::FourBySixIn, OutputKind::Zpl, 2),
    )
    .unwrap();
    assert_eq!(doc.content_type, "text/plain; charset=utf-8");
    assert_eq!(doc.file_name, "261204-ABCD1234-labels.zpl");
    let zpl = String::from_utf8(doc.bytes).unwrap();
    assert_eq!(zpl.matches("^XA").count(), 12, "6 pieces, 2 copies");
    assert_eq!(zpl.matches("^XZ").count(), 12);
    assert_eq!(zpl.matches("^BCN").count(), 12);
    assert!(
        zpl.contains("^PW813") && zpl.contains("^LL1219"),
        "4x6in at 8 dots/mm"
    );
    assert!(zpl.contains("^FD261204-ABCD1234-1-003^FS"));
    // The goods text "Paint ^XA~JR" cannot start a label or a command.
    assert!(zpl.contains("Paint  XA JR"), "{zpl}");
    assert!(!zpl.contains("~"));
    assert!(zpl.contains("München"), "UTF-8 text (^CI28)");
    assert_eq!(
        labels(&order(&c), &settings(LabelFormat::A4, OutputKind::Zpl, 1)),
        Err(DocumentError::ZplNeedsThermalFormat)
    );
}

#[test]
fn huge_orders_are_refused() {
    let big = OrderContent::new(OrderContentInput {
        customer_reference: None,
        consignments: vec![ConsignmentInput {
            pickup: stop("A", "Hamburg", 5),
            delivery: stop("B", "Berlin", 6),
            goods: vec![goods("Boxes", 1500, false)],
        }],
        notes: None,
    })
    .unwrap();
    let e = labels(&order(&big), &settings(LabelFormat::A6, OutputKind::Pdf, 2)).unwrap_err();
    assert_eq!(e, DocumentError::TooManyLabels(3000));
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let c = content();
    let o = order(&c);
    for output in [OutputKind::Pdf, OutputKind::Zpl] {
        let s = settings(LabelFormat::A6, output, 2);
        assert_eq!(labels(&o, &s).unwrap(), labels(&o, &s).unwrap());
    }
    for paper in [
        DocumentFormat::A4,
        DocumentFormat::A5,
        DocumentFormat::Letter,
    ] {
        assert_eq!(cmr(&o, paper), cmr(&o, paper));
    }
}

#[test]
fn code_128_bars_match_the_symbology() {
    use barcoders::sym::code128::Code128;
    // Start B (11010010000), "A" (10100011000), checksum (104 + 33) % 103 = 34 → "a"…
    let bars = Code128::new("ƁA").unwrap().encode();
    let s: String = bars.iter().map(|b| char::from(b'0' + b)).collect();
    assert!(s.starts_with("1101001000010100011000"), "{s}");
    assert!(s.ends_with("1100011101011"), "stop pattern: {s}");
}

/// Writes sample documents to `$PORTAL_DOCS_SAMPLES` (a folder) for a look; nothing otherwise.
#[test]
fn samples_for_a_look() {
    let Ok(dir) = std::env::var("PORTAL_DOCS_SAMPLES") else {
        return;
    };
    let c = content();
    let o = order(&c);
    let write = |name: &str, bytes: &[u8]| std::fs::write(format!("{dir}/{name}"), bytes).unwrap();
    write(
        "a6.pdf",
        &labels(&o, &settings(LabelFormat::A6, OutputKind::Pdf, 1))
            .unwrap()
            .bytes,
    );
    write(
        "a4.pdf",
        &labels(&o, &settings(LabelFormat::A4, OutputKind::Pdf, 1))
            .unwrap()
            .bytes,
    );
    write("cmr.pdf", &cmr(&o, DocumentFormat::A4).bytes);
    let one = OrderContent::new(OrderContentInput {
        customer_reference: Some("PO-77".into()),
        consignments: vec![ConsignmentInput {
            pickup: stop("Alpha Foods Depot", "Hamburg", 5),
            delivery: stop("Müller & Söhne GmbH", "München", 6),
            goods: vec![goods("Tiles", 2, false), goods("Paint, flammable", 3, true)],
        }],
        notes: Some("Call before delivery".into()),
    })
    .unwrap();
    write("cmr-one.pdf", &cmr(&order(&one), DocumentFormat::A4).bytes);
    let mut lines = vec![
        goods("Книги и журналы (Cyrillic)", 2, false),
        goods("Βιβλία (Greek) · كتب عربية · gifts 📦", 1, false),
    ];
    lines.extend((1..=28).map(|i| goods(&format!("Article {i:02} assorted goods"), 1, i % 9 == 0)));
    let many = stored(OrderContentInput {
        customer_reference: Some("PO-4711".into()),
        consignments: vec![ConsignmentInput {
            pickup: stop("Alpha Foods Depot", "Hamburg", 5),
            delivery: stop("Σπύρος Παπαδόπουλος ΑΕ", "Θεσσαλονίκη", 6),
            goods: lines,
        }],
        notes: None,
    });
    write(
        "cmr-annex.pdf",
        &cmr(&order(&many), DocumentFormat::A4).bytes,
    );
    write(
        "a6-unicode.pdf",
        &labels(
            &order(&many),
            &settings(LabelFormat::A6, OutputKind::Pdf, 1),
        )
        .unwrap()
        .bytes,
    );
    write("cmr-a5.pdf", &cmr(&o, DocumentFormat::A5).bytes);
}
