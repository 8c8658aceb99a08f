//! The printable documents of a submitted order (`label`, `cmr`), rendered by
//! [`crate::documents`] in the user's printer configuration. The order, its number and its
//! submitted content come from the event log, so a document never prints what a lagging read
//! model says; the customer's and the carrier's names from their streams and read models.
//!
//! A draft or a cancelled draft has no documents yet (409); another customer's order is 404.

use super::drafts::load_own;
use super::{portal_only, printer};
use crate::AppState;
use crate::auth::Caller;
use crate::documents::{self, Document, DocumentError, DocumentKind, DocumentOrder, LabelSettings};
use crate::error::AppError;
use crate::services::customers::load_customer;
use axum::http::StatusCode;
use portal_domain::OrderId;
use portal_projections::models::tenants;

/// The document `kind` of order `id`.
pub async fn render(
    state: &AppState,
    caller: &Caller,
    id: OrderId,
    kind: DocumentKind,
) -> Result<Document, AppError> {
    let user = portal_only(caller)?;
    let (order, _) = load_own(state, caller, user, id).await?;
    let (Some(content), Some(submitted_at)) = (&order.submitted_content, order.submitted_at) else {
        return Err(AppError::Status(
            StatusCode::CONFLICT,
            "Labels and CMR notes are printed once the order is submitted".into(),
        ));
    };
    let customer = load_customer(state, caller, user.customer_id).await?;
    let carrier = tenants::name(&state.read, caller.tenant())
        .await?
        .unwrap_or_else(|| caller.tenant().to_string());
    let customer_name = customer
        .name
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let number = order.number.clone().unwrap_or_default();
    let doc_order = DocumentOrder {
        number: &number,
        customer_name: &customer_name,
        carrier_name: &carrier,
        submitted_at,
        content,
    };
    let config = printer::effective(state, caller).await?;
    match kind {
        DocumentKind::Cmr => Ok(documents::cmr(&doc_order, config.document_format)),
        DocumentKind::Label => documents::labels(
            &doc_order,
            &LabelSettings {
                format: config.label_format,
                output: config.label_output,
                copies: config.label_copies,
            },
        )
        .map_err(|e| match e {
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
