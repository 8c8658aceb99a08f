//! The CMR consignment note (Convention on the Contract for the International Carriage of Goods
//! by Road): the 24 numbered boxes, filled from the order, one page per consignment.
//!
//! The layout is drawn in a 190 × 277 mm design space (A4 less 10 mm margins) and scaled to the
//! paper: A4 as drawn, Letter and A5 scaled to fit, centred. Boxes the portal has nothing for
//! (documents attached, statistical number, reservations, signatures, …) stay empty for the
//! people who fill them by hand.

use crate::cmr_goods;
use crate::pdf::{Canvas, Page, Weight, width_mm, wrap};
use crate::{Document, DocumentOrder, file_stem};
use portal_domain::printer::DocumentFormat;
use portal_domain::values::{Address, Consignment};
use time::macros::format_description;

pub(crate) const DESIGN_W: f32 = 190.0;
pub(crate) const DESIGN_H: f32 = 277.0;
/// Size of the box titles.
const HEADING_PT: f32 = 6.0;

/// Height in design mm of a box title of `lines` lines.
pub(crate) fn heading_height(lines: usize) -> f32 {
    lines as f32 * Page::leading(HEADING_PT) + 0.6
}

/// Paper size in mm.
pub fn paper_size(paper: DocumentFormat) -> (f32, f32) {
    match paper {
        DocumentFormat::A4 => (210.0, 297.0),
        DocumentFormat::A5 => (148.0, 210.0),
        DocumentFormat::Letter => (215.9, 279.4),
    }
}

/// A page with the design space mapped onto it.
pub(crate) struct Sheet<'p> {
    page: &'p mut Page,
    scale: f32,
    ox: f32,
    oy: f32,
}

impl Sheet<'_> {
    fn b(&self, x: f32, y: f32, w: f32, h: f32) -> (f32, f32, f32, f32) {
        (
            self.ox + x * self.scale,
            self.oy + y * self.scale,
            w * self.scale,
            h * self.scale,
        )
    }

    /// Two boxes side by side, each half the width, at `*y`, `h` high; moves `*y` below them.
    /// A box is `(number, title, body)`.
    fn pair(
        &mut self,
        y: &mut f32,
        h: f32,
        left: (&str, &str, String),
        right: (&str, &str, String),
    ) {
        let half = DESIGN_W / 2.0;
        self.boxed((0.0, *y, half, h), left.0, left.1, &left.2);
        self.boxed((half, *y, half, h), right.0, right.1, &right.2);
        *y += h;
    }

    /// A numbered box with its title and content.
    pub(crate) fn boxed(
        &mut self,
        (x, y, w, h): (f32, f32, f32, f32),
        number: &str,
        title: &str,
        body: &str,
    ) {
        let (bx, by, bw, bh) = self.b(x, y, w, h);
        self.page.frame(bx, by, bw, bh, 0.25);
        let s = self.scale;
        let heading = if number.is_empty() {
            title.to_owned()
        } else {
            format!("{number}  {title}")
        };
        // Narrow boxes take their title on two lines; the body starts below it.
        let lines = wrap(&heading, w - 2.4, HEADING_PT, Weight::Regular)
            .len()
            .clamp(1, 2);
        let head_h = heading_height(lines);
        self.page.text_in(
            (bx + 1.2 * s, by + 0.6 * s, bw - 2.4 * s, head_h * s + 0.5),
            HEADING_PT * s,
            Weight::Regular,
            &heading,
        );
        if !body.is_empty() {
            let top = 0.6 + head_h + 0.2;
            self.page.text_in(
                (
                    bx + 1.2 * s,
                    by + top * s,
                    bw - 2.4 * s,
                    bh - (top + 0.6) * s,
                ),
                8.5 * s,
                Weight::Regular,
                body,
            );
        }
    }

    pub(crate) fn text(&mut self, x: f32, y: f32, size: f32, weight: Weight, text: &str) {
        let (px, py, _, _) = self.b(x, y, 0.0, 0.0);
        self.page.text(px, py, size * self.scale, weight, text);
    }
}

fn address(a: &Address) -> String {
    let mut s = format!(
        "{}\n{}\n{} {}\n{}",
        a.name(),
        a.street(),
        a.postal_code(),
        a.city(),
        a.country().as_str()
    );
    if let Some(c) = a.contact_name() {
        s.push_str(&format!("\nContact: {c}"));
    }
    if let Some(p) = a.contact_phone() {
        s.push_str(&format!(" {p}"));
    }
    s
}

