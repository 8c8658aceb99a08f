//! A small drawing surface over `pdf-writer`: pages of a given size in millimetres, text in the
//! embedded DejaVu Sans ([`crate::fonts`]), lines, rectangles, filled bars and polygons.
//! Coordinates are millimetres from the page's top-left corner; the module turns them into PDF
//! points from the bottom-left.
//!
//! Contracts:
//! - Every Unicode character the font has prints as itself (Latin, Greek, Cyrillic, Arabic and
//!   Hebrew letters, …); any other prints as the visible replacement glyph (see
//!   [`crate::fonts::glyph`]). Right-to-left runs are put in visual order ([`visual`]).
//! - [`Canvas::finish`] embeds each font once, subset to the glyphs the document uses, and
//!   compresses every stream.
//! - [`Page::text_in`] keeps text inside its box: it wraps, and where the box is too low it
//!   drops lines and ends the last one in `…`. Content that must never be cut (the CMR's goods)
//!   is laid out by its caller with [`wrap`], which keeps every character.

pub use crate::fonts::Weight;
use crate::fonts::{Used, face, glyph, ignorable};
pub use crate::text::{fit, visual, width_mm, wrap};
use pdf_writer::{Content, Filter, Name, Pdf, Rect, Ref, Str};

const PT_PER_MM: f32 = 72.0 / 25.4;
const FONT_NAMES: [Name<'static>; 2] = [Name(b"F1"), Name(b"F2")];

/// One page being drawn.
pub struct Page {
    width_mm: f32,
    height_mm: f32,
    content: Content,
    used: Used,
}

/// A PDF document under construction.
#[derive(Default)]
pub struct Canvas {
    pages: Vec<Page>,
}

impl Canvas {
    /// Starts a new page of `width` × `height` mm; drawing goes to it from now on.
    pub fn page(&mut self, width_mm: f32, height_mm: f32) -> &mut Page {
        self.pages.push(Page {
            width_mm,
            height_mm,
            content: Content::new(),
            used: Used::default(),
        });
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// The finished document.
    pub fn finish(self) -> Vec<u8> {
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        // Six objects per font (see `fonts::write`), from 3.
        let font_ids = |w: usize| -> [Ref; 6] {
            let base = 3 + 6 * i32::try_from(w).unwrap_or(0);
            std::array::from_fn(|k| Ref::new(base + i32::try_from(k).unwrap_or(0)))
        };
        let first = 3 + 6 * 2;
        let ids: Vec<(Ref, Ref)> = (0..self.pages.len())
            .map(|i| {
                let base = first + 2 * i32::try_from(i).unwrap_or(i32::MAX / 4);
                (Ref::new(base), Ref::new(base + 1))
            })
            .collect();
        let mut used = Used::default();
        for p in &self.pages {
            used.merge(&p.used);
        }
        let mut pdf = Pdf::new();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree)
            .kids(ids.iter().map(|(page, _)| *page))
            .count(i32::try_from(ids.len()).unwrap_or(i32::MAX));
        for (i, w) in Weight::ALL.into_iter().enumerate() {
            crate::fonts::write(&mut pdf, w, &used, font_ids(i));
        }
        for (p, (page_id, content_id)) in self.pages.into_iter().zip(ids) {
            let mut page = pdf.page(page_id);
            page.parent(tree)
                .media_box(Rect::new(
                    0.0,
                    0.0,
                    p.width_mm * PT_PER_MM,
                    p.height_mm * PT_PER_MM,
                ))
                .contents(content_id);
            let mut resources = page.resources();
            let mut fonts = resources.fonts();
            for (i, name) in FONT_NAMES.iter().enumerate() {
                fonts.pair(*name, font_ids(i)[0]);
            }
            drop(fonts);
            drop(resources);
            drop(page);
            let bytes = miniz_oxide::deflate::compress_to_vec_zlib(&p.content.finish(), 6);
            pdf.stream(content_id, &bytes).filter(Filter::FlateDecode);
        }
        pdf.finish()
    }
}

impl Page {
    fn x(&self, mm: f32) -> f32 {
        mm * PT_PER_MM
    }

    fn y(&self, mm: f32) -> f32 {
        (self.height_mm - mm) * PT_PER_MM
    }

    /// `text` as the two-byte glyph ids of the font, recording the glyphs used.
    fn encode(&mut self, weight: Weight, text: &str) -> Vec<u8> {
        let Some(f) = face(weight) else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in visual(text).chars().filter(|c| !ignorable(*c)) {
            let (g, shown) = glyph(f, c);
            self.used.add(weight, g, shown);
            out.extend_from_slice(&g.to_be_bytes());
        }
        out
    }

    /// Text with its baseline at (`x`, `y`) mm.
    pub fn text(&mut self, x: f32, y: f32, size_pt: f32, weight: Weight, text: &str) {
        let bytes = self.encode(weight, text);
        let (px, py) = (self.x(x), self.y(y));
        self.content
            .begin_text()
            .set_font(FONT_NAMES[weight as usize], size_pt)
            .next_line(px, py)
            .show(Str(&bytes))
            .end_text();
    }

    /// Text centred on `cx` with its baseline at `y` mm.
    pub fn text_centred(&mut self, cx: f32, y: f32, size_pt: f32, weight: Weight, text: &str) {
        let w = width_mm(text, size_pt, weight);
        self.text(cx - w / 2.0, y, size_pt, weight, text);
    }

    /// The line height of text at `size_pt`, in mm.
    pub fn leading(size_pt: f32) -> f32 {
        size_pt * 0.3528 * 1.2
    }

    /// Lines of text from the top of the box (`x`, `y`, `w`, `h` mm), clipped to the box; lines
    /// that do not fit in its height are dropped, the last shown line then ends in `…`.
    pub fn text_in(&mut self, b: (f32, f32, f32, f32), size_pt: f32, weight: Weight, text: &str) {
        let (x, y, w, h) = b;
        let leading = Self::leading(size_pt);
        let mut lines = wrap(text, w, size_pt, weight);
        let room = ((h - 0.5) / leading).floor().max(0.0) as usize;
        if lines.len() > room {
            lines.truncate(room);
            if let Some(last) = lines.last_mut() {
                *last = fit(&format!("{last}…"), w, size_pt, weight);
            }
        }
        self.content.save_state();
        let (px, py) = (self.x(x), self.y(y + h));
        self.content
            .rect(px, py, w * PT_PER_MM, h * PT_PER_MM)
            .clip_nonzero()
            .end_path();
        for (i, line) in lines.iter().enumerate() {
            let baseline = y + leading * (i as f32 + 1.0) - leading * 0.2;
            self.text(x, baseline, size_pt, weight, line);
        }
        self.content.restore_state();
    }

    /// The outline of a box.
    pub fn frame(&mut self, x: f32, y: f32, w: f32, h: f32, line_mm: f32) {
        let (px, py) = (self.x(x), self.y(y + h));
        self.content
            .set_line_width(line_mm * PT_PER_MM)
            .rect(px, py, w * PT_PER_MM, h * PT_PER_MM)
            .stroke();
    }

    /// A filled black rectangle (barcode bars).
    pub fn bar(&mut self, x: f32, y: f32, w: f32, h: f32) {
        let (px, py) = (self.x(x), self.y(y + h));
        self.content
            .set_fill_gray(0.0)
            .rect(px, py, w * PT_PER_MM, h * PT_PER_MM)
            .fill_nonzero();
    }

    /// A closed polygon through `points` (mm), stroked `line_mm` wide.
    pub fn polygon(&mut self, points: &[(f32, f32)], line_mm: f32) {
        let Some((first, rest)) = points.split_first() else {
            return;
        };
        let (fx, fy) = (self.x(first.0), self.y(first.1));
        self.content
            .set_line_width(line_mm * PT_PER_MM)
            .move_to(fx, fy);
        for (x, y) in rest {
            let (px, py) = (self.x(*x), self.y(*y));
            self.content.line_to(px, py);
        }
        self.content.close_path().stroke();
    }

    /// A horizontal line.
    pub fn rule(&mut self, x: f32, y: f32, w: f32, line_mm: f32) {
        let (x1, x2, py) = (self.x(x), self.x(x + w), self.y(y));
        self.content
            .set_line_width(line_mm * PT_PER_MM)
            .move_to(x1, py)
            .line_to(x2, py)
            .stroke();
    }

    pub fn width_mm(&self) -> f32 {
        self.width_mm
    }
}
