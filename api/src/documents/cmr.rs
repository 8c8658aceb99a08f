//! The CMR consignment note (Convention on the Contract for the International Carriage of Goods
//! by Road): the 24 numbered boxes, filled from the order, one page per consignment.
//!
//! The layout is drawn in a 190 × 277 mm design space (A4 less 10 mm margins) and scaled to the
//! paper: A4 as drawn, Letter and A5 scaled to fit, centred. Boxes the portal has nothing for
//! (documents attached, statistical number, reservations, signatures, …) stay empty for the
//! people who fill them by hand.

use super::pdf::{Canvas, Page, Weight, fit};
use super::{Document, DocumentOrder, adr_text, file_stem};
use portal_domain::printer::DocumentFormat;
use portal_domain::values::{Address, Consignment};
use time::macros::format_description;

const DESIGN_W: f32 = 190.0;
const DESIGN_H: f32 = 277.0;

/// Paper size in mm.
pub fn paper_size(paper: DocumentFormat) -> (f32, f32) {
    match paper {
        DocumentFormat::A4 => (210.0, 297.0),
        DocumentFormat::A5 => (148.0, 210.0),
        DocumentFormat::Letter => (215.9, 279.4),
    }
}

/// A page with the design space mapped onto it.
struct Sheet<'p> {
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
    fn boxed(&mut self, (x, y, w, h): (f32, f32, f32, f32), number: &str, title: &str, body: &str) {
        let (bx, by, bw, bh) = self.b(x, y, w, h);
        self.page.frame(bx, by, bw, bh, 0.25);
        let s = self.scale;
        let heading = if number.is_empty() {
            title.to_owned()
        } else {
            format!("{number}  {title}")
        };
        self.page.text_in(
            (bx + 1.2 * s, by + 0.6 * s, bw - 2.4 * s, 3.6 * s),
            6.0 * s,
            Weight::Regular,
            &heading,
        );
        if !body.is_empty() {
            self.page.text_in(
                (bx + 1.2 * s, by + 4.4 * s, bw - 2.4 * s, bh - 5.0 * s),
                8.5 * s,
                Weight::Regular,
                body,
            );
        }
    }

    fn text(&mut self, x: f32, y: f32, size: f32, weight: Weight, text: &str) {
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
    let mut canvas = Canvas::default();
    let count = order.content.consignments().len();
    for (i, c) in order.content.consignments().iter().enumerate() {
        let page = canvas.page(pw, ph);
        let mut sheet = Sheet {
            page,
            scale,
            ox: (pw - DESIGN_W * scale) / 2.0,
            oy: (ph - DESIGN_H * scale) / 2.0,
        };
        note(&mut sheet, order, c, (i + 1, count));
    }
    Document {
        content_type: "application/pdf",
        file_name: format!("{}-cmr.pdf", file_stem(order.number)),
        bytes: canvas.finish(),
    }
}

fn note(s: &mut Sheet<'_>, order: &DocumentOrder<'_>, c: &Consignment, (n, of): (usize, usize)) {
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
    s.text(
        half + 10.0,
        5.0,
        10.0,
        Weight::Bold,
        &format!("Order {}  ·  consignment {n} of {of}", order.number),
    );
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

    // Boxes 6–12: one row per goods line.
    let cols: [(&str, &str, f32); 7] = [
        ("6", "Marks and numbers", 30.0),
        ("7", "Number of packages", 20.0),
        ("8", "Method of packing", 25.0),
        ("9", "Nature of the goods", 60.0),
        ("10", "Statistical number", 19.0),
        ("11", "Gross weight kg", 18.0),
        ("12", "Volume m³", 18.0),
    ];
    let table_h = 74.0;
    let mut x = 0.0;
    let marks = delivery
        .reference()
        .or(order.content.customer_reference())
        .unwrap_or("");
    let goods = c.goods();
    let rows_fit = 12;
    let mut bodies: [String; 7] = Default::default();
    for (i, g) in goods.iter().take(rows_fit).enumerate() {
        let nature = match adr_text(g) {
            Some(adr) => format!("{} (ADR {adr})", g.description()),
            None => g.description().to_string(),
        };
        let cells = [
            if i == 0 {
                marks.to_owned()
            } else {
                String::new()
            },
            g.quantity().to_string(),
            g.packaging().as_str().replace('_', " "),
            nature,
            String::new(),
            format!("{:.1}", g.weight_kg()),
            g.volume_m3().map(|v| format!("{v:.2}")).unwrap_or_default(),
        ];
        // One line per goods line in every column, so the rows stay aligned.
        for ((body, cell), (_, _, w)) in bodies.iter_mut().zip(cells).zip(cols.iter()) {
            body.push_str(&fit(&cell, w - 2.4, 8.5, Weight::Regular));
            body.push('\n');
        }
    }
    if goods.len() > rows_fit {
        bodies[3].push_str(&format!(
            "… and {} more lines (see the order)",
            goods.len() - rows_fit
        ));
    }
    let total_weight: f64 = goods.iter().map(|g| g.weight_kg()).sum();
    bodies[5].push_str(&format!("total {total_weight:.1}"));
    for ((number, title, w), body) in cols.iter().zip(bodies.iter()) {
        s.boxed((x, y, *w, table_h), number, title, body);
        x += w;
    }
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
            order.submitted_at.date().format(day).unwrap_or_default()
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
}
