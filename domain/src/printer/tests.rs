//! Printer configuration: given/when/then for the command and its rejections, wire format.
#![allow(clippy::unwrap_used)]
use super::PrinterConfigCommand::*;
use super::PrinterConfigEvent::*;
use super::*;
use crate::testkit::{assert_round_trip, given, id};

fn customer() -> CustomerId {
    id(1)
}

fn contact() -> ContactId {
    id(7)
}

fn command(format: LabelFormat, output: OutputKind) -> PrinterConfigCommand {
    SetPrinterConfig {
        customer_id: customer(),
        contact_id: contact(),
        label_copies: 2,
        label_printer: Some(" Zebra GK420d ".into()),
        label_format: format,
        label_output: output,
        document_printer: Some("  ".into()),
        document_format: DocumentFormat::A4,
    }
}

fn set(format: LabelFormat, output: OutputKind) -> PrinterConfigEvent {
    PrinterConfigSet {
        customer_id: customer(),
        contact_id: Some(contact()),
        label_copies: 2,
        label_printer: Some("Zebra GK420d".into()),
        label_format: format,
        label_output: output,
        document_printer: None,
        document_format: DocumentFormat::A4,
    }
}

#[test]
fn set_printer_config_for_the_first_time() {
    let state = given::<PrinterConfig>(&[])
        .when(command(LabelFormat::FourBySixIn, OutputKind::Zpl))
        .then(&[set(LabelFormat::FourBySixIn, OutputKind::Zpl)]);
    assert!(state.exists);
    assert_eq!(state.label_printer.as_deref(), Some("Zebra GK420d"));
    assert_eq!(state.document_printer, None);
}

#[test]
fn first_config_equal_to_the_defaults_is_still_recorded() {
    let defaults = PrinterConfigState::default();
    given::<PrinterConfig>(&[])
        .when(SetPrinterConfig {
            customer_id: customer(),
            contact_id: contact(),
            label_copies: 1,
            label_printer: None,
            label_format: defaults.label_format,
            label_output: defaults.label_output,
            document_printer: None,
            document_format: defaults.document_format,
        })
        .then(&[PrinterConfigSet {
            customer_id: customer(),
            contact_id: Some(contact()),
            label_copies: 1,
            label_printer: None,
            label_format: LabelFormat::A6,
            label_output: OutputKind::Pdf,
            document_printer: None,
            document_format: DocumentFormat::A4,
        }]);
}

#[test]
fn change_printer_config() {
    given::<PrinterConfig>(&[set(LabelFormat::A6, OutputKind::Zpl)])
        .when(command(LabelFormat::A4, OutputKind::Pdf))
        .then(&[set(LabelFormat::A4, OutputKind::Pdf)]);
}

#[test]
fn identical_config_changes_nothing() {
    given::<PrinterConfig>(&[set(LabelFormat::A6, OutputKind::Zpl)])
        .when(command(LabelFormat::A6, OutputKind::Zpl))
        .then_nothing();
}

#[test]
fn zpl_on_a4_is_rejected() {
    given::<PrinterConfig>(&[])
        .when(command(LabelFormat::A4, OutputKind::Zpl))
        .then_invalid(&["label_output"]);
}

#[test]
fn overlong_printer_names_are_rejected_together() {
    given::<PrinterConfig>(&[])
        .when(SetPrinterConfig {
            customer_id: customer(),
            contact_id: contact(),
            label_copies: 1,
            label_printer: Some("p".repeat(101)),
            label_format: LabelFormat::A4,
            label_output: OutputKind::Zpl,
            document_printer: Some("line\nbreak".into()),
            document_format: DocumentFormat::Letter,
        })
        .then_invalid(&["label_printer", "document_printer", "label_output"]);
}

#[test]
fn config_of_another_customer_is_rejected() {
    given::<PrinterConfig>(&[set(LabelFormat::A6, OutputKind::Pdf)])
        .when(SetPrinterConfig {
            customer_id: id(2),
            contact_id: contact(),
            label_copies: 1,
            label_printer: None,
            label_format: LabelFormat::A6,
            label_output: OutputKind::Pdf,
            document_printer: None,
            document_format: DocumentFormat::A5,
        })
        .then_error(DomainError::Rule(
            "this printer configuration belongs to another customer".into(),
        ));
}

#[test]
fn copies_out_of_range_are_rejected() {
    for copies in [0, 11] {
        given::<PrinterConfig>(&[])
            .when(SetPrinterConfig {
                customer_id: customer(),
                contact_id: contact(),
                label_copies: copies,
                label_printer: None,
                label_format: LabelFormat::A6,
                label_output: OutputKind::Pdf,
                document_printer: None,
                document_format: DocumentFormat::A4,
            })
            .then_invalid(&["label_copies"]);
    }
}

#[test]
fn changing_only_the_copies_is_recorded() {
    let mut cmd = command(LabelFormat::A6, OutputKind::Zpl);
    let SetPrinterConfig { label_copies, .. } = &mut cmd;
    *label_copies = 3;
    let mut event = set(LabelFormat::A6, OutputKind::Zpl);
    let PrinterConfigSet { label_copies, .. } = &mut event;
    *label_copies = 3;
    given::<PrinterConfig>(&[set(LabelFormat::A6, OutputKind::Zpl)])
        .when(cmd)
        .then(&[event]);
}

#[test]
fn config_of_another_user_is_rejected() {
    given::<PrinterConfig>(&[set(LabelFormat::A6, OutputKind::Pdf)])
        .when(SetPrinterConfig {
            customer_id: customer(),
            contact_id: id(8),
            label_copies: 1,
            label_printer: None,
            label_format: LabelFormat::A6,
            label_output: OutputKind::Pdf,
            document_printer: None,
            document_format: DocumentFormat::A4,
        })
        .then_error(DomainError::Rule(
            "this printer configuration belongs to another user".into(),
        ));
}

#[test]
fn events_written_before_per_user_configs_still_read() {
    // A customer-wide event of the first schema: no contact, no copies.
    let old = serde_json::json!({"type": "PrinterConfigSet", "data": {
        "customer_id": customer(), "label_printer": null, "label_format": "a4",
        "label_output": "pdf", "document_printer": null, "document_format": "letter"}});
    let event: PrinterConfigEvent = serde_json::from_value(old).unwrap();
    let PrinterConfigSet {
        contact_id,
        label_copies,
        ..
    } = &event;
    assert_eq!((*contact_id, *label_copies), (None, 1));
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(json["data"]["contact_id"], serde_json::Value::Null);
    assert_eq!(json["data"]["label_copies"], 1);
}

#[test]
fn every_event_round_trips() {
    assert_round_trip(&[set(LabelFormat::FourBySixIn, OutputKind::Zpl)]);
    let json = serde_json::to_value(set(LabelFormat::FourBySixIn, OutputKind::Zpl)).unwrap();
    assert_eq!(json["data"]["label_format"], "4x6in");
    assert_eq!(json["data"]["label_output"], "zpl");
    assert_eq!(json["data"]["document_format"], "a4");
    for (f, s) in [
        (LabelFormat::A6, "a6"),
        (LabelFormat::A4, "a4"),
        (LabelFormat::FourBySixIn, "4x6in"),
    ] {
        assert_eq!(serde_json::to_value(f).unwrap(), s);
        assert_eq!(f.as_str(), s);
    }
    assert_eq!(
        serde_json::to_value(DocumentFormat::Letter).unwrap(),
        "letter"
    );
}
