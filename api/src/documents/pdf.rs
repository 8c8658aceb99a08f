//! A small drawing surface over `pdf-writer`: pages of a given size in millimetres, text in the
//! PDF standard fonts Helvetica and Helvetica-Bold (no font files: every PDF reader has them),
//! lines, rectangles and filled bars. Coordinates are millimetres from the page's top-left
//! corner; the module turns them into PDF points from the bottom-left.
//!
//! Contracts and hazards:
//! - Text is encoded as WinAnsi (Windows-1252), the encoding of the standard fonts: Latin-1
//!   letters (ä, ø, é, ß, …) print as they are; common Central European letters without a
//!   WinAnsi code (ł, ő, č, ș, …) print as their base letter; anything else as `?`.
//! - Text never leaves its box: [`Canvas::text_in`] clips to the box, and [`fit`] shortens text to
//!   the box by an upper estimate of the Helvetica widths.

use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str};

const PT_PER_MM: f32 = 72.0 / 25.4;
const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// One page being drawn.
pub struct Page {
    width_mm: f32,
    height_mm: f32,
    content: Content,
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
        });
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// The finished document.
    pub fn finish(self) -> Vec<u8> {
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let regular = Ref::new(3);
        let bold = Ref::new(4);
        let first = 5;
        let ids: Vec<(Ref, Ref)> = (0..self.pages.len())
            .map(|i| {
                let base = first + 2 * i32::try_from(i).unwrap_or(i32::MAX / 4);
                (Ref::new(base), Ref::new(base + 1))
            })
            .collect();
        let mut pdf = Pdf::new();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree)
            .kids(ids.iter().map(|(page, _)| *page))
            .count(i32::try_from(ids.len()).unwrap_or(i32::MAX));
        pdf.type1_font(regular)
            .base_font(Name(b"Helvetica"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.type1_font(bold)
            .base_font(Name(b"Helvetica-Bold"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
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
            fonts.pair(REGULAR, regular);
            fonts.pair(BOLD, bold);
            drop(fonts);
            drop(resources);
            drop(page);
            let bytes = p.content.finish();
            pdf.stream(content_id, &bytes);
        }
        pdf.finish()
    }
}

/// Font weight of a text run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// Upper estimate of a text's width in mm (Helvetica's widest common glyphs are about 0.72 em in
/// regular and 0.78 em in bold; most are much narrower).
pub fn width_mm(text: &str, size_pt: f32, weight: Weight) -> f32 {
    let em = match weight {
        Weight::Regular => 0.56,
        Weight::Bold => 0.61,
    };
    let mm_per_pt = 25.4 / 72.0;
    text.chars().map(|c| glyph(c) * em).sum::<f32>() * size_pt * mm_per_pt
}

/// Relative width of a glyph (1.0 an average lowercase letter).
fn glyph(c: char) -> f32 {
    match c {
        'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | 'I' | ' ' => 0.5,
        'f' | 't' | 'r' | '(' | ')' | '-' | '/' => 0.65,
        'm' | 'w' | 'M' | 'W' | '@' | '%' => 1.6,
        c if c.is_uppercase() || c.is_ascii_digit() => 1.2,
        _ => 1.0,
    }
}

/// `text` shortened (with `…`) to fit `max_mm` at `size_pt`.
pub fn fit(text: &str, max_mm: f32, size_pt: f32, weight: Weight) -> String {
    if width_mm(text, size_pt, weight) <= max_mm {
        return text.to_owned();
    }
    let mut out: String = String::new();
    for c in text.chars() {
        out.push(c);
        if width_mm(&format!("{out}…"), size_pt, weight) > max_mm {
            out.pop();
            break;
        }
    }
    format!("{}…", out.trim_end())
}

/// `text` broken into lines of at most `max_mm` (words longer than a line are cut).
pub fn wrap(text: &str, max_mm: f32, size_pt: f32, weight: Weight) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if width_mm(&candidate, size_pt, weight) <= max_mm {
                line = candidate;
            } else {
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                line = fit(word, max_mm, size_pt, weight);
            }
        }
        lines.push(line);
    }
    lines
}

