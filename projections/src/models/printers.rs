//! Printer configurations: which printer and paper format a portal user prints shipping labels
//! and transport documents (CMR) with. One row per configuration stream: keyed by the contact id
//! for a user's own configuration, by the customer id for the customer-wide configuration of
//! events written before configurations were per user. [`effective`] picks the user's own, else
//! the customer's, else the defaults.

use super::common::invalid_in;
use super::sql::by_key;
use crate::ctx::Ctx;
use crate::error::{ApplyError, QueryError};
use crate::event::{Decoded, Event};
use crate::projection::Projection;
use crate::rows::{ColValue, Row, Table};
use crate::store::ReadDb;
use futures::future::BoxFuture;
use portal_domain::printer::{
    DocumentFormat, LabelFormat, OutputKind, PrinterConfig, PrinterConfigEvent,
};
use portal_domain::{Aggregate, ContactId, CustomerId, TenantId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A user's (or, from older events, a customer's) printer configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrinterConfigRow {
    pub tenant: TenantId,
    pub customer_id: CustomerId,
    /// `None`: the customer-wide configuration.
    pub contact_id: Option<ContactId>,
    /// `None`: choose the printer at print time.
    pub label_printer: Option<String>,
    pub label_format: LabelFormat,
    pub label_output: OutputKind,
    /// Copies of every label.
    pub label_copies: u8,
    /// `None`: choose the printer at print time.
    pub document_printer: Option<String>,
    pub document_format: DocumentFormat,
    /// `false` for [`PrinterConfigRow::defaults`]: the customer never saved a configuration.
    pub configured: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated_at: Option<OffsetDateTime>,
}

impl PrinterConfigRow {
    /// What the portal uses before the customer saves a configuration (the domain's defaults).
    pub fn defaults(tenant: &TenantId, customer_id: CustomerId, contact_id: ContactId) -> Self {
        Self {
            tenant: tenant.clone(),
            customer_id,
            contact_id: Some(contact_id),
            label_printer: None,
            label_format: LabelFormat::default(),
            label_output: OutputKind::default(),
            label_copies: 1,
            document_printer: None,
            document_format: DocumentFormat::default(),
            configured: false,
            updated_at: None,
        }
    }
}

pub static PRINTER_CONFIGS: Table = Table {
    name: "rm_printer_configs",
    columns: &[],
    indexes: &[],
};

impl Row for PrinterConfigRow {
    const TABLE: &'static Table = &PRINTER_CONFIGS;
    fn tenant(&self) -> &TenantId {
        &self.tenant
    }
    fn key(&self) -> String {
        match self.contact_id {
            Some(contact) => contact.to_string(),
            None => self.customer_id.to_string(),
        }
    }
    fn columns(&self) -> Vec<ColValue> {
        Vec::new()
    }
}

static TABLES: [&Table; 1] = [&PRINTER_CONFIGS];

/// Projection `printer_configs`.
pub struct PrinterConfigsProjection;

impl Projection for PrinterConfigsProjection {
    fn name(&self) -> &'static str {
        "printer_configs"
    }
    fn version(&self) -> u32 {
        // 2: rows per user (contact) with the number of label copies.
        2
    }
    fn tables(&self) -> &'static [&'static Table] {
        &TABLES
    }
    fn apply<'a, 'b: 'a>(
        &'a self,
        ctx: &'a mut Ctx<'b>,
        event: Event<'a>,
    ) -> BoxFuture<'a, Result<(), ApplyError>> {
        Box::pin(async move {
            if let Some(e) = invalid_in(&event, &[PrinterConfig::CATEGORY]) {
                return Err(e);
            }
            let Decoded::Printer(PrinterConfigEvent::PrinterConfigSet {
                customer_id,
                contact_id,
                label_printer,
                label_format,
                label_output,
                label_copies,
                document_printer,
                document_format,
            }) = event.decoded
            else {
                return Ok(());
            };
            // The event carries the whole configuration: it replaces the row.
            ctx.put(PrinterConfigRow {
                tenant: event.tenant().clone(),
                customer_id: *customer_id,
                contact_id: *contact_id,
                label_printer: label_printer.clone(),
                label_format: *label_format,
                label_output: *label_output,
                label_copies: *label_copies,
                document_printer: document_printer.clone(),
                document_format: *document_format,
                configured: true,
                updated_at: Some(event.recorded_at()),
            });
            Ok(())
        })
    }
}

/// The user's own saved configuration, if any.
pub async fn get(
    db: &ReadDb,
    tenant: &TenantId,
    contact_id: ContactId,
) -> Result<Option<PrinterConfigRow>, QueryError> {
    by_key(db, tenant, &contact_id.to_string()).await
}

/// The configuration a user prints with: their own, else the customer-wide one of older events
/// (its copies and printers included), else the defaults (`configured: false`). The row's
/// `contact_id` is always the user's, so saving it creates the user's own.
pub async fn effective(
    db: &ReadDb,
    tenant: &TenantId,
    customer_id: CustomerId,
    contact_id: ContactId,
) -> Result<PrinterConfigRow, QueryError> {
    if let Some(own) = get(db, tenant, contact_id).await? {
        return Ok(own);
    }
    let shared: Option<PrinterConfigRow> = by_key(db, tenant, &customer_id.to_string()).await?;
    Ok(match shared {
        Some(row) if row.customer_id == customer_id => PrinterConfigRow {
            contact_id: Some(contact_id),
            ..row
        },
        _ => PrinterConfigRow::defaults(tenant, customer_id, contact_id),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::models::testkit::{Harness, id, tenant};

    fn set(
        c: CustomerId,
        printer: Option<&str>,
        format: LabelFormat,
        output: OutputKind,
    ) -> PrinterConfigEvent {
        PrinterConfigEvent::PrinterConfigSet {
            customer_id: c,
            contact_id: None,
            label_printer: printer.map(Into::into),
            label_format: format,
            label_output: output,
            label_copies: 1,
            document_printer: None,
            document_format: DocumentFormat::A4,
        }
    }

    #[test]
    fn the_latest_configuration_wins() {
        let mut h = Harness::new(PrinterConfigsProjection);
        let t = tenant("acme");
        let c: CustomerId = id(1);
        h.apply::<PrinterConfig>(
            &t,
            c,
            set(c, Some("Zebra 1"), LabelFormat::A6, OutputKind::Zpl),
        )
        .unwrap();
        h.apply::<PrinterConfig>(&t, c, set(c, None, LabelFormat::A4, OutputKind::Pdf))
            .unwrap();
        let row: PrinterConfigRow = h.row(&t, c).unwrap();
        assert_eq!(row.label_printer, None);
        assert_eq!(
            (row.label_format, row.label_output),
            (LabelFormat::A4, OutputKind::Pdf)
        );
        assert!(row.configured && row.updated_at.is_some());
        let json = serde_json::to_value(&row).unwrap();
        assert_eq!(json["label_format"], "a4");
        assert!(!PrinterConfigRow::defaults(&t, c, id(2)).configured);
    }

    #[test]
    fn invalid_payload_fails() {
        let mut h = Harness::new(PrinterConfigsProjection);
        let t = tenant("acme");
        let e = h
            .apply_raw(
                &t,
                "printer_config-1",
                "PrinterConfigSet",
                serde_json::json!({"label_format": "a3"}),
            )
            .unwrap_err();
        assert!(matches!(e, ApplyError::Event(_)));
        h.apply_raw(&t, "order-1", "PrinterConfigSet", serde_json::json!({}))
            .unwrap();
    }
}
