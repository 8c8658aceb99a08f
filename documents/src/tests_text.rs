//! What the PDFs print, read back through the fonts' `ToUnicode` maps: the whole ADR line,
//! Greek, Cyrillic and Arabic text, a visible replacement for characters the font lacks, no cut
//! goods lines, annex pages; wrapping, visual order, the embedded fonts and the document size.
#![allow(clippy::unwrap_used)]

use crate::fonts::{self, REPLACEMENT, Weight};
use crate::test_pdf::{page_count, page_text};
use crate::tests::{content, goods, order, settings, stop, stored};
use crate::text::{visual, width_mm, wrap};
use crate::*;
use portal_domain::values::{ConsignmentInput, GoodsInput, OrderContentInput};

/// One consignment with `goods`, delivered to `consignee` in `city`, read as from a stored event:
/// input refuses text the documents cannot print, but events written before that rule may hold
/// any, and the documents must still show it as well as they can.
fn one(consignee: &str, city: &str, goods: Vec<GoodsInput>) -> OrderContent {
    stored(OrderContentInput {
        customer_reference: Some("PO-4711".into()),
        consignments: vec![ConsignmentInput {
            pickup: stop("Alpha Foods Depot", "Hamburg", 5),
            delivery: stop(consignee, city, 6),
            goods,
        }],
        notes: None,
    })
}

/// The page's text with line breaks as spaces (a wrapped cell reads as one line).
fn flat(bytes: &[u8], page: u32) -> String {
    page_text(bytes, page).replace('\n', " ")
}

#[test]
fn the_cmr_prints_the_whole_adr_transport_line() {
    let c = one(
        "Müller & Söhne GmbH",
        "München",
        vec![goods("Paint, flammable", 3, true)],
    );
    let doc = cmr(&order(&c), DocumentFormat::A4);
    let text = flat(&doc.bytes, 1);
    assert!(
        text.contains("UN 1263 Paint, flammable, 3, II, (D/E)"),
        "{text}"
    );
    assert!(!text.contains('…'), "nothing shortened: {text}");
    assert_eq!(page_count(&doc.bytes), 1, "no annex for one line");
    assert!(!text.contains("continued on annex"));
}

#[test]
fn greek_cyrillic_and_arabic_print_as_letters_and_emoji_as_a_visible_replacement() {
    let c = one(
        "Σπύρος Παπαδόπουλος ΑΕ",
        "Θεσσαλονίκη",
        vec![
            goods("Книги и журналы", 2, false),
            goods("كتب عربية", 1, false),
            goods("Gifts 📦 fragile ❤\u{FE0F}", 1, false),
        ],
    );
    let doc = cmr(&order(&c), DocumentFormat::A4);
    let text = flat(&doc.bytes, 1);
    for needle in ["Σπύρος Παπαδόπουλος ΑΕ", "Θεσσαλονίκη", "Книги и журналы"]
    {
        assert!(text.contains(needle), "{needle} missing: {text}");
    }
    // Right-to-left words are stored in visual order: reversed back, they read as typed.
    assert!(text.contains(&visual("كتب عربية")), "{text}");
    assert!(
        text.contains(&format!("Gifts {REPLACEMENT} fragile ❤ ")),
        "{text}"
    );
    assert!(!text.contains('?'), "no silent question marks: {text}");

    let labels = labels(&order(&c), &settings(LabelFormat::A6, OutputKind::Pdf, 1)).unwrap();
    let first = flat(&labels.bytes, 1);
    assert!(
        first.contains("Σπύρος") && first.contains("Книги"),
        "{first}"
    );
}

#[test]
fn a_long_goods_description_wraps_inside_box_9_and_is_printed_whole() {
    let long = "Spare parts for agricultural machinery: gearboxes, drive shafts, hydraulic \
                cylinders and pumps, packed in wooden crates with moisture protection";
    let c = one("Kraków Hub", "Kraków", vec![goods(long, 1, false)]);
    let doc = cmr(&order(&c), DocumentFormat::A4);
    let text = flat(&doc.bytes, 1);
    assert!(text.contains(long), "{text}");
    let lines = wrap(long, 60.0 - 2.4, 8.5, Weight::Regular);
    assert!(lines.len() > 2, "{lines:?}");
}

