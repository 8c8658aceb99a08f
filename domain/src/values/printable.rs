//! What the transport documents can print. The CMR note and the labels embed DejaVu Sans (see
//! `docs/documents.md`): Latin, Greek, Cyrillic, Armenian, Georgian and common punctuation and
//! symbols print as typed, but right-to-left scripts would come out unshaped and reversed, and a
//! character the font lacks (emoji, CJK, …) prints as a replacement box. A driver or customs
//! officer cannot read either, so text that goes on a document is refused at input instead.
//!
//! The rule is applied when parsing input only ([`Origin::Input`]); stored events are read with
//! [`Origin::Stored`], so text accepted before the rule existed still loads (see the hazard note
//! in [`crate::values`]).

use super::hidden::check_hidden;
use crate::error::FieldError;

/// Where a value being parsed comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A command, a form or an API body: every rule applies.
    Input,
    /// A stored event: only the rules its history was written under.
    Stored,
}

impl Origin {
    /// `text` unchanged when it may be printed and holds no hidden characters (or comes from a
    /// stored event). Hidden characters are named first: they are the more specific problem.
    pub(crate) fn printable(
        self,
        field: &str,
        text: String,
        multiline: bool,
    ) -> Result<String, FieldError> {
        match self {
            Self::Stored => Ok(text),
            Self::Input => {
                check_hidden(field, &text)?;
                check_printable(field, &text, multiline).map(|()| text)
            }
        }
    }

    /// [`Origin::printable`] for optional text.
    pub(crate) fn printable_opt(
        self,
        field: &str,
        text: Option<String>,
        multiline: bool,
    ) -> Result<Option<String>, FieldError> {
        text.map(|t| self.printable(field, t, multiline))
            .transpose()
    }
}

/// The characters both embedded fonts (regular and bold) have a glyph for, within the scripts
/// that print left to right without shaping. Generated from the fonts' character maps; the
/// documents' unit tests check every range against the fonts, so a font update cannot make an
/// accepted character print as a box.
#[rustfmt::skip]
pub const PRINTABLE_RANGES: &[(u32, u32)] = &[
    (0x0020, 0x007E), (0x00A0, 0x02E9), (0x02EC, 0x02EE), (0x02F3, 0x02F3), (0x02F7, 0x02F7),
    (0x0300, 0x034F), (0x0351, 0x0353), (0x0357, 0x0358), (0x035A, 0x035A), (0x035C, 0x0362),
    (0x0370, 0x0377), (0x037A, 0x037F), (0x0384, 0x038A), (0x038C, 0x038C), (0x038E, 0x03A1),
    (0x03A3, 0x0525), (0x0531, 0x0556), (0x0559, 0x055F), (0x0561, 0x0587), (0x0589, 0x058A),
    (0x10A0, 0x10C5), (0x10D0, 0x10FC), (0x1E00, 0x1EFB), (0x1F00, 0x1F15), (0x1F18, 0x1F1D),
    (0x1F20, 0x1F45), (0x1F48, 0x1F4D), (0x1F50, 0x1F57), (0x1F59, 0x1F59), (0x1F5B, 0x1F5B),
    (0x1F5D, 0x1F5D), (0x1F5F, 0x1F7D), (0x1F80, 0x1FB4), (0x1FB6, 0x1FC4), (0x1FC6, 0x1FD3),
    (0x1FD6, 0x1FDB), (0x1FDD, 0x1FEF), (0x1FF2, 0x1FF4), (0x1FF6, 0x1FFE), (0x2010, 0x2027),
    (0x2030, 0x205E), (0x20A0, 0x20B5), (0x20B8, 0x20BA), (0x20BD, 0x20BD), (0x2100, 0x2109),
    (0x210B, 0x2149), (0x214B, 0x214B), (0x214E, 0x214E), (0x2150, 0x2185), (0x2189, 0x2189),
    (0x2190, 0x22FF), (0x2500, 0x25FF), (0x2C60, 0x2C77), (0x2C79, 0x2C7F), (0xA722, 0xA72B),
    (0xA730, 0xA741), (0xA746, 0xA74B), (0xA74E, 0xA753), (0xA756, 0xA757), (0xA764, 0xA767),
    (0xA780, 0xA783), (0xA789, 0xA78E), (0xA790, 0xA791), (0xA7A0, 0xA7AA), (0xA7F8, 0xA7FF),
    (0xFB00, 0xFB06),
];

/// Whether `c` prints on the documents. Line breaks and tabs count only in multi-line text.
pub fn is_printable(c: char, multiline: bool) -> bool {
    if multiline && matches!(c, '\n' | '\r' | '\t') {
        return true;
    }
    let c = u32::from(c);
    PRINTABLE_RANGES
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// The runs of characters in `text` that cannot be printed, in order, each once: "عربي" in
/// "Cairo عربي", "😀" in "Hi 😀". A space between two such characters belongs to the run, so a
/// phrase in another script is named whole. Invisible characters are written as `U+XXXX`.
pub fn unprintable(text: &str, multiline: bool) -> Vec<String> {
    let mut runs: Vec<String> = Vec::new();
    let mut run = String::new();
    let mut pending_space = false;
    let flush = |run: &mut String, runs: &mut Vec<String>| {
        if !run.is_empty() && !runs.contains(run) {
            runs.push(run.clone());
        }
        run.clear();
    };
    for c in text.chars() {
        if is_printable(c, multiline) {
            if c == ' ' && !run.is_empty() && !pending_space {
                pending_space = true;
            } else {
                pending_space = false;
                flush(&mut run, &mut runs);
            }
            continue;
        }
        if pending_space {
            run.push(' ');
            pending_space = false;
        }
        if c.is_control() || c.is_whitespace() || is_invisible(c) {
            run.push_str(&format!("U+{:04X}", u32::from(c)));
        } else {
            run.push(c);
        }
    }
    flush(&mut run, &mut runs);
    runs
}

/// Format characters (direction marks, zero-width joiners, variation selectors): named by code
/// point, since they would be invisible in the message.
fn is_invisible(c: char) -> bool {
    matches!(u32::from(c),
        0x00AD | 0x061C | 0x180E | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x206F
        | 0xFE00..=0xFE0F | 0xFEFF | 0xE0000..=0xE0FFF)
}

/// The printable rule for one field: an error naming the characters that cannot be printed.
pub fn check_printable(field: &str, text: &str, multiline: bool) -> Result<(), FieldError> {
    let runs = unprintable(text, multiline);
    if runs.is_empty() {
        return Ok(());
    }
    const SHOWN: usize = 3;
    let mut named = runs
        .iter()
        .take(SHOWN)
        .map(|r| format!("\"{r}\""))
        .collect::<Vec<_>>()
        .join(", ");
    if runs.len() > SHOWN {
        named.push_str(", …");
    }
    Err(FieldError::new(
        field,
        format!("contains characters that cannot be printed on the transport documents: {named}"),
    ))
}

#[cfg(test)]
#[path = "printable_tests.rs"]
mod tests;