pub fn render(order: &DocumentOrder<'_>, paper: DocumentFormat) -> Document {
    let (pw, ph) = paper_size(paper);
    let scale = ((pw - 20.0) / DESIGN_W).min((ph - 20.0) / DESIGN_H);
    let (ox, oy) = ((pw - DESIGN_W * scale) / 2.0, (ph - DESIGN_H * scale) / 2.0);
    let mut canvas = Canvas::default();
    let count = order.content.consignments().len();
    for (i, c) in order.content.consignments().iter().enumerate() {
        let rows = cmr_goods::rows(order, c);
        let mut sheet = Sheet {
            page: canvas.page(pw, ph),
            scale,
            ox,
            oy,
        };
        let mut rest = note(&mut sheet, order, c, (i + 1, count), &rows);
        let pages = cmr_goods::annex_pages(rest);
        for page in 1..=pages {
            let mut sheet = Sheet {
                page: canvas.page(pw, ph),
                scale,
                ox,
                oy,
            };
            rest = cmr_goods::annex(&mut sheet, order, (i + 1, count), (page, pages), rest);
        }
    }
    Document {
        content_type: "application/pdf",
        file_name: format!("{}-cmr.pdf", file_stem(order.number)),
        bytes: canvas.finish(),
    }
}

/// The note of consignment `n` of `of`; returns the goods rows left for annex pages.
fn note<'r>(
    s: &mut Sheet<'_>,
    order: &DocumentOrder<'_>,
    c: &Consignment,
    (n, of): (usize, usize),
    rows: &'r [cmr_goods::Row],
) -> &'r [cmr_goods::Row] {
    let day = format_description!("[day].[month].[year]");
    let pickup = c.pickup();
    let delivery = c.delivery();
    let half = DESIGN_W / 2.0;
    s.text(
        0.0,
        5.0,
        13.0,
        Weight::Bold,
        "CMR  International consignment note",
    );
    s.text(
        0.0,
        10.0,
        7.0,
        Weight::Regular,
        "Lettre de voiture internationale · Internationaler Frachtbrief",
    );
    // Right-aligned on the subtitle's line, clear of it.
    let heading = format!("Order {}  ·  consignment {n} of {of}", order.number);
    let right = DESIGN_W - width_mm(&heading, 9.0, Weight::Bold);
    s.text(right.max(half - 10.0), 10.0, 9.0, Weight::Bold, &heading);
    let mut y = 13.0;
    s.pair(
        &mut y,
        30.0,
        (
            "1",
            "Sender (name, address, country)",
            format!("{}\n{}", order.customer_name, address(pickup.address())),
        ),
        (
            "16",
            "Carrier (name, address, country)",
            order.carrier_name.to_owned(),
        ),
    );
    s.pair(
        &mut y,
        30.0,
        (
            "2",
            "Consignee (name, address, country)",
            address(delivery.address()),
        ),
        ("17", "Successive carriers", String::new()),
    );
    s.pair(
        &mut y,
        18.0,
        (
            "3",
            "Place designated for delivery of the goods",
            format!(
                "{}, {}\n{}",
                delivery.address().city(),
                delivery.address().country().as_str(),
                delivery.date().format(day).unwrap_or_default()
            ),
        ),
        (
            "18",
            "Carrier's reservations and observations",
            String::new(),
        ),
    );
    s.pair(
        &mut y,
        18.0,
        (
            "4",
            "Place and date of taking over the goods",
            format!(
                "{}, {}\n{}",
                pickup.address().city(),
                pickup.address().country().as_str(),
                pickup.date().format(day).unwrap_or_default()
            ),
        ),
        ("19", "Special agreements", String::new()),
    );
    s.pair(
        &mut y,
        12.0,
        ("5", "Documents attached", String::new()),
        (
            "",
            "Reference",
            order.content.customer_reference().unwrap_or("").to_owned(),
        ),
    );

    // Boxes 6–12: one row per goods line, the rest on annex pages.
    let table_h = 74.0;
    let rest = cmr_goods::on_note(s, y, table_h, rows, c);
    y += table_h;
    let instructions = [
        pickup.instructions(),
        delivery.instructions(),
        order.content.notes(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("\n");
    s.pair(
        &mut y,
        24.0,
        ("13", "Sender's instructions", instructions),
        ("20", "To be paid by", String::new()),
    );
    s.pair(
        &mut y,
        12.0,
        (
            "14",
            "Instructions as to payment for carriage",
            String::new(),
        ),
        ("15", "Cash on delivery", String::new()),
    );
    s.boxed(
        (0.0, y, DESIGN_W, 12.0),
        "21",
        "Established in / on",
        &format!(
            "{} on {}",
            pickup.address().city(),
            order.submitted_on.format(day).unwrap_or_default()
        ),
    );
    y += 12.0;
    let third = DESIGN_W / 3.0;
    s.boxed(
        (0.0, y, third, 28.0),
        "22",
        "Signature and stamp of the sender",
        "",
    );
    s.boxed(
        (third, y, third, 28.0),
        "23",
        "Signature and stamp of the carrier",
        "",
    );
    s.boxed(
        (2.0 * third, y, third, 28.0),
        "24",
        "Goods received: signature and stamp of the consignee",
        "",
    );
    rest
}