#[test]
fn thirty_goods_lines_continue_on_an_annex_page() {
    let lines: Vec<GoodsInput> = (1..=30)
        .map(|i| goods(&format!("Article {i:02} assorted goods"), 1, i % 10 == 0))
        .collect();
    let c = one("Kraków Hub", "Kraków", lines);
    let doc = cmr(&order(&c), DocumentFormat::A4);
    let pages = page_count(&doc.bytes);
    assert!(pages >= 2, "an annex page follows the note");
    let note = flat(&doc.bytes, 1);
    assert!(note.contains("continued on annex"), "{note}");
    let annex = flat(&doc.bytes, 2);
    assert!(
        annex.contains("Annex to the CMR consignment note")
            && annex.contains("Order 261204-ABCD1234")
            && annex.contains("consignment 1 of 1")
            && annex.contains("annex page 1 of"),
        "{annex}"
    );
    let all: String = (1..=u32::try_from(pages).unwrap())
        .map(|p| flat(&doc.bytes, p))
        .collect::<Vec<_>>()
        .join(" ");
    for i in 1..=30 {
        let needle = format!("Article {i:02} assorted goods");
        assert_eq!(all.matches(&needle).count(), 1, "{needle} once: {all}");
    }
    assert!(all.contains("UN 1263 Article 30 assorted goods, 3, II, (D/E)"));
}

#[test]
fn several_consignments_keep_their_annexes_after_their_own_note() {
    let doc = cmr(&order(&content()), DocumentFormat::A5);
    assert_eq!(page_count(&doc.bytes), 2);
}

#[test]
fn wrapping_keeps_every_character() {
    let word = "Donaudampfschifffahrtsgesellschaftskapitänskajüte";
    let lines = wrap(&format!("a {word} b"), 20.0, 10.0, Weight::Bold);
    assert!(lines.len() > 2, "{lines:?}");
    assert_eq!(lines.concat().replace(' ', ""), format!("a{word}b"));
    for line in &lines {
        assert!(width_mm(line, 10.0, Weight::Bold) <= 20.0, "{line}");
    }
}

#[test]
fn right_to_left_runs_are_reversed_and_numbers_keep_their_order() {
    assert_eq!(visual("Hamburg"), "Hamburg");
    assert_eq!(visual("abc שלום xyz"), "abc םולש xyz");
    assert_eq!(visual("ש 12 ל"), "ל 12 ש");
}

#[test]
fn both_fonts_parse_and_lack_emoji() {
    for w in Weight::ALL {
        let face = fonts::face(w).unwrap();
        assert_ne!(fonts::glyph(face, 'Ω').0, fonts::glyph(face, '📦').0);
        assert_eq!(fonts::glyph(face, '📦').1, REPLACEMENT);
        assert_eq!(fonts::glyph(face, 'ж').1, 'ж');
        assert_eq!(fonts::glyph(face, '\t').1, ' ');
    }
}

#[test]
fn every_character_input_accepts_has_a_glyph_in_both_fonts() {
    for w in Weight::ALL {
        let face = fonts::face(w).unwrap();
        for &(lo, hi) in portal_domain::values::PRINTABLE_RANGES {
            for c in (lo..=hi).filter_map(char::from_u32) {
                assert_eq!(
                    fonts::glyph(face, c).1,
                    c,
                    "U+{:04X} in {w:?}",
                    u32::from(c)
                );
            }
        }
    }
}

#[test]
fn a_one_page_cmr_embeds_only_a_font_subset() {
    let c = one(
        "Müller & Söhne GmbH",
        "München",
        vec![goods("Tiles", 2, false), goods("Paint, flammable", 3, true)],
    );
    let doc = cmr(&order(&c), DocumentFormat::A4);
    // The whole fonts are 1.4 MB; the subsets of one note's glyphs a small fraction of that.
    assert!(doc.bytes.len() < 60_000, "{} bytes", doc.bytes.len());
}

#[test]
fn labels_show_the_po_and_a_hazard_class_for_dangerous_goods() {
    let c = content();
    let doc = labels(&order(&c), &settings(LabelFormat::A6, OutputKind::Pdf, 1)).unwrap();
    let plain = page_text(&doc.bytes, 1);
    assert!(
        plain.contains("PO-77") && plain.contains("REF-9"),
        "{plain}"
    );
    assert!(
        !plain.lines().any(|l| l == "3"),
        "no diamond on tiles: {plain}"
    );
    let dangerous = page_text(&doc.bytes, 3);
    assert!(dangerous.contains("ADR UN 1263"), "{dangerous}");
    assert!(
        dangerous.lines().any(|l| l == "3"),
        "the class in the diamond: {dangerous}"
    );
    let zpl = labels(&order(&c), &settings(LabelFormat::A6, OutputKind::Zpl, 1)).unwrap();
    let zpl = String::from_utf8(zpl.bytes).unwrap();
    assert!(zpl.contains("^FDPO: PO-77  Ref: REF-9^FS"), "{zpl}");
    assert_eq!(
        zpl.matches("^GB140,110,6^FS").count(),
        3,
        "a box per dangerous piece"
    );
    assert!(zpl.contains("^FB140,1,0,C^FD3^FS"), "{zpl}");
    assert!(zpl.contains("^CI28"), "UTF-8 text");
    assert!(
        zpl.contains("^FDADR UN 1263 · class 3 · PG II · tunnel^FS") && zpl.contains("^FD(D/E)^FS"),
        "the marking breaks between words: {zpl}"
    );
}
