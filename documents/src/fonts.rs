//! The fonts of every PDF: DejaVu Sans and DejaVu Sans Bold (`fonts/`, Bitstream Vera licence
//! with public-domain DejaVu changes, see `fonts/LICENSE`), compiled into the binary and embedded
//! in each document as a subset of the glyphs that document uses.
//!
//! Contracts:
//! - [`glyph`] maps every character to a glyph: the font's own; a space for tabs and line
//!   breaks; the replacement glyph U+FFFD (a visible black diamond with a question mark) for a
//!   character the font lacks, such as emoji. Only characters without a look of their own
//!   ([`ignorable`]) are left out.
//! - Text is shown with the original glyph ids as CIDs (Identity-H, two bytes per glyph), so a
//!   page can be drawn before the document knows all its glyphs. The subset renumbers glyphs; the
//!   `CIDToGIDMap` stream maps the original ids to the new ones.
//! - Each font carries a `ToUnicode` map, so text can be searched, copied and extracted.
//! - Widths come from the font's `hmtx` table: [`advance`] is exact, which is what lets the CMR
//!   wrap text inside a box without cutting it.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Name, Pdf, Rect, Ref, Str};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use ttf_parser::{Face, GlyphId};

static REGULAR_TTF: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("fonts/DejaVuSans-Bold.ttf");

/// Shown for a character the font has no glyph for.
pub const REPLACEMENT: char = '\u{FFFD}';

/// Font weight of a text run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Weight {
    Regular,
    Bold,
}

impl Weight {
    pub const ALL: [Weight; 2] = [Weight::Regular, Weight::Bold];

    fn data(self) -> &'static [u8] {
        match self {
            Self::Regular => REGULAR_TTF,
            Self::Bold => BOLD_TTF,
        }
    }

    /// The PDF name of the font: a subset tag (six capitals, the same for every document: the
    /// tag only has to differ between the subsets of one document) and the PostScript name.
    fn base_font(self) -> &'static [u8] {
        match self {
            Self::Regular => b"PRTLAA+DejaVuSans",
            Self::Bold => b"PRTLAB+DejaVuSans-Bold",
        }
    }
}

/// A parsed face, kept for the life of the process (parsing reads only table offsets).
pub struct FontFace {
    face: Face<'static>,
    units_per_em: f32,
    replacement: u16,
}

/// The face of `weight`; `None` only if the embedded file were corrupt (a unit test parses both).
pub fn face(weight: Weight) -> Option<&'static FontFace> {
    static FACES: OnceLock<[Option<FontFace>; 2]> = OnceLock::new();
    let faces = FACES.get_or_init(|| {
        Weight::ALL.map(|w| {
            let face = Face::parse(w.data(), 0).ok()?;
            let units_per_em = f32::from(face.units_per_em());
            let replacement = face.glyph_index(REPLACEMENT).map_or(0, |g| g.0);
            Some(FontFace {
                face,
                units_per_em,
                replacement,
            })
        })
    });
    faces[weight as usize].as_ref()
}

/// Characters that have no look of their own and print as nothing: zero-width spaces and
/// joiners, direction marks and embeddings, variation selectors (the `U+FE0F` after an emoji).
/// Without this each would print as one more replacement glyph.
pub fn ignorable(c: char) -> bool {
    matches!(c as u32,
        0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2069 | 0xFE00..=0xFE0F | 0xFEFF
        | 0xE0100..=0xE01EF)
}

/// The glyph that prints `c`, and the character it stands for in the `ToUnicode` map.
pub fn glyph(face: &FontFace, c: char) -> (u16, char) {
    let c = if c.is_control() || c == '\u{2028}' {
        ' '
    } else {
        c
    };
    match face.face.glyph_index(c) {
        Some(GlyphId(g)) if g != 0 => (g, c),
        _ => (face.replacement, REPLACEMENT),
    }
}

/// Advance width of glyph `g` in em.
pub fn advance(face: &FontFace, g: u16) -> f32 {
    f32::from(face.face.glyph_hor_advance(GlyphId(g)).unwrap_or(0)) / face.units_per_em
}

