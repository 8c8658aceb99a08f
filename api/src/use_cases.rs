//! The bridge to the use cases ([`portal_app`]): the [`Context`] of the shared state, the
//! [`Principal`] of an authenticated [`Caller`], and the HTTP answer of a printable document.
//! Errors come back as [`portal_app::Error`] and become [`crate::error::AppError`] by its one
//! `From` impl.

use crate::AppState;
use crate::auth::Caller;
use crate::auth::session::ScopeRef;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use portal_app::{Context, Principal};
use portal_documents::Document;

impl AppState {
    /// What the use cases reach: the event store and the read models (shared pools, cheap).
    pub fn app(&self) -> Context {
        Context::new(self.store.clone(), self.read.clone())
    }
}

impl Caller {
    /// Who acts, for the use cases: the caller's user in the scope of the session or token.
    pub fn principal(&self) -> Principal {
        match &self.scope {
            ScopeRef::Staff { tenant } => Principal::staff(self.user_id, tenant.clone()),
            ScopeRef::Portal {
                tenant,
                customer_id,
                contact_id,
            } => Principal::portal(self.user_id, tenant.clone(), *customer_id, *contact_id),
        }
    }
}

/// The HTTP answer of a document: its bytes, type and a download file name.
pub fn document_response(doc: Document) -> Response {
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
