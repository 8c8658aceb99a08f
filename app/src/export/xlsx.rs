//! The XLSX writing of a [`Sheet`]: one worksheet "Orders", a bold frozen header row, text as
//! string cells (a spreadsheet never evaluates them, so no neutralising is needed and the text
//! stays exactly as typed), numbers as numbers, dates and times as real date cells formatted
//! `yyyy-mm-dd` and `yyyy-mm-dd hh:mm:ss`.

use super::{Cell, ExportError, Sheet};
use rust_xlsxwriter::{ColNum, ExcelDateTime, Format, RowNum, Workbook, Worksheet, XlsxError};
use time::{Date, PrimitiveDateTime};

fn excel_date(d: Date) -> Result<ExcelDateTime, XlsxError> {
    // The read model's dates are 4-digit years; one outside Excel's range is an error.
    let year = u16::try_from(d.year()).map_err(|_| XlsxError::DateTimeRangeError(d.to_string()))?;
    ExcelDateTime::from_ymd(year, d.month().into(), d.day())
}

fn excel_datetime(t: PrimitiveDateTime) -> Result<ExcelDateTime, XlsxError> {
    excel_date(t.date())?.and_hms(t.hour().into(), t.minute(), t.second())
}

struct Formats {
    header: Format,
    date: Format,
    datetime: Format,
}

fn write_cell(
    ws: &mut Worksheet,
    f: &Formats,
    row: RowNum,
    col: ColNum,
    cell: &Cell,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Empty => {}
        Cell::Text(s) => {
            ws.write_string(row, col, s)?;
        }
        Cell::Int(n) => {
            // Counts far below 2^53: exact as an Excel number.
            #[allow(clippy::cast_precision_loss)]
            ws.write_number(row, col, *n as f64)?;
        }
        Cell::Number(n) => {
            ws.write_number(row, col, *n)?;
        }
        Cell::Date(d) => {
            ws.write_datetime_with_format(row, col, excel_date(*d)?, &f.date)?;
        }
        Cell::DateTime(t) => {
            ws.write_datetime_with_format(row, col, excel_datetime(*t)?, &f.datetime)?;
        }
    }
    Ok(())
}

/// The sheet as an XLSX workbook.
pub fn write(sheet: &Sheet) -> Result<Vec<u8>, ExportError> {
    let formats = Formats {
        header: Format::new().set_bold(),
        date: Format::new().set_num_format("yyyy-mm-dd"),
        datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
    };
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("Orders")?;
    for (col, name) in (0..).zip(&sheet.header) {
        ws.write_string_with_format(0, col, *name, &formats.header)?;
        ws.set_column_width(col, 18)?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (row, cells) in (1..).zip(&sheet.rows) {
        for (col, cell) in (0..).zip(cells) {
            write_cell(ws, &formats, row, col, cell)?;
        }
    }
    Ok(book.save_to_buffer()?)
}
