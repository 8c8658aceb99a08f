//! The printable documents of a submitted order (`label`, `cmr`), rendered by
//! [`portal_documents`], for portal users and staff alike. The order, its number and its
//! submitted content come from the event log, so a document never prints what a lagging read
//! model says; the customer's and the carrier's names from their streams and read models.
//!
//! Who gets what:
//! - a portal user: the orders of the principal's customer (another customer's order is not found),
//!   in the user's printer configuration;
//! - staff: every order of the tenant, CMR on A4, labels on A6 (thermal stock, so ZPL works
//!   too), one copy.
//!
//! Either may ask for labels as PDF or ZPL with [`LabelOutput`] (`?format=pdf|zpl`); without it a
//! portal user's configuration decides, staff get PDF. A draft or a cancelled draft has no
//! documents yet (a conflict).

use super::drafts::load_own;
use super::{portal_only, printer};
use crate::Context;
use crate::Error;
use crate::Principal;
use crate::customers::load_customer;
use crate::stream;
use portal_documents::{Document, DocumentError, DocumentKind, DocumentOrder, LabelSettings};
use portal_domain::OrderId;
use portal_domain::order::{Order, OrderState};
use portal_domain::printer::{DocumentFormat, LabelFormat, OutputKind};
use portal_eventlog::executor::load;
use portal_projections::models::tenants;
use serde::Deserialize;

/// `?format=` of a document request: how labels are printed (`pdf` or `zpl`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LabelOutput {
    pub format: Option<String>,
}

impl LabelOutput {
    /// The output asked for; a value other than `pdf` or `zpl` is a field error on `format`.
    pub fn parse(&self) -> Result<Option<OutputKind>, Error> {
        match self.format.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(f) if f.eq_ignore_ascii_case("pdf") => Ok(Some(OutputKind::Pdf)),
            Some(f) if f.eq_ignore_ascii_case("zpl") => Ok(Some(OutputKind::Zpl)),
            Some(_) => Err(Error::field("format", "is pdf or zpl")),
        }
    }
}

/// The order if the principal may print it: staff any of the tenant's, a portal user its
/// customer's; not found otherwise, exactly like an unknown id.
async fn printable(cx: &Context, principal: &Principal, id: OrderId) -> Result<OrderState, Error> {
    if principal.is_staff() {
        let (order, _, _) = load::<Order>(&cx.store, &stream::<Order>(id), principal.tenant())
            .await
            .map_err(Error::from)?;
        return if order.exists {
            Ok(order)
        } else {
            Err(Error::NotFound)
        };
    }
    let user = portal_only(principal)?;
    Ok(load_own(cx, principal, user, id).await?.0)
}

/// The document `kind` of order `id`; `output` overrides how labels are printed.
pub async fn render(
    cx: &Context,
    principal: &Principal,
    id: OrderId,
    kind: DocumentKind,
    output: Option<OutputKind>,
) -> Result<Document, Error> {
    let order = printable(cx, principal, id).await?;
    let (Some(content), Some(submitted_at)) = (&order.submitted_content, order.submitted_at) else {
        return Err(Error::Conflict(
            "Labels and CMR notes are printed once the order is submitted".into(),
        ));
    };
    let customer_id = order.customer_id.ok_or(Error::NotFound)?;
    let customer = load_customer(cx, principal, customer_id).await?;
    let carrier = tenants::name(&cx.read, principal.tenant())
        .await?
        .unwrap_or_else(|| principal.tenant().to_string());
    let customer_name = customer
        .name
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let number = order.number.clone().unwrap_or_default();
    let zone = crate::zone::tenant_zone(cx, principal.tenant()).await?;
    let doc_order = DocumentOrder {
        number: &number,
        customer_name: &customer_name,
        carrier_name: &carrier,
        submitted_on: zone.civil(submitted_at).date(),
        content,
    };
    let (paper, mut labels) = if principal.is_staff() {
        let labels = LabelSettings {
            format: LabelFormat::A6,
            output: OutputKind::Pdf,
            copies: 1,
        };
        (DocumentFormat::A4, labels)
    } else {
        let config = printer::effective(cx, principal).await?;
        let labels = LabelSettings {
            format: config.label_format,
            output: config.label_output,
            copies: config.label_copies,
        };
        (config.document_format, labels)
    };
    if let Some(output) = output {
        labels.output = output;
    }
    match kind {
        DocumentKind::Cmr => Ok(portal_documents::cmr(&doc_order, paper)),
        DocumentKind::Label => portal_documents::labels(&doc_order, &labels).map_err(|e| match e {
            DocumentError::ZplNeedsThermalFormat => Error::field("label_output", e.to_string()),
            DocumentError::TooManyLabels(_) => Error::Refused(format!(
                "{}: print fewer copies",
                capitalise(&e.to_string())
            )),
        }),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
