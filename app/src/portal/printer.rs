//! The user's printer configuration (`GET, PUT /api/v1/printer-config`): label printer, label
//! format (A6, 4x6in, or A4 with four labels to a sheet), label output (PDF or ZPL), copies of
//! each label, document printer and paper (A4, A5 or Letter). Until the user saves one, the
//! customer-wide configuration of older events or the defaults apply (see
//! [`portal_projections::models::printers::effective`]).

use super::portal_only;
use crate::Context;
use crate::Error;
use crate::Principal;
use crate::commands::run;
use crate::{Fields, checked, stream};
use portal_domain::printer::{
    DocumentFormat, LabelFormat, OutputKind, PrinterConfig, PrinterConfigCommand,
};
use portal_projections::models::printers::{self, PrinterConfigRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `PUT /api/v1/printer-config`. Missing fields are field errors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct PrinterInput {
    /// Blank: choose at print time.
    pub label_printer: Option<String>,
    /// `a6`, `4x6in` or `a4` (four labels to a sheet).
    #[schema(value_type = crate::schema::LabelFormat)]
    pub label_format: String,
    /// `pdf` or `zpl` (ZPL only for a6 and 4x6in).
    #[schema(value_type = crate::schema::OutputKind)]
    pub label_output: String,
    /// 1 to 10.
    pub label_copies: Option<i64>,
    /// Blank: choose at print time.
    pub document_printer: Option<String>,
    /// `a4`, `a5` or `letter`.
    #[schema(value_type = crate::schema::DocumentFormat)]
    pub document_format: String,
}

/// The configuration as shown and returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PrinterView {
    pub label_printer: Option<String>,
    pub label_format: String,
    pub label_output: String,
    pub label_copies: u8,
    pub document_printer: Option<String>,
    pub document_format: String,
    /// `false` while the user has not saved a configuration of their own.
    pub configured: bool,
}

fn name_of<T: Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn parse<T: serde::de::DeserializeOwned>(raw: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(raw.trim().to_lowercase())).ok()
}

impl PrinterView {
    pub fn of(row: &PrinterConfigRow, configured: bool) -> Self {
        Self {
            label_printer: row.label_printer.clone(),
            label_format: row.label_format.as_str().to_owned(),
            label_output: name_of(row.label_output),
            label_copies: row.label_copies,
            document_printer: row.document_printer.clone(),
            document_format: name_of(row.document_format),
            configured,
        }
    }
}

/// The configuration the user prints with.
pub async fn effective(cx: &Context, principal: &Principal) -> Result<PrinterConfigRow, Error> {
    let user = portal_only(principal)?;
    Ok(printers::effective(
        &cx.read,
        principal.tenant(),
        user.customer_id,
        user.contact_id,
    )
    .await?)
}

/// The user's configuration, for display.
pub async fn get(cx: &Context, principal: &Principal) -> Result<PrinterView, Error> {
    let user = portal_only(principal)?;
    let own = printers::get(&cx.read, principal.tenant(), user.contact_id)
        .await?
        .is_some();
    let row = effective(cx, principal).await?;
    Ok(PrinterView::of(&row, own))
}

/// Saves the user's configuration; the configuration afterwards.
pub async fn set(
    cx: &Context,
    principal: &Principal,
    input: &PrinterInput,
    idempotency: Option<portal_eventlog::Idempotency>,
) -> Result<PrinterView, Error> {
    let user = portal_only(principal)?;
    let mut fields = Fields::default();
    let label_format: Option<LabelFormat> = parse(&input.label_format);
    if label_format.is_none() {
        fields.push("label_format", "must be a6, 4x6in or a4");
    }
    let label_output: Option<OutputKind> = parse(&input.label_output);
    if label_output.is_none() {
        fields.push("label_output", "must be pdf or zpl");
    }
    let document_format: Option<DocumentFormat> = parse(&input.document_format);
    if document_format.is_none() {
        fields.push("document_format", "must be a4, a5 or letter");
    }
    let copies = fields
        .required("label_copies", input.label_copies)
        .and_then(|c| match u8::try_from(c) {
            Ok(c) => Some(c),
            Err(_) => {
                fields.push("label_copies", "copies must be between 1 and 10");
                None
            }
        });
    fields.finish()?;
    let command = PrinterConfigCommand::SetPrinterConfig {
        customer_id: user.customer_id,
        contact_id: user.contact_id,
        label_printer: input.label_printer.clone(),
        label_format: checked(label_format)?,
        label_output: checked(label_output)?,
        label_copies: checked(copies)?,
        document_printer: input.document_printer.clone(),
        document_format: checked(document_format)?,
    };
    let done = run::<PrinterConfig>(
        cx,
        principal,
        &stream::<PrinterConfig>(user.contact_id),
        &command,
        idempotency,
    )
    .await?;
    let s = &done.state;
    Ok(PrinterView {
        label_printer: s.label_printer.clone(),
        label_format: s.label_format.as_str().to_owned(),
        label_output: name_of(s.label_output),
        label_copies: s.label_copies,
        document_printer: s.document_printer.clone(),
        document_format: name_of(s.document_format),
        configured: true,
    })
}
