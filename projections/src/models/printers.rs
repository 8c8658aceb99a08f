//! Printer configurations: which printer and paper format a customer uses for shipping labels and
//! transport documents (CMR). One row per customer, keyed by the customer id, as the domain keeps
//! one configuration stream per customer (`printer_config-<customer uuid>`): every portal user of
//! a customer shares it.

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
use portal_domain::{Aggregate, CustomerId, TenantId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A customer's printer configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrinterConfigRow {
    pub tenant: TenantId,
    pub customer_id: CustomerId,
    /// `None`: choose the printer at print time.
    pub label_printer: Option<String>,
    pub label_format: LabelFormat,
    pub label_output: OutputKind,
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
    pub fn defaults(tenant: &TenantId, customer_id: CustomerId) -> Self {
        Self {
            tenant: tenant.clone(),
            customer_id,
            label_printer: None,
            label_format: LabelFormat::default(),
            label_output: OutputKind::default(),
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
};

impl Row for PrinterConfigRow {
    const TABLE: &'static Table = &PRINTER_CONFIGS;
    fn tenant(&self) -> &TenantId {
        &self.tenant
    }
    fn key(&self) -> String {
        self.customer_id.to_string()
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
        1
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
                label_printer,
                label_format,
                label_output,
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
                label_printer: label_printer.clone(),
                label_format: *label_format,
                label_output: *label_output,
                document_printer: document_printer.clone(),
                document_format: *document_format,
                configured: true,
                updated_at: Some(event.recorded_at()),
            });
            Ok(())
        })
    }
}

/// The customer's saved configuration, if any.
pub async fn get(
    db: &ReadDb,
    tenant: &TenantId,
    customer_id: CustomerId,
) -> Result<Option<PrinterConfigRow>, QueryError> {
    by_key(db, tenant, &customer_id.to_string()).await
}

/// The configuration to print with: the saved one, or the defaults (`configured: false`).
pub async fn effective(
    db: &ReadDb,
    tenant: &TenantId,
    customer_id: CustomerId,
) -> Result<PrinterConfigRow, QueryError> {
    Ok(get(db, tenant, customer_id)
        .await?
        .unwrap_or_else(|| PrinterConfigRow::defaults(tenant, customer_id)))
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
            label_printer: printer.map(Into::into),
            label_format: format,
            label_output: output,
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
        assert!(!PrinterConfigRow::defaults(&t, c).configured);
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
