//! Measuring and breaking text with the embedded fonts' real widths, and the visual order of
//! right-to-left runs.
//!
//! Contracts:
//! - [`width_mm`] is exact for the embedded fonts (no kerning is applied when drawing either).
//! - [`wrap`] never loses a character: words longer than a line are broken between characters
//!   (the continuation starts the next line). [`fit`] is for one-line fields that may be
//!   shortened, and marks that with `…`.
//! - [`visual`]: runs of right-to-left letters (Hebrew, Arabic and their presentation forms) are
//!   reversed so they read right to left on the page. There is no Arabic shaping (letters print
//!   in their isolated forms) and no full bidirectional algorithm: digits inside such a run keep
//!   their left-to-right order, and a line's overall direction stays left to right.

use crate::fonts::{Weight, advance, face, glyph, ignorable};

const MM_PER_PT: f32 = 25.4 / 72.0;

/// Width of `text` in mm at `size_pt`.
pub fn width_mm(text: &str, size_pt: f32, weight: Weight) -> f32 {
    let em: f32 = match face(weight) {
        Some(f) => text
            .chars()
            .filter(|c| !ignorable(*c))
            .map(|c| advance(f, glyph(f, c).0))
            .sum(),
        None => text.chars().count() as f32 * 0.6,
    };
    em * size_pt * MM_PER_PT
}

/// `text` shortened (with `…`) to fit `max_mm` at `size_pt`.
pub fn fit(text: &str, max_mm: f32, size_pt: f32, weight: Weight) -> String {
    if width_mm(text, size_pt, weight) <= max_mm {
        return text.to_owned();
    }
    let mut out = String::new();
    for c in text.chars() {
        out.push(c);
        if width_mm(&format!("{out}…"), size_pt, weight) > max_mm {
            out.pop();
            break;
        }
    }
    format!("{}…", out.trim_end())
}

/// `text` broken into lines of at most `max_mm`, at spaces where possible; every character is
/// kept. Line breaks in `text` start new lines.
pub fn wrap(text: &str, max_mm: f32, size_pt: f32, weight: Weight) -> Vec<String> {
    let fits = |s: &str| width_mm(s, size_pt, weight) <= max_mm;
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if fits(&candidate) {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word wider than the line: break it between characters.
            for c in word.chars() {
                line.push(c);
                if !fits(&line) && line.chars().count() > 1 {
                    line.pop();
                    lines.push(std::mem::take(&mut line));
                    line.push(c);
                }
            }
        }
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

fn is_rtl(c: char) -> bool {
    matches!(c as u32,
        0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF | 0x10800..=0x10FFF)
}

fn is_neutral(c: char) -> bool {
    c.is_whitespace() || c.is_ascii_punctuation() || c.is_ascii_digit()
}

/// `text` in visual order (see the module docs): each maximal run that starts and ends with a
/// right-to-left letter (neutral characters inside it included) is reversed.
pub fn visual(text: &str) -> String {
    if !text.chars().any(is_rtl) {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_rtl(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut end = i;
        let mut j = i;
        while j < chars.len() && (is_rtl(chars[j]) || is_neutral(chars[j])) {
            if is_rtl(chars[j]) {
                end = j;
            }
            j += 1;
        }
        let mut run: Vec<char> = chars[i..=end].iter().rev().copied().collect();
        // Numbers read left to right inside right-to-left text.
        let mut k = 0;
        while k < run.len() {
            let start = k;
            while k < run.len() && run[k].is_ascii_digit() {
                k += 1;
            }
            run[start..k].reverse();
            k += 1;
        }
        out.extend(run);
        i = end + 1;
    }
    out
}
