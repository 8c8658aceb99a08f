//! The CSV writing of a [`Sheet`]: UTF-8 with a byte order mark (so Excel reads "Växjö" as
//! such), RFC 4180 quoting by the `csv` crate, dates `2026-12-06`, times `2026-12-06 14:05:09`,
//! and every text cell that a spreadsheet could take for a formula neutralised.

use super::{Cell, ExportError, Sheet};
use time::macros::format_description;

/// The UTF-8 byte order mark every CSV export starts with.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Characters that make a spreadsheet read a cell as a formula (or, for TAB and CR, let one
/// hide behind them), after OWASP's CSV injection advice.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell as written to CSV: one starting with `=`, `+`, `-`, `@`, TAB or CR gets an
/// apostrophe in front (shown by spreadsheets as text, never evaluated); others stay as they are.
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

fn field(cell: &Cell) -> String {
    let day = format_description!("[year]-[month]-[day]");
    // To the minute: what a planner reads; the XLSX cells keep the seconds.
    let minute = format_description!("[year]-[month]-[day] [hour]:[minute]");
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(s) => neutralise(s).into_owned(),
        // Numbers are ours, not user text: a (never expected) negative one stays a number.
        Cell::Int(n) => n.to_string(),
        Cell::Number(n) => n.to_string(),
        Cell::Date(d) => d.format(&day).unwrap_or_default(),
        Cell::DateTime(t) => t.format(&minute).unwrap_or_default(),
    }
}

/// The sheet as a CSV document: BOM, header row, one record per row.
pub fn write(sheet: &Sheet) -> Result<Vec<u8>, ExportError> {
    let mut w = ::csv::Writer::from_writer(BOM.to_vec());
    w.write_record(&sheet.header)?;
    for row in &sheet.rows {
        w.write_record(row.iter().map(field))?;
    }
    w.into_inner()
        .map_err(|e| ExportError::CsvBuffer(e.error().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn formula_starts_are_neutralised_and_other_text_is_not() {
        for risky in ["=SUM(A1)", "@SUM(A1)", "+1", "-1+2", "\tx", "\rx"] {
            assert_eq!(neutralise(risky), format!("'{risky}"), "{risky:?}");
        }
        for safe in ["Växjö", "PO 1", "a=b", "", "'quoted"] {
            assert_eq!(neutralise(safe), safe, "{safe:?}");
        }
    }

    #[test]
    fn the_document_has_a_bom_quotes_and_times_to_the_minute() {
        let sheet = Sheet {
            header: vec!["reference", "city", "date", "at", "weight"],
            rows: vec![vec![
                Cell::Text("=HYPERLINK(\"x\")".into()),
                Cell::Text("Växjö, Småland".into()),
                Cell::Date(date!(2026 - 12 - 06)),
                Cell::DateTime(datetime!(2026-12-06 14:05:09.123456789)),
                Cell::Number(12.5),
            ]],
        };
        let bytes = write(&sheet).expect("csv");
        assert!(bytes.starts_with(BOM));
        let text = std::str::from_utf8(&bytes[BOM.len()..]).expect("utf-8");
        assert_eq!(
            text,
            "reference,city,date,at,weight\n\
             \"'=HYPERLINK(\"\"x\"\")\",\"Växjö, Småland\",2026-12-06,2026-12-06 14:05,12.5\n"
        );
    }
}
