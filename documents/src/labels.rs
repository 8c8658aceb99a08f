//! Shipping labels as PDF: one label per page on A6 (105 × 148 mm) and 4×6 in (101.6 × 152.4 mm)
//! label stock, four A6 labels to an A4 sheet (2 × 2, cut lines between them).
//!
//! A label shows, top to bottom: the carrier and the order number; the consignee (the delivery
//! stop's address) in large type; the sender (pickup); the customer's PO (the order's reference)
//! and the delivery stop's reference; the delivery date; the goods line with its packaging and
//! weight per piece; for dangerous goods the ADR marking and a hazard diamond with the class;
//! "n of N"; the Code 128 barcode with its text.

use crate::pdf::{Canvas, Page, Weight, fit, wrap};
use crate::{
    Document, DocumentError, DocumentOrder, LabelSettings, Piece, adr_text, file_stem, pieces,
};
use barcoders::sym::code128::Code128;
use portal_domain::printer::LabelFormat;
use time::macros::format_description;

/// Width and height in mm of one label of `format` (an A4 sheet holds four A6 labels).
pub fn label_size(format: LabelFormat) -> (f32, f32) {
    match format {
        LabelFormat::A6 | LabelFormat::A4 => (105.0, 148.0),
        LabelFormat::FourBySixIn => (101.6, 152.4),
    }
}

/// Page size in mm of `format`.
pub fn page_size(format: LabelFormat) -> (f32, f32) {
    match format {
        LabelFormat::A4 => (210.0, 297.0),
        other => label_size(other),
    }
}

pub fn render(
    order: &DocumentOrder<'_>,
    settings: &LabelSettings,
) -> Result<Document, DocumentError> {
    let all = pieces(order.content, settings.copies)?;
    let (pw, ph) = page_size(settings.format);
    let per_page = if settings.format == LabelFormat::A4 {
        4
    } else {
        1
    };
    let mut canvas = Canvas::default();
    for chunk in all.chunks(per_page) {
        let page = canvas.page(pw, ph);
        for (slot, piece) in chunk.iter().enumerate() {
            let (x, y) = if per_page == 4 {
                (105.0 * (slot % 2) as f32, 148.5 * (slot / 2) as f32)
            } else {
                (0.0, 0.0)
            };
            let (w, h) = label_size(settings.format);
            label(page, order, piece, (x, y, w, h));
        }
        if per_page == 4 {
            // Cut lines.
            page.rule(0.0, 148.5, 210.0, 0.1);
            page.frame(105.0, 0.0, 0.0, 297.0, 0.1);
        }
    }
    Ok(Document {
        content_type: "application/pdf",
        file_name: format!("{}-labels.pdf", file_stem(order.number)),
        bytes: canvas.finish(),
    })
}

