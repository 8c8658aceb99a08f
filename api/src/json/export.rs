//! `GET /api/v1/orders/export?format=csv|xlsx&status=&q=&customer_id=`: the order list's filter
//! (without paging) as a download, for staff (the tenant; `customer_id` narrows it) and portal
//! users (their customer). Columns and formats: `docs/exports-and-time-zones.md`.

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::json::orders::ListQuery;
use crate::web::Query;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use portal_app::export::Format;
use portal_app::exports;
use portal_domain::FieldError;
use serde::Deserialize;
use tracing::instrument;

/// Query of the export: the list's filters and the format (default `csv`).
#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    pub format: Option<String>,
    pub status: Option<String>,
    pub q: Option<String>,
    pub customer_id: Option<String>,
}

/// Every order of the caller's scope matching the list's filters, as CSV (UTF-8 with a byte
/// order mark, formulas neutralised) or XLSX; times in the tenant's zone.
#[utoipa::path(get, path = "/api/v1/orders/export", tag = "orders",
    params(("format" = Option<crate::openapi::inputs::ExportFormat>, Query, description = "csv (default) or xlsx"),
        ("status" = Option<crate::openapi::inputs::OrderStatus>, Query, description = "Only orders in this status"),
        ("q" = Option<String>, Query, description = "Search in number and customer reference"),
        ("customer_id" = Option<String>, Query, description = "Staff only: one customer's orders")),
    responses((status = 200, description = "The document: CSV, or XLSX with `format=xlsx`",
        content(
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))))]
#[instrument(skip_all, fields(tenant = %caller.tenant()))]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let format = match query.format.as_deref().filter(|f| !f.trim().is_empty()) {
        None => Some(Format::Csv),
        Some(f) => Format::parse(f),
    };
    let list = ListQuery {
        status: query.status,
        q: query.q,
        customer_id: query.customer_id,
        ..ListQuery::default()
    };
    let parsed = list.parse(&caller);
    let (filter, format) = match (parsed, format) {
        (Ok((filter, _)), Some(format)) => (filter, format),
        (parsed, format) => {
            let mut errors = match parsed {
                Err(AppError::Invalid(errors)) => errors,
                Err(other) => return Err(other),
                Ok(_) => Vec::new(),
            };
            if format.is_none() {
                errors.push(FieldError::new(
                    "format",
                    "is not an export format (csv, xlsx)",
                ));
            }
            return Err(AppError::Invalid(errors));
        }
    };
    let doc = exports::orders(&state.app(), &caller.principal(), &filter, format).await?;
    let disposition = format!("attachment; filename=\"{}\"", doc.file_name());
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        doc.bytes,
    )
        .into_response())
}
