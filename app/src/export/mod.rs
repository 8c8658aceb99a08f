//! Exports of the order list: one [`Sheet`] of typed cells, written as CSV ([`csv`]) or XLSX
//! ([`xlsx`]). The rows come from [`orders_sheet`], in the reader's [`Zone`].
//!
//! Contract of both formats:
//! - the same columns in the same order, a header row first (names in [`orders_sheet`]);
//! - times are local to the zone named in the `time_zone` column, to the minute in CSV;
//! - user text can never become a formula: CSV prefixes risky cells with an apostrophe
//!   ([`csv::neutralise`]), XLSX writes every text as a string cell (never a formula).

pub mod csv;
pub mod xlsx;

use crate::zone::Zone;
use portal_projections::models::orders::{OrderListItem, StopSummary};
use time::{Date, OffsetDateTime, PrimitiveDateTime};

/// The two export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// `csv` or `xlsx` (case-insensitive); `None` for anything else.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Self::Csv),
            "xlsx" => Some(Self::Xlsx),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }

    /// The `Content-Type` of a document in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// A failure to write an export document (a bug or resource problem, never bad input).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("CSV export failed: {0}")]
    Csv(#[from] ::csv::Error),
    #[error("CSV export failed: {0}")]
    CsvBuffer(String),
    #[error("XLSX export failed: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// One cell, typed so that each format can write it natively.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    /// Text from users or the read model: neutralised in CSV, a string cell in XLSX.
    Text(String),
    Int(i64),
    Number(f64),
    Date(Date),
    /// A local wall-clock time (already converted to the sheet's zone).
    DateTime(PrimitiveDateTime),
}

/// A table: the header row and the data rows (each as long as the header).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sheet {
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// What the order export shows besides the orders.
#[derive(Debug, Clone, Copy)]
pub struct OrderColumns {
    /// Add the customer's name (staff export the whole tenant).
    pub customer: bool,
    /// Add the count of charges awaiting approval (only where the reader may see charges).
    pub charges: bool,
}

/// The order list as a sheet: one row per order, in the given order, times in `zone`.
pub fn orders_sheet(items: &[OrderListItem], columns: OrderColumns, zone: &Zone) -> Sheet {
    let mut header = vec!["order_number", "reference", "status"];
    if columns.customer {
        header.push("customer");
    }
    header.extend([
        "pickup_name",
        "pickup_city",
        "pickup_country",
        "pickup_date",
        "delivery_name",
        "delivery_city",
        "delivery_country",
        "delivery_date",
        "consignments",
        "total_weight_kg",
        "created_at",
        "submitted_at",
        "time_zone",
    ]);
    if columns.charges {
        header.push("charges_awaiting_approval");
    }
    let text = |s: &str| Cell::Text(s.to_owned());
    let opt_text = |s: Option<&str>| s.map_or(Cell::Empty, text);
    let local = |at: OffsetDateTime| Cell::DateTime(zone.civil(at));
    let stop = |s: &Option<StopSummary>| match s {
        Some(s) => [
            text(&s.name),
            text(&s.city),
            text(&s.country),
            s.date.map_or(Cell::Empty, Cell::Date),
        ],
        None => [Cell::Empty, Cell::Empty, Cell::Empty, Cell::Empty],
    };
    let rows = items
        .iter()
        .map(|item| {
            let o = &item.order;
            let mut row = vec![
                text(&o.number),
                opt_text(o.customer_reference.as_deref()),
                text(o.status.as_str()),
            ];
            if columns.customer {
                row.push(opt_text(item.customer_name.as_deref()));
            }
            row.extend(stop(&o.pickup));
            row.extend(stop(&o.delivery));
            row.extend([
                Cell::Int(o.consignments),
                Cell::Number(o.total_weight_kg),
                local(o.created_at),
                o.submitted_at.map_or(Cell::Empty, local),
                text(zone.name()),
            ]);
            if columns.charges {
                row.push(Cell::Int(o.charges_awaiting_approval));
            }
            row
        })
        .collect();
    Sheet { header, rows }
}
