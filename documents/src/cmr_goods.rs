//! Boxes 6 to 12 of the CMR note (marks, packages, packing, nature of the goods, statistical
//! number, gross weight, volume): one row per goods line, and annex pages for the lines that do
//! not fit.
//!
//! Contracts:
//! - Every cell wraps inside its column ([`wrap`] keeps every character), so no goods line is
//!   ever cut. A row is as high as its tallest cell; rows never split across pages.
//! - Box 9 of a dangerous goods line is the ADR transport-document line
//!   ([`portal_domain::values::Adr::transport_line`]), e.g. `UN 1263 Paint, flammable, 3, II,
//!   (D/E)`.
//! - The rows that do not fit the note continue on annex pages that follow the consignment's
//!   note; box 9 then ends with "continued on annex". Each annex page repeats the order number,
//!   the consignment and the page count. Box 11 of the note shows the consignment's total weight.

use crate::DocumentOrder;
use crate::cmr::{DESIGN_H, Sheet, heading_height};
use crate::pdf::{Page, Weight, width_mm, wrap};
use portal_domain::values::{Consignment, Goods};

const SIZE: f32 = 8.5;
/// Space between the rows of two goods lines, in design mm.
const ROW_GAP: f32 = 1.2;
/// Top of the first row below the box titles (two lines in the narrow columns), in design mm.
fn head() -> f32 {
    0.6 + heading_height(2) + 0.8
}

/// The columns: box number, title, width in design mm (they add up to the design width).
const COLS: [(&str, &str, f32); 7] = [
    ("6", "Marks and numbers", 30.0),
    ("7", "Number of packages", 20.0),
    ("8", "Method of packing", 25.0),
    ("9", "Nature of the goods", 60.0),
    ("10", "Statistical number", 19.0),
    ("11", "Gross weight kg", 18.0),
    ("12", "Volume m³", 18.0),
];
const NATURE: usize = 3;
const WEIGHT: usize = 5;

/// One goods line, wrapped: the lines of each cell.
pub struct Row {
    cells: [Vec<String>; 7],
}

impl Row {
    fn lines(&self) -> usize {
        self.cells.iter().map(Vec::len).max().unwrap_or(1)
    }

    fn height(&self) -> f32 {
        self.lines() as f32 * Page::leading(SIZE) + ROW_GAP
    }
}

/// Box 9's text of a goods line.
pub fn nature(g: &Goods) -> String {
    match g.adr() {
        Some(adr) => adr.transport_line(g.description().as_str()),
        None => g.description().to_string(),
    }
}

/// The rows of a consignment's goods; the marks (the delivery reference, else the order's) go
/// on the first.
pub fn rows(order: &DocumentOrder<'_>, c: &Consignment) -> Vec<Row> {
    let marks = c
        .delivery()
        .reference()
        .or(order.content.customer_reference())
        .unwrap_or("");
    c.goods()
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let texts = [
                if i == 0 {
                    marks.to_owned()
                } else {
                    String::new()
                },
                g.quantity().to_string(),
                g.packaging().as_str().replace('_', " "),
                nature(g),
                String::new(),
                format!("{:.1}", g.weight_kg()),
                g.volume_m3().map(|v| format!("{v:.2}")).unwrap_or_default(),
            ];
            let mut cells: [Vec<String>; 7] = Default::default();
            for ((cell, text), (_, _, w)) in cells.iter_mut().zip(texts).zip(COLS) {
                *cell = wrap(&text, w - 2.4, SIZE, Weight::Regular);
            }
            Row { cells }
        })
        .collect()
}

