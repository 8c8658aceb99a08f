//! Shipping labels as ZPL II for Zebra-compatible thermal printers at 203 dpi (8 dots per mm):
//! one `^XA … ^XZ` block per label, UTF-8 text (`^CI28`), the Code 128 barcode with `^BC`. The
//! lines are those of the PDF label ([`crate::labels`]); a dangerous goods line's hazard class
//! stands in a box (`^GB`) at the right of its ADR marking.
//!
//! The printer's own font 0 prints the text: which scripts it covers depends on the printer's
//! fonts (Latin everywhere; Greek and Cyrillic on most current Zebra firmware).
//!
//! Hazard: ZPL's command prefixes `^` and `~` inside user text would be commands. They (and
//! control characters) are replaced by spaces before any text reaches the output, so no order,
//! address or goods text can inject printer commands.
//!
//! Served as `text/plain` (there is no registered media type for ZPL); printers take the file as
//! it is, e.g. over a raw TCP port 9100 or a "generic / text only" print queue.

use crate::labels::label_size;
use crate::{Document, DocumentError, DocumentOrder, LabelSettings, adr_text, file_stem, pieces};
use std::fmt::Write as _;
use time::macros::format_description;

const DOTS_PER_MM: f32 = 8.0;

/// User text made safe for a `^FD` field, cut to `max` characters.
pub fn field(text: &str, max: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| {
            if c == '^' || c == '~' || c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect();
    if clean.chars().count() > max {
        let cut: String = clean.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    } else {
        clean
    }
}

/// `text` as a first line of at most `room` characters, broken at the last space that allows it
/// (mid-word only for a single overlong word), and the rest.
fn split_words(text: &str, room: usize) -> (String, String) {
    if text.chars().count() <= room {
        return (text.to_owned(), String::new());
    }
    let cut: String = text.chars().take(room + 1).collect();
    let at = cut.rfind(' ').filter(|i| *i > 0);
    match at {
        Some(i) => (text[..i].to_owned(), text[i..].trim_start().to_owned()),
        None => (
            text.chars().take(room).collect(),
            text.chars().skip(room).collect(),
        ),
    }
}

pub fn render(
    order: &DocumentOrder<'_>,
    settings: &LabelSettings,
) -> Result<Document, DocumentError> {
    if !settings.format.is_thermal() {
        return Err(DocumentError::ZplNeedsThermalFormat);
    }
    let (w, h) = label_size(settings.format);
    let (pw, ph) = (
        (w * DOTS_PER_MM).round() as u32,
        (h * DOTS_PER_MM).round() as u32,
    );
    let day = format_description!("[day].[month].[year]");
    let inner = pw - 60;
    // Characters that fit the width at a font height (Zebra font 0 averages ~0.55 of its height).
    let fits = |height: u32| ((inner as f32) / (height as f32 * 0.6)) as usize;
    let mut out = String::new();
    for piece in pieces(order.content, settings.copies)? {
        let c = piece.of_consignment;
        let to = c.delivery().address();
        let g = piece.goods;
        let _ = write!(out, "^XA\n^CI28\n^PW{pw}\n^LL{ph}\n^LH0,0\n");
        let mut t = |y: u32, height: u32, text: &str| {
            let _ = writeln!(
                out,
                "^FO30,{y}^A0N,{height},{height}^FD{}^FS",
                field(text, fits(height))
            );
        };
        t(30, 26, order.carrier_name);
        t(62, 50, order.number);
        t(125, 22, "TO / CONSIGNEE");
        t(152, 42, to.name().as_str());
        t(200, 32, to.street());
        t(238, 36, &format!("{} {}", to.postal_code(), to.city()));
        t(280, 32, to.country().as_str());
        t(330, 22, "FROM / SENDER");
        t(356, 26, &piece.sender_line());
        // The customer's PO (the order's reference) and the delivery stop's reference.
        let po = order.content.customer_reference().unwrap_or("-");
        let stop_ref = c.delivery().reference().unwrap_or("-");
        t(400, 28, &format!("PO: {po}  Ref: {stop_ref}"));
        t(
            436,
            28,
            &format!(
                "Delivery: {}",
                c.delivery().date().format(day).unwrap_or_default()
            ),
        );
        t(480, 30, g.description().as_str());
        t(
            516,
            26,
            &format!(
                "{} · {:.1} kg per piece",
                g.packaging().as_str().replace('_', " "),
                g.weight_kg() / f64::from(g.quantity().max(1))
            ),
        );
        let mut class_box = String::new();
        if let (Some(adr), Some(text)) = (g.adr(), adr_text(g)) {
            // The hazard class in a box at the right, the ADR marking on two lines beside it.
            let (bw, bh) = (140, 110);
            let bx = pw - 30 - bw;
            let _ = writeln!(class_box, "^FO{bx},550^GB{bw},{bh},6^FS");
            let _ = writeln!(
                class_box,
                "^FO{bx},580^A0N,60,60^FB{bw},1,0,C^FD{}^FS",
                field(adr.class().as_str(), 4)
            );
            let room = ((bx - 50) as f32 / (24.0 * 0.6)) as usize;
            let text = format!("ADR {text}");
            let (first, rest) = split_words(&text, room);
            t(552, 24, &first);
            if !rest.is_empty() {
                t(580, 24, &rest);
            }
        }
        t(612, 70, &format!("{} of {}", piece.n, piece.total));
        t(688, 24, &format!("consignment {}", piece.consignment));
        out.push_str(&class_box);
        let data = field(&piece.barcode(order.number), 60);
        let _ = writeln!(out, "^FO30,{}^BY3^BCN,160,Y,N,N^FD{data}^FS\n^XZ", ph - 230);
    }
    Ok(Document {
        content_type: "text/plain; charset=utf-8",
        file_name: format!("{}-labels.zpl", file_stem(order.number)),
        bytes: out.into_bytes(),
    })
}