fn label(
    page: &mut Page,
    order: &DocumentOrder<'_>,
    piece: &Piece<'_>,
    area: (f32, f32, f32, f32),
) {
    let (x0, y0, w, h) = area;
    let m = 5.0;
    let (x, inner) = (x0 + m, w - 2.0 * m);
    let day = format_description!("[day].[month].[year]");
    let c = piece.of_consignment;
    let to = c.delivery().address();
    let line = |page: &mut Page, y: f32, size: f32, weight: Weight, text: &str| {
        page.text(x, y0 + y, size, weight, &fit(text, inner, size, weight));
    };
    line(page, m + 3.0, 8.0, Weight::Regular, order.carrier_name);
    line(page, m + 10.5, 16.0, Weight::Bold, order.number);
    page.rule(x, y0 + m + 13.5, inner, 0.3);
    line(page, m + 18.0, 7.0, Weight::Regular, "TO / CONSIGNEE");
    line(page, m + 24.0, 14.0, Weight::Bold, to.name().as_str());
    line(page, m + 30.0, 11.0, Weight::Regular, to.street());
    line(
        page,
        m + 36.0,
        12.0,
        Weight::Bold,
        &format!("{} {}", to.postal_code(), to.city()),
    );
    line(page, m + 42.0, 11.0, Weight::Regular, to.country().as_str());
    page.rule(x, y0 + m + 45.0, inner, 0.3);
    line(page, m + 49.0, 7.0, Weight::Regular, "FROM / SENDER");
    line(page, m + 54.0, 9.0, Weight::Regular, &piece.sender_line());
    // The customer's PO (the order's reference) and the delivery stop's own reference.
    let half = inner / 2.0;
    let column = |page: &mut Page, dx: f32, y: f32, size: f32, weight: Weight, text: &str| {
        let shown = fit(text, half - 2.0, size, weight);
        page.text(x + dx, y0 + y, size, weight, &shown);
    };
    column(
        page,
        0.0,
        m + 60.0,
        7.0,
        Weight::Regular,
        "PO / CUSTOMER REFERENCE",
    );
    let po = order.content.customer_reference().unwrap_or("—");
    column(page, 0.0, m + 65.0, 10.0, Weight::Bold, po);
    column(page, half, m + 60.0, 7.0, Weight::Regular, "STOP REFERENCE");
    let stop_ref = c.delivery().reference().unwrap_or("—");
    column(page, half, m + 65.0, 10.0, Weight::Bold, stop_ref);
    line(page, m + 71.0, 7.0, Weight::Regular, "DELIVERY");
    line(
        page,
        m + 76.0,
        10.0,
        Weight::Bold,
        &c.delivery().date().format(day).unwrap_or_default(),
    );
    page.rule(x, y0 + m + 79.0, inner, 0.3);
    let g = piece.goods;
    line(page, m + 84.5, 10.0, Weight::Bold, g.description().as_str());
    line(
        page,
        m + 89.5,
        9.0,
        Weight::Regular,
        &format!(
            "{} · {:.1} kg per piece",
            g.packaging().as_str().replace('_', " "),
            g.weight_kg() / f64::from(g.quantity().max(1))
        ),
    );
    if let (Some(adr), Some(text)) = (g.adr(), adr_text(g)) {
        // The hazard diamond on the right, the ADR marking wrapped beside it.
        let r = 9.0;
        let (cx, cy) = (x + inner - r, y0 + m + 101.0);
        hazard_diamond(page, (cx, cy), r, adr.class().as_str());
        let lines = wrap(
            &format!("ADR {text}"),
            inner - 2.0 * r - 3.0,
            9.0,
            Weight::Bold,
        );
        for (i, l) in lines.iter().take(2).enumerate() {
            page.text(x, y0 + m + 94.5 + 3.6 * i as f32, 8.5, Weight::Bold, l);
        }
    }
    line(
        page,
        m + 108.5,
        20.0,
        Weight::Bold,
        &format!("{} of {}", piece.n, piece.total),
    );
    line(
        page,
        m + 112.5,
        7.0,
        Weight::Regular,
        &format!("consignment {}", piece.consignment),
    );
    let data = piece.barcode(order.number);
    barcode(page, &data, (x, y0 + h - m - 23.5, inner, 18.0));
    page.text(x, y0 + h - m - 2.0, 9.0, Weight::Regular, &data);
}

/// A dangerous-goods diamond (a square on its point, `r` mm from centre to corner, with an inner
/// border) with the hazard class in its lower half, as on ADR placards.
fn hazard_diamond(page: &mut Page, (cx, cy): (f32, f32), r: f32, class: &str) {
    let diamond = |r: f32| [(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)];
    page.polygon(&diamond(r), 0.5);
    page.polygon(&diamond(r - 1.2), 0.2);
    page.text_centred(cx, cy + r * 0.55, 12.0, Weight::Bold, class);
}

/// Code 128 (set B) bars of `data` across the box, with quiet zones of 10 modules.
fn barcode(page: &mut Page, data: &str, area: (f32, f32, f32, f32)) {
    let (x, y, w, h) = area;
    let Ok(code) = Code128::new(format!("Ɓ{data}")) else {
        // Only printable ASCII reaches here (see `Piece::barcode`); print the text alone.
        return;
    };
    let modules = code.encode();
    let module = w / (modules.len() as f32 + 20.0);
    let mut i = 0;
    while i < modules.len() {
        if modules[i] == 1 {
            let start = i;
            while i < modules.len() && modules[i] == 1 {
                i += 1;
            }
            page.bar(
                x + module * (10.0 + start as f32),
                y,
                module * (i - start) as f32,
                h,
            );
        } else {
            i += 1;
        }
    }
}