/// Draws the column boxes at `top`, `height` high, and as many of `rows` as fit above
/// `reserve` mm at the bottom (at least one, so a page always advances); returns how many.
fn table(s: &mut Sheet<'_>, top: f32, height: f32, reserve: f32, rows: &[Row]) -> usize {
    let mut x = 0.0;
    for (number, title, w) in COLS {
        s.boxed((x, top, w, height), number, title, "");
        x += w;
    }
    let bottom = top + height - reserve;
    let leading = Page::leading(SIZE);
    let mut y = top + head();
    let mut drawn = 0;
    for row in rows {
        if drawn > 0 && y + row.height() > bottom {
            break;
        }
        let mut x = 0.0;
        for (cell, (_, _, w)) in row.cells.iter().zip(COLS) {
            for (i, line) in cell.iter().enumerate() {
                let baseline = y + leading * (i as f32 + 0.8);
                s.text(x + 1.2, baseline, SIZE, Weight::Regular, line);
            }
            x += w;
        }
        y += row.height();
        drawn += 1;
    }
    drawn
}

/// Bold `text` on the bottom line of column `index`, smaller where it would not fit.
fn bottom_line(s: &mut Sheet<'_>, index: usize, baseline: f32, text: &str) {
    let room = COLS[index].2 - 2.4;
    let size = if width_mm(text, SIZE, Weight::Bold) <= room {
        SIZE
    } else {
        (SIZE * room / width_mm(text, SIZE, Weight::Bold)).max(5.0)
    };
    s.text(column_x(index) + 1.2, baseline, size, Weight::Bold, text);
}

fn column_x(index: usize) -> f32 {
    COLS.iter().take(index).map(|(_, _, w)| w).sum()
}

/// The goods boxes of the note at `top`, `height` high; returns the rows left for annexes.
pub(crate) fn on_note<'r>(
    s: &mut Sheet<'_>,
    top: f32,
    height: f32,
    rows: &'r [Row],
    c: &Consignment,
) -> &'r [Row] {
    let leading = Page::leading(SIZE);
    let drawn = table(s, top, height, leading + 1.0, rows);
    let rest = &rows[drawn.min(rows.len())..];
    let last = top + height - 1.6;
    if !rest.is_empty() {
        let note = format!("continued on annex ({} more lines)", rest.len());
        bottom_line(s, NATURE, last, &note);
    }
    let total: f64 = c.goods().iter().map(Goods::weight_kg).sum();
    bottom_line(s, WEIGHT, last, &format!("Σ {total:.1}"));
    rest
}

/// How many annex pages `rows` need.
pub fn annex_pages(rows: &[Row]) -> usize {
    let room = annex_room();
    let mut pages = 0;
    let mut left = rows;
    while !left.is_empty() {
        let mut used = 0.0;
        let mut n = 0;
        for row in left {
            if n > 0 && used + row.height() > room {
                break;
            }
            used += row.height();
            n += 1;
        }
        left = &left[n..];
        pages += 1;
    }
    pages
}

const ANNEX_TOP: f32 = 22.0;

fn annex_room() -> f32 {
    DESIGN_H - ANNEX_TOP - head() - 2.0
}

/// One annex page: its heading (order, consignment, page k of n) and the next rows; returns the
/// rows still left.
pub(crate) fn annex<'r>(
    s: &mut Sheet<'_>,
    order: &DocumentOrder<'_>,
    (n, of): (usize, usize),
    (page, pages): (usize, usize),
    rows: &'r [Row],
) -> &'r [Row] {
    s.text(
        0.0,
        5.0,
        13.0,
        Weight::Bold,
        "Annex to the CMR consignment note",
    );
    s.text(
        0.0,
        10.5,
        9.0,
        Weight::Regular,
        &format!(
            "Order {}  ·  consignment {n} of {of}  ·  annex page {page} of {pages}",
            order.number
        ),
    );
    s.text(
        0.0,
        16.0,
        7.0,
        Weight::Regular,
        "Boxes 6–12 continued: the goods lines that did not fit on the note.",
    );
    let drawn = table(s, ANNEX_TOP, DESIGN_H - ANNEX_TOP, 2.0, rows);
    &rows[drawn.min(rows.len())..]
}
