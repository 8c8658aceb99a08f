//! Reading generated PDFs back in tests with `lopdf`: page sizes, and the text of a page decoded
//! through each font's `ToUnicode` map (the way a PDF reader's copy and search see it).
#![allow(clippy::unwrap_used)]

use lopdf::{Document as Pdf, Object, ObjectId};
use std::collections::BTreeMap;

/// The MediaBox (width, height in mm) of every page.
pub fn pages(bytes: &[u8]) -> Vec<(f32, f32)> {
    let doc = Pdf::load_mem(bytes).unwrap();
    doc.get_pages()
        .values()
        .map(|id| {
            let page = doc.get_dictionary(*id).unwrap();
            let b = page.get(b"MediaBox").unwrap().as_array().unwrap();
            let n = |i: usize| b[i].as_float().unwrap() * 25.4 / 72.0;
            (n(2), n(3))
        })
        .collect()
}

/// Glyph code → text, from a `ToUnicode` CMap's `bfchar` entries.
fn to_unicode(doc: &Pdf, font: &lopdf::Dictionary) -> BTreeMap<u16, String> {
    let id = font.get(b"ToUnicode").unwrap().as_reference().unwrap();
    let stream = doc.get_object(id).unwrap().as_stream().unwrap();
    let data = stream
        .decompressed_content()
        .unwrap_or_else(|_| stream.content.clone());
    let text = String::from_utf8_lossy(&data);
    let mut map = BTreeMap::new();
    let mut inside = false;
    for line in text.lines() {
        if line.contains("beginbfchar") {
            inside = true;
            continue;
        }
        if line.contains("endbfchar") {
            inside = false;
            continue;
        }
        if !inside {
            continue;
        }
        let hex: Vec<&str> = line
            .split(['<', '>'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if let [code, dst] = hex[..] {
            let code = u16::from_str_radix(code, 16).unwrap();
            let units: Vec<u16> = (0..dst.len() / 4)
                .map(|i| u16::from_str_radix(&dst[i * 4..i * 4 + 4], 16).unwrap())
                .collect();
            map.insert(code, String::from_utf16(&units).unwrap());
        }
    }
    map
}

fn page_id(doc: &Pdf, page: u32) -> ObjectId {
    doc.get_pages()[&page]
}

/// The text drawn on page `page` (1-based), one line per text-showing operation.
pub fn page_text(bytes: &[u8], page: u32) -> String {
    let doc = Pdf::load_mem(bytes).unwrap();
    let id = page_id(&doc, page);
    let fonts: BTreeMap<Vec<u8>, BTreeMap<u16, String>> = doc
        .get_page_fonts(id)
        .unwrap()
        .into_iter()
        .map(|(name, dict)| (name, to_unicode(&doc, dict)))
        .collect();
    let content = doc.get_and_decode_page_content(id).unwrap();
    let mut current: Option<&BTreeMap<u16, String>> = None;
    let mut out = Vec::new();
    for op in &content.operations {
        match op.operator.as_str() {
            "Tf" => {
                let name = op.operands[0].as_name().unwrap();
                current = fonts.get(name);
            }
            "Tj" => {
                let Some(Object::String(bytes, _)) = op.operands.first() else {
                    continue;
                };
                let map = current.unwrap();
                let line: String = bytes
                    .chunks(2)
                    .map(|p| {
                        let code = u16::from_be_bytes([p[0], p[1]]);
                        map.get(&code).cloned().unwrap_or_else(|| "\u{0}".into())
                    })
                    .collect();
                out.push(line);
            }
            _ => {}
        }
    }
    out.join("\n")
}

/// How many pages the document has.
pub fn page_count(bytes: &[u8]) -> usize {
    Pdf::load_mem(bytes).unwrap().get_pages().len()
}
