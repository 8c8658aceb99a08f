//! A portal user's printer configuration: which printer and paper format to use for shipping
//! labels and for transport documents (CMR), and how many copies of each label, so documents print
//! right the first time. The first `SetPrinterConfig` creates the stream.
//!
//! Streams: one per portal user, `printer_config-<contact uuid>` (the contact is the user at one
//! customer), with `contact_id` set. Events written before configurations became per user have no
//! `contact_id` and live in `printer_config-<customer uuid>`: they stay valid and serve as the
//! customer's shared default for users who never saved their own.

use crate::error::{DomainError, FieldError};
use crate::ids::{ContactId, CustomerId};
use crate::values::{collect, no_hidden, optional_text};
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
    /// `None` for a customer-wide configuration (the old, shared kind).
    pub contact_id: Option<ContactId>,
    pub label_printer: Option<String>,
    pub label_format: LabelFormat,
    pub label_output: OutputKind,
    /// Copies of every label, [`MIN_COPIES`]..=[`MAX_COPIES`]; 0 only before the first event.
    pub label_copies: u8,
    pub document_printer: Option<String>,
    pub document_format: DocumentFormat,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PrinterConfigCommand {
    /// Printer names are trimmed, blank means "choose at print time", ≤ 100 characters.
    /// `contact_id`: the portal user the configuration belongs to. `label_copies`: how many
    /// copies of each label, 1 to 10.
    SetPrinterConfig {
        customer_id: CustomerId,
        contact_id: ContactId,
        label_printer: Option<String>,
        label_format: LabelFormat,
        label_output: OutputKind,
        label_copies: u8,
        document_printer: Option<String>,
        document_format: DocumentFormat,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", content = "data", rename_all_fields = "snake_case")]
pub enum PrinterConfigEvent {
    PrinterConfigSet {
        customer_id: CustomerId,
        /// The portal user (contact) the configuration belongs to; absent in events written
        /// before configurations were per user (then it is the customer's shared one); written
        /// as `null` for those.
        #[serde(default)]
        contact_id: Option<ContactId>,
        /// `null`: choose the printer at print time.
        #[schemars(length(min = 1, max = MAX_PRINTER_NAME))]
        label_printer: Option<String>,
        label_format: LabelFormat,
        label_output: OutputKind,
        /// Copies of every label; absent in older events, meaning 1.
        #[serde(default = "one_copy")]
        #[schemars(range(min = MIN_COPIES, max = MAX_COPIES))]
        label_copies: u8,
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
/// Fewest and most copies of each label.
pub const MIN_COPIES: u8 = 1;
pub const MAX_COPIES: u8 = 10;

fn one_copy() -> u8 {
    1
}

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
            contact_id,
            label_printer,
            label_format,
            label_output,
            label_copies,
            document_printer,
            document_format,
        } = command;

        if state.customer_id.is_some_and(|c| c != *customer_id) {
            return Err(DomainError::Rule(
                "this printer configuration belongs to another customer".into(),
            ));
        }
        if state.exists && state.contact_id != Some(*contact_id) {
            return Err(DomainError::Rule(
                "this printer configuration belongs to another user".into(),
            ));
        }
        let mut errors = Vec::new();
        let name = |field: &str, raw: &Option<String>| {
            optional_text(field, raw.as_deref(), MAX_PRINTER_NAME, false)
                .and_then(|name| no_hidden(field, name))
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
        if !(MIN_COPIES..=MAX_COPIES).contains(label_copies) {
            errors.push(FieldError::new(
                "label_copies",
                format!("copies must be between {MIN_COPIES} and {MAX_COPIES}"),
            ));
        }
        if !errors.is_empty() {
            return Err(DomainError::Validation(errors));
        }

        let unchanged = state.exists
            && state.label_printer == label_printer
            && state.label_format == *label_format
            && state.label_output == *label_output
            && state.label_copies == *label_copies
            && state.document_printer == document_printer
            && state.document_format == *document_format;
        if unchanged {
            return Ok(vec![]);
        }
        Ok(vec![PrinterConfigEvent::PrinterConfigSet {
            customer_id: *customer_id,
            contact_id: Some(*contact_id),
            label_printer,
            label_format: *label_format,
            label_output: *label_output,
            label_copies: *label_copies,
            document_printer,
            document_format: *document_format,
        }])
    }

    fn evolve(_state: PrinterConfigState, event: &PrinterConfigEvent) -> PrinterConfigState {
        // The event carries the whole configuration, so it replaces the state outright.
        let PrinterConfigEvent::PrinterConfigSet {
            customer_id,
            contact_id,
            label_printer,
            label_format,
            label_output,
            label_copies,
            document_printer,
            document_format,
        } = event;
        PrinterConfigState {
            exists: true,
            customer_id: Some(*customer_id),
            contact_id: *contact_id,
            label_printer: label_printer.clone(),
            label_format: *label_format,
            label_output: *label_output,
            label_copies: *label_copies,
            document_printer: document_printer.clone(),
            document_format: *document_format,
        }
    }
}
