//! Printable documents of a submitted order: shipping labels (PDF, or ZPL text for Zebra-type
//! thermal printers) and the CMR consignment note (PDF), in the formats of the user's printer
//! configuration.
//!
//! Pure rendering: functions from an order ([`DocumentOrder`]) and the printer settings
//! ([`LabelSettings`], a [`DocumentFormat`] paper size) to bytes ([`Document`]). No IO, no clock,
//! no randomness, no HTTP: the same input gives the same bytes (PDFs carry no creation date and
//! no random document id). Loading the order and answering the HTTP request is the caller's job
//! (`portal-api`'s portal documents service).
//!
//! Fonts: DejaVu Sans regular and bold (`src/fonts/`, their licence beside them) are compiled in
//! with `include_bytes!`; each PDF embeds a subset holding only the glyphs it prints. A character
//! the fonts lack prints as a replacement glyph.
//!
//! Layout:
//! - this file: the input ([`DocumentOrder`], [`LabelSettings`]), the output ([`Document`]), the
//!   handling units ([`pieces`]) both label renderers print;
//! - [`labels`]: label PDFs (A6, 4×6 in: one label per page; A4: four A6 labels per sheet);
//! - [`zpl`]: the same labels as ZPL II;
//! - [`cmr`]: the CMR note, one page per consignment (plus annex pages for goods lines that do
//!   not fit), on A4, A5 or Letter; [`cmr_goods`]: its goods boxes 6–12 and the annexes;
//! - [`pdf`]: the drawing surface over `pdf-writer` (text, lines, boxes, clipping);
//! - [`fonts`]: the embedded DejaVu Sans fonts, subset per document; [`text`]: measuring,
//!   wrapping and the visual order of right-to-left text.
//!
//! Contracts:
//! - One label per handling unit: every goods line contributes `quantity` pieces, numbered
//!   "n of N" within its consignment (N: the consignment's pieces), so a driver sees at each
//!   stop whether all pieces are there. `copies` repeats every label (copies adjacent).
//! - Each piece has a Code 128 barcode of `<order number>-<consignment>-<piece, 3 digits>`
//!   (printable ASCII only, scannable by any handheld).
//! - At most [`MAX_LABELS`] labels per document (copies included): larger orders are refused
//!   with [`DocumentError::TooManyLabels`] rather than rendering for minutes.
//!
//! Crates: `pdf-writer` (the typst project's PDF writer: small, no system dependencies),
//! `ttf-parser` (glyph ids and widths of the embedded fonts), `subsetter` (the typst project's
//! font subsetter for PDF embedding), `miniz_oxide` (Flate compression of the streams) and
//! `barcoders` (Code 128 encoding, set B).

pub mod cmr;
mod cmr_goods;
pub mod fonts;
pub mod labels;
pub mod pdf;
pub mod text;
pub mod zpl;

#[cfg(test)]
mod test_pdf;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_text;

use portal_domain::printer::{DocumentFormat, LabelFormat, OutputKind};
use portal_domain::values::{Consignment, Goods, OrderContent};
use time::Date;

/// The most labels one document holds.
pub const MAX_LABELS: usize = 2000;

/// What the documents print of an order.
#[derive(Debug, Clone, Copy)]
pub struct DocumentOrder<'a> {
    pub number: &'a str,
    /// The sender: the customer.
    pub customer_name: &'a str,
    /// The carrier (the tenant).
    pub carrier_name: &'a str,
    /// The day of submission in the carrier's time zone (what box 21 "established on" says).
    pub submitted_on: Date,
    /// The submitted content: the stops hold their address snapshots.
    pub content: &'a OrderContent,
}

/// How labels are printed (from the user's printer configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelSettings {
    pub format: LabelFormat,
    pub output: OutputKind,
    /// 1 to 10.
    pub copies: u8,
}

/// Which document: `label` or `cmr` in URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Label,
    Cmr,
}

impl DocumentKind {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "label" | "labels" => Some(Self::Label),
            "cmr" => Some(Self::Cmr),
            _ => None,
        }
    }
}

/// A rendered document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub content_type: &'static str,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("ZPL needs a thermal label format (A6 or 4x6in)")]
    ZplNeedsThermalFormat,
    #[error("the order has {0} labels; at most {MAX_LABELS} fit in one document")]
    TooManyLabels(usize),
}

/// One handling unit: a label.
#[derive(Debug, Clone, Copy)]
pub struct Piece<'a> {
    /// 1-based consignment number.
    pub consignment: usize,
    pub of_consignment: &'a Consignment,
    pub goods: &'a Goods,
    /// 1-based within the consignment.
    pub n: u32,
    /// Pieces of the consignment.
    pub total: u32,
}

impl<'a> Piece<'a> {
    /// The barcode's data (see the module docs).
    pub fn barcode(&self, number: &str) -> String {
        let clean: String = number.chars().filter(|c| c.is_ascii_graphic()).collect();
        format!("{clean}-{}-{:03}", self.consignment, self.n)
    }

    /// The sender (the pickup) on one line: name, postcode and city, country.
    pub fn sender_line(&self) -> String {
        let from = self.of_consignment.pickup().address();
        format!(
            "{}, {} {}, {}",
            from.name(),
            from.postal_code(),
            from.city(),
            from.country().as_str()
        )
    }
}

/// Every handling unit of the order, each `copies` times, in order.
pub fn pieces(content: &OrderContent, copies: u8) -> Result<Vec<Piece<'_>>, DocumentError> {
    let copies = copies.max(1);
    let total: usize = content
        .consignments()
        .iter()
        .flat_map(|c| c.goods().iter().map(|g| g.quantity() as usize))
        .sum::<usize>()
        * usize::from(copies);
    if total > MAX_LABELS {
        return Err(DocumentError::TooManyLabels(total));
    }
    let mut out = Vec::with_capacity(total);
    for (ci, c) in content.consignments().iter().enumerate() {
        let of: u32 = c.goods().iter().map(Goods::quantity).sum();
        let mut n = 0;
        for g in c.goods() {
            for _ in 0..g.quantity() {
                n += 1;
                for _ in 0..copies {
                    out.push(Piece {
                        consignment: ci + 1,
                        of_consignment: c,
                        goods: g,
                        n,
                        total: of,
                    });
                }
            }
        }
    }
    Ok(out)
}

/// The labels of the order as the settings ask.
pub fn labels(
    order: &DocumentOrder<'_>,
    settings: &LabelSettings,
) -> Result<Document, DocumentError> {
    match settings.output {
        OutputKind::Pdf => labels::render(order, settings),
        OutputKind::Zpl => zpl::render(order, settings),
    }
}

/// The CMR note of the order on `paper`.
pub fn cmr(order: &DocumentOrder<'_>, paper: DocumentFormat) -> Document {
    cmr::render(order, paper)
}

/// A file name part from the order number (letters, digits, `-` and `_` only).
pub(crate) fn file_stem(number: &str) -> String {
    let stem: String = number
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.is_empty() {
        "order".to_owned()
    } else {
        stem
    }
}

/// A goods line's ADR marking on a label, e.g. `UN 1263 · class 3 · PG II · tunnel (D/E)`.
pub(crate) fn adr_text(g: &Goods) -> Option<String> {
    g.adr().map(|a| {
        let mut s = format!("UN {} · class {}", a.un_number().digits(), a.class());
        if let Some(pg) = a.packing_group() {
            s.push_str(&format!(" · PG {pg}"));
        }
        if let Some(t) = a.tunnel_code() {
            s.push_str(&format!(" · tunnel ({t})"));
        }
        s
    })
}
