//! The order export use case (both roles): every order of the principal's scope that matches the
//! list's filter, newest first, as a CSV or XLSX document with times in the reader's zone (their
//! own, else the tenant's).
//! Portal users get their customer's orders only (the scope comes from the principal, never
//! from the input) and the charges column only where their customer shows charges.

use crate::Context;
use crate::Error;
use crate::Principal;
use crate::access::shows_charges;
use crate::export::{self, Format, OrderColumns};
use crate::zone::reader_zone;
use portal_projections::models::Page;
use portal_projections::models::orders::{self, OrderFilter, OrderListItem};
use tracing::info;

/// Rows fetched per page while collecting.
const EXPORT_PAGE: u32 = 500;

/// A finished export document.
#[derive(Debug)]
pub struct Document {
    pub format: Format,
    pub bytes: Vec<u8>,
}

impl Document {
    /// `orders.csv` or `orders.xlsx`.
    pub fn file_name(&self) -> String {
        format!("orders.{}", self.format.as_str())
    }
}

/// The orders matching `filter` in the principal's scope, as a document in `format`.
pub async fn orders(
    cx: &Context,
    principal: &Principal,
    filter: &OrderFilter,
    format: Format,
) -> Result<Document, Error> {
    let charges = shows_charges(cx, principal).await?;
    let mut items: Vec<OrderListItem> = Vec::new();
    let mut page = Page::first(EXPORT_PAGE);
    loop {
        let rows = orders::list(
            &cx.read,
            principal.tenant(),
            principal.read_scope(),
            filter,
            &page,
        )
        .await?;
        items.extend(rows.items);
        match rows.next {
            Some(after) => page = Page::after(after, EXPORT_PAGE),
            None => break,
        }
    }
    let zone = reader_zone(cx, principal).await?;
    let columns = OrderColumns {
        customer: principal.is_staff(),
        charges,
    };
    let sheet = export::orders_sheet(&items, columns, &zone);
    let bytes = match format {
        Format::Csv => export::csv::write(&sheet),
        Format::Xlsx => export::xlsx::write(&sheet),
    }
    .map_err(Error::internal)?;
    info!(
        format = format.as_str(),
        rows = items.len(),
        "orders exported"
    );
    Ok(Document { format, bytes })
}
