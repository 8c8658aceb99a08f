//! The printable documents of a submitted order (`label`, `cmr`), rendered by
//! [`portal_documents`], for portal users and staff alike. The order, its number and its
//! submitted content come from the event log, so a document never prints what a lagging read
//! model says; the customer's and the carrier's names from their streams and read models.
//!
//! Who gets what:
//! - a portal user: the orders of the session's customer (another customer's order is 404),
//!   in the user's printer configuration;
//! - staff: every order of the tenant, CMR on A4, labels on A6 (thermal stock, so ZPL works
//!   too), one copy.
//!
//! Either may ask for labels as PDF or ZPL with [`LabelOutput`] (`?format=pdf|zpl`); without it a
//! portal user's configuration decides, staff get PDF. A draft or a cancelled draft has no
//! documents yet (409).

use super::drafts::load_own;
use super::{portal_only, printer};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::services::customers::load_customer;
use crate::services::stream;
use axum::http::StatusCode;
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
    pub fn parse(&self) -> Result<Option<OutputKind>, AppError> {
        match self.format.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(f) if f.eq_ignore_ascii_case("pdf") => Ok(Some(OutputKind::Pdf)),
            Some(f) if f.eq_ignore_ascii_case("zpl") => Ok(Some(OutputKind::Zpl)),
            Some(_) => Err(AppError::field("format", "is pdf or zpl")),
        }
    }
}

/// The order if the caller may print it: staff any of the tenant's, a portal user its
/// customer's; 404 otherwise, exactly like an unknown id.
async fn printable(state: &AppState, caller: &Caller, id: OrderId) -> Result<OrderState, AppError> {
    if caller.is_staff() {
        let (order, _, _) = load::<Order>(&state.store, &stream::<Order>(id), caller.tenant())
            .await
            .map_err(AppError::from)?;
        return if order.exists {
            Ok(order)
        } else {
            Err(AppError::NotFound)
        };
    }
    let user = portal_only(caller)?;
    Ok(load_own(state, caller, user, id).await?.0)
}

/// The document `kind` of order `id`; `output` overrides how labels are printed.
pub async fn render(
    state: &AppState,
    caller: &Caller,
    id: OrderId,
    kind: DocumentKind,
    output: Option<OutputKind>,
) -> Result<Document, AppError> {
    let order = printable(state, caller, id).await?;
    let (Some(content), Some(submitted_at)) = (&order.submitted_content, order.submitted_at) else {
        return Err(AppError::Status(
            StatusCode::CONFLICT,
            "Labels and CMR notes are printed once the order is submitted".into(),
        ));
    };
    let customer_id = order.customer_id.ok_or(AppError::NotFound)?;
    let customer = load_customer(state, caller, customer_id).await?;
    let carrier = tenants::name(&state.read, caller.tenant())
        .await?
        .unwrap_or_else(|| caller.tenant().to_string());
    let customer_name = customer
        .name
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let number = order.number.clone().unwrap_or_default();
    let zone = crate::zone::tenant_zone(state, caller.tenant()).await?;
    let doc_order = DocumentOrder {
        number: &number,
        customer_name: &customer_name,
        carrier_name: &carrier,
        submitted_on: zone.civil(submitted_at).date(),
        content,
    };
    let (paper, mut labels) = if caller.is_staff() {
        let labels = LabelSettings {
            format: LabelFormat::A6,
            output: OutputKind::Pdf,
            copies: 1,
        };
        (DocumentFormat::A4, labels)
    } else {
        let config = printer::effective(state, caller).await?;
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
            DocumentError::ZplNeedsThermalFormat => AppError::field("label_output", e.to_string()),
            DocumentError::TooManyLabels(_) => AppError::Status(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{}: print fewer copies", capitalise(&e.to_string())),
            ),
        }),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The HTTP answer of a document: its bytes, type and a download file name.
pub fn response(doc: Document) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, doc.content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", doc.file_name),
            ),
        ],
        doc.bytes,
    )
        .into_response()
}
