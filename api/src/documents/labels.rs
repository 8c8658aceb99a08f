//! Shipping labels as PDF: one label per page on A6 (105 × 148 mm) and 4×6 in (101.6 × 152.4 mm)
//! label stock, four A6 labels to an A4 sheet (2 × 2, cut lines between them).
//!
//! A label shows, top to bottom: the carrier and the order number; the consignee (the delivery
//! stop's address) in large type; the sender (pickup); the stop reference (or the order's); the
//! delivery date; the goods line with its packaging and weight per piece; the ADR marking of
//! dangerous goods; "n of N"; the Code 128 barcode with its text.

use super::pdf::{Canvas, Page, Weight, fit};
use super::{
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
    let reference = piece.reference(order.content).unwrap_or("—");
    line(page, m + 60.0, 7.0, Weight::Regular, "REFERENCE");
    line(page, m + 65.0, 10.0, Weight::Bold, reference);
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
    if let Some(adr) = adr_text(g) {
        line(page, m + 95.0, 10.0, Weight::Bold, &format!("ADR {adr}"));
    }
    line(
        page,
        m + 106.0,
        20.0,
        Weight::Bold,
        &format!("{} of {}", piece.n, piece.total),
    );
    line(
        page,
        m + 111.0,
        7.0,
        Weight::Regular,
        &format!("consignment {}", piece.consignment),
    );
    let data = piece.barcode(order.number);
    barcode(page, &data, (x, y0 + h - m - 26.0, inner, 20.0));
    page.text(x, y0 + h - m - 2.0, 9.0, Weight::Regular, &data);
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