/// Glyphs a document uses, per weight: original glyph id → the character it shows.
#[derive(Default)]
pub struct Used {
    glyphs: [BTreeMap<u16, char>; 2],
}

impl Used {
    pub fn add(&mut self, weight: Weight, glyph: u16, c: char) {
        self.glyphs[weight as usize].entry(glyph).or_insert(c);
    }

    pub fn merge(&mut self, other: &Used) {
        for (mine, theirs) in self.glyphs.iter_mut().zip(&other.glyphs) {
            for (g, c) in theirs {
                mine.entry(*g).or_insert(*c);
            }
        }
    }
}

fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 9)
}

/// Writes the Type 0 font of `weight` with the glyphs of `used` at `ids[0..6]` (font, CID font,
/// descriptor, font file, CIDToGIDMap, ToUnicode).
pub fn write(pdf: &mut Pdf, weight: Weight, used: &Used, ids: [Ref; 6]) {
    let [font_id, cid_id, descriptor_id, file_id, map_id, cmap_id] = ids;
    let glyphs = &used.glyphs[weight as usize];
    let Some(ff) = face(weight) else {
        return;
    };
    let mut remapper = subsetter::GlyphRemapper::new();
    for g in glyphs.keys() {
        remapper.remap(*g);
    }
    // On a subsetting failure the whole font goes in: bigger, never wrong.
    let program =
        subsetter::subset(weight.data(), 0, &remapper).unwrap_or_else(|_| weight.data().to_vec());
    let subset = program.len() < weight.data().len();
    let name = Name(weight.base_font());
    let info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };

    pdf.type0_font(font_id)
        .base_font(name)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_id)
        .to_unicode(cmap_id);

    let scale = 1000.0 / ff.units_per_em;
    let mut cid = pdf.cid_font(cid_id);
    cid.subtype(CidFontType::Type2)
        .base_font(name)
        .system_info(info)
        .font_descriptor(descriptor_id)
        .default_width(0.0)
        .cid_to_gid_map_stream(map_id);
    let mut widths = cid.widths();
    for g in glyphs.keys() {
        widths.consecutive(*g, [advance(ff, *g) * 1000.0]);
    }
    drop(widths);
    drop(cid);

    let b = ff.face.global_bounding_box();
    let mut flags = FontFlags::NON_SYMBOLIC;
    flags.set(FontFlags::FORCE_BOLD, weight == Weight::Bold);
    pdf.font_descriptor(descriptor_id)
        .name(name)
        .flags(flags)
        .bbox(Rect::new(
            f32::from(b.x_min) * scale,
            f32::from(b.y_min) * scale,
            f32::from(b.x_max) * scale,
            f32::from(b.y_max) * scale,
        ))
        .italic_angle(0.0)
        .ascent(f32::from(ff.face.ascender()) * scale)
        .descent(f32::from(ff.face.descender()) * scale)
        .cap_height(f32::from(ff.face.capital_height().unwrap_or(729)) * scale)
        .stem_v(if weight == Weight::Bold { 140.0 } else { 80.0 })
        .font_file2(file_id);

    let file = deflate(&program);
    pdf.stream(file_id, &file).filter(Filter::FlateDecode).pair(
        Name(b"Length1"),
        i32::try_from(program.len()).unwrap_or(i32::MAX),
    );

    // CIDToGIDMap: two bytes per CID (the original glyph id), the glyph's id in the subset (or
    // the same id when the whole font went in).
    let max = glyphs.keys().next_back().copied().unwrap_or(0);
    let mut map = Vec::with_capacity(2 * (usize::from(max) + 1));
    for cid in 0..=max {
        let gid = if subset {
            remapper.get(cid).unwrap_or(0)
        } else {
            cid
        };
        map.extend_from_slice(&gid.to_be_bytes());
    }
    pdf.stream(map_id, &deflate(&map))
        .filter(Filter::FlateDecode);

    let mut cmap = UnicodeCmap::new(Name(b"Custom"), info);
    for (g, c) in glyphs {
        cmap.pair(*g, *c);
    }
    let cmap = cmap.finish();
    pdf.cmap(cmap_id, &deflate(cmap.as_slice()))
        .filter(Filter::FlateDecode);
}