impl Page {
    fn x(&self, mm: f32) -> f32 {
        mm * PT_PER_MM
    }

    fn y(&self, mm: f32) -> f32 {
        (self.height_mm - mm) * PT_PER_MM
    }

    /// Text with its baseline at (`x`, `y`) mm.
    pub fn text(&mut self, x: f32, y: f32, size_pt: f32, weight: Weight, text: &str) {
        let font = match weight {
            Weight::Regular => REGULAR,
            Weight::Bold => BOLD,
        };
        let bytes = win_ansi(text);
        let (px, py) = (self.x(x), self.y(y));
        self.content
            .begin_text()
            .set_font(font, size_pt)
            .next_line(px, py)
            .show(Str(&bytes))
            .end_text();
    }

    /// Lines of text from the top of the box (`x`, `y`, `w`, `h` mm), clipped to the box; lines
    /// that do not fit in its height are dropped, the last shown line then ends in `…`.
    pub fn text_in(&mut self, b: (f32, f32, f32, f32), size_pt: f32, weight: Weight, text: &str) {
        let (x, y, w, h) = b;
        let leading = size_pt * 0.3528 * 1.2;
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

/// `text` in WinAnsi (see the module docs).
pub fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .flat_map(|c| {
            let code = c as u32;
            let mapped: Option<u8> = match code {
                0x20..=0x7E | 0xA0..=0xFF => u8::try_from(code).ok(),
                _ => match c {
                    '€' => Some(0x80),
                    '‚' => Some(0x82),
                    '„' => Some(0x84),
                    '…' => Some(0x85),
                    '‘' => Some(0x91),
                    '’' => Some(0x92),
                    '“' => Some(0x93),
                    '”' => Some(0x94),
                    '•' => Some(0x95),
                    '–' => Some(0x96),
                    '—' => Some(0x97),
                    '™' => Some(0x99),
                    'Š' => Some(0x8A),
                    'š' => Some(0x9A),
                    'Ž' => Some(0x8E),
                    'ž' => Some(0x9E),
                    'Œ' => Some(0x8C),
                    'œ' => Some(0x9C),
                    'Ÿ' => Some(0x9F),
                    _ => None,
                },
            };
            mapped.map_or_else(|| base_letter(c).bytes().collect::<Vec<u8>>(), |b| vec![b])
        })
        .collect()
}

/// The base letter of a Central European letter without a WinAnsi code; `?` for anything else.
fn base_letter(c: char) -> &'static str {
    match c {
        'ą' | 'ă' | 'ā' => "a",
        'Ą' | 'Ă' | 'Ā' => "A",
        'ć' | 'č' => "c",
        'Ć' | 'Č' => "C",
        'ď' | 'đ' => "d",
        'Ď' | 'Đ' => "D",
        'ę' | 'ě' | 'ē' | 'ė' => "e",
        'Ę' | 'Ě' | 'Ē' | 'Ė' => "E",
        'ğ' | 'ģ' => "g",
        'Ğ' | 'Ģ' => "G",
        'ı' | 'ī' | 'į' => "i",
        'İ' | 'Ī' | 'Į' => "I",
        'ķ' => "k",
        'Ķ' => "K",
        'ł' | 'ľ' | 'ĺ' | 'ļ' => "l",
        'Ł' | 'Ľ' | 'Ĺ' | 'Ļ' => "L",
        'ń' | 'ň' | 'ņ' => "n",
        'Ń' | 'Ň' | 'Ņ' => "N",
        'ő' | 'ō' => "o",
        'Ő' | 'Ō' => "O",
        'ř' | 'ŕ' => "r",
        'Ř' | 'Ŕ' => "R",
        'ś' | 'ş' | 'ș' => "s",
        'Ś' | 'Ş' | 'Ș' => "S",
        'ť' | 'ţ' | 'ț' => "t",
        'Ť' | 'Ţ' | 'Ț' => "T",
        'ů' | 'ű' | 'ū' | 'ų' => "u",
        'Ů' | 'Ű' | 'Ū' | 'Ų' => "U",
        'ź' | 'ż' => "z",
        'Ź' | 'Ż' => "Z",
        '\t' | '\n' | '\r' => " ",
        _ => "?",
    }
}
