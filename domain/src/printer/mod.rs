//! A customer's printer configuration: which printer and paper format to use for shipping labels
//! and for transport documents (CMR), so documents print right the first time. One stream per
//! customer (`printer_config-<customer uuid>`); the first `SetPrinterConfig` creates it.

use crate::error::{DomainError, FieldError};
use crate::ids::CustomerId;
use crate::values::{collect, optional_text};
use crate::{Aggregate, DomainEvent};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[cfg(test)]
mod tests;

/// The printer configuration aggregate.
pub struct PrinterConfig;

/// Label stock. A6 and 4×6 in are thermal label sizes; A4 is a sheet printed on an office printer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum LabelFormat {
    #[default]
    #[serde(rename = "a6")]
    A6,
    #[serde(rename = "a4")]
    A4,
    #[serde(rename = "4x6in")]
    FourBySixIn,
}

impl LabelFormat {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::A6 => "a6",
            Self::A4 => "a4",
            Self::FourBySixIn => "4x6in",
        }
    }

    /// Whether thermal label printers (ZPL) print this size.
    pub fn is_thermal(&self) -> bool {
        matches!(self, Self::A6 | Self::FourBySixIn)
    }
}

/// What label documents are rendered as: PDF for any printer, ZPL for Zebra-compatible thermal
/// printers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutputKind {
    #[default]
    Pdf,
    Zpl,
}

/// Paper for transport documents (always PDF).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentFormat {
    #[default]
    A4,
    A5,
    Letter,
}

/// Before the first `SetPrinterConfig` the fields hold the defaults the portal uses.
/// Serialised for audits (`portal replay`, the audit views): the state as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PrinterConfigState {
    pub exists: bool,
    pub customer_id: Option<CustomerId>,
    pub label_printer: Option<String>,
    pub label_format: LabelFormat,
    pub label_output: OutputKind,
    pub document_printer: Option<String>,
    pub document_format: DocumentFormat,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PrinterConfigCommand {
    /// Printer names are trimmed, blank means "choose at print time", ≤ 100 characters.
    SetPrinterConfig {
        customer_id: CustomerId,
        label_printer: Option<String>,
        label_format: LabelFormat,
        label_output: OutputKind,
        document_printer: Option<String>,
        document_format: DocumentFormat,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", content = "data", rename_all_fields = "snake_case")]
pub enum PrinterConfigEvent {
    PrinterConfigSet {
        customer_id: CustomerId,
        /// `null`: choose the printer at print time.
        #[schemars(length(min = 1, max = MAX_PRINTER_NAME))]
        label_printer: Option<String>,
        label_format: LabelFormat,
        label_output: OutputKind,
        /// `null`: choose the printer at print time.
        #[schemars(length(min = 1, max = MAX_PRINTER_NAME))]
        document_printer: Option<String>,
        document_format: DocumentFormat,
    },
}

impl DomainEvent for PrinterConfigEvent {
    const TYPES: &'static [&'static str] = &["PrinterConfigSet"];

    fn event_type(&self) -> &'static str {
        match self {
            Self::PrinterConfigSet { .. } => "PrinterConfigSet",
        }
    }
}

const MAX_PRINTER_NAME: usize = 100;

impl Aggregate for PrinterConfig {
    const CATEGORY: &'static str = "printer_config";
    type State = PrinterConfigState;
    type Command = PrinterConfigCommand;
    type Event = PrinterConfigEvent;

    fn decide(
        state: &PrinterConfigState,
        command: &PrinterConfigCommand,
    ) -> Result<Vec<PrinterConfigEvent>, DomainError> {
        let PrinterConfigCommand::SetPrinterConfig {
            customer_id,
            label_printer,
            label_format,
            label_output,
            document_printer,
            document_format,
        } = command;

        if state.customer_id.is_some_and(|c| c != *customer_id) {
            return Err(DomainError::Rule(
                "this printer configuration belongs to another customer".into(),
            ));
        }
        let mut errors = Vec::new();
        let name = |field: &str, raw: &Option<String>| {
            optional_text(field, raw.as_deref(), MAX_PRINTER_NAME, false)
        };
        let label_printer = collect(&mut errors, name("label_printer", label_printer)).flatten();
        let document_printer =
            collect(&mut errors, name("document_printer", document_printer)).flatten();
        if *label_output == OutputKind::Zpl && !label_format.is_thermal() {
            errors.push(FieldError::new(
                "label_output",
                "ZPL needs a thermal label format (A6 or 4x6in)",
            ));
        }
        if !errors.is_empty() {
            return Err(DomainError::Validation(errors));
        }

        let unchanged = state.exists
            && state.label_printer == label_printer
            && state.label_format == *label_format
            && state.label_output == *label_output
            && state.document_printer == document_printer
            && state.document_format == *document_format;
        if unchanged {
            return Ok(vec![]);
        }
        Ok(vec![PrinterConfigEvent::PrinterConfigSet {
            customer_id: *customer_id,
            label_printer,
            label_format: *label_format,
            label_output: *label_output,
            document_printer,
            document_format: *document_format,
        }])
    }

    fn evolve(_state: PrinterConfigState, event: &PrinterConfigEvent) -> PrinterConfigState {
        // The event carries the whole configuration, so it replaces the state outright.
        let PrinterConfigEvent::PrinterConfigSet {
            customer_id,
            label_printer,
            label_format,
            label_output,
            document_printer,
            document_format,
        } = event;
        PrinterConfigState {
            exists: true,
            customer_id: Some(*customer_id),
            label_printer: label_printer.clone(),
            label_format: *label_format,
            label_output: *label_output,
            document_printer: document_printer.clone(),
            document_format: *document_format,
        }
    }
}
