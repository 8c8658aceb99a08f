//! The one context of a page request, [`PageCtx`]: the state, the caller, the CSRF token for the
//! forms the page renders, the session (flash messages, positions to read) and the one-time id
//! of a posted form. The staff and portal extractors ([`crate::pages::staff::common::StaffCtx`],
//! [`crate::pages::portal::common::PortalCtx`]) are this context behind their role check, and
//! dereference to it.

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::pages::layout::Section;
use crate::pages::staff::common::{done, framed};
use crate::web::CsrfToken;
use crate::web::csrf::FormId;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use maud::Markup;
use portal_domain::TenantId;
use tower_sessions::Session;

/// A page request of a logged-in caller whose role the wrapping extractor has checked.
#[derive(Debug, Clone)]
pub struct PageCtx {
    pub state: AppState,
    pub caller: Caller,
    pub csrf: String,
    pub session: Session,
    /// The one-time id of the form posted (POST requests).
    pub form: FormId,
}

impl PageCtx {
    /// The rest of the context for `caller`, who was already extracted (and checked) from
    /// `parts`.
    pub async fn for_caller(
        parts: &mut Parts,
        state: &AppState,
        caller: Caller,
    ) -> Result<Self, AppError> {
        let csrf = CsrfToken::from_request_parts(parts, state).await?;
        let Ok(form) = FormId::from_request_parts(parts, state).await;
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, msg)| AppError::internal(msg))?;
        Ok(Self {
            state: state.clone(),
            caller,
            csrf: csrf.0,
            session,
            form,
        })
    }

    pub fn tenant(&self) -> &TenantId {
        self.caller.tenant()
    }

    /// The idempotency key of a posted form that creates something (see
    /// [`crate::commands::form_idempotency`]).
    pub fn form_key(&self, action: &str) -> Option<portal_eventlog::Idempotency> {
        crate::commands::form_idempotency(&self.form, action, false)
    }

    /// The idempotency key of a posted form that changes something: the form and its values.
    pub fn change_key(&self, action: &str) -> Option<portal_eventlog::Idempotency> {
        crate::commands::form_idempotency(&self.form, action, true)
    }

    /// A page in `section` with the pending flash message, answered with `status` (the
    /// navigation follows the caller's scope: staff or portal).
    pub async fn page_with(
        &self,
        status: StatusCode,
        title: &str,
        section: Section,
        body: Markup,
    ) -> Result<Response, AppError> {
        framed(
            &self.state,
            &self.caller,
            &self.csrf,
            &self.session,
            (status, title, section),
            body,
        )
        .await
    }

    /// A page (200).
    pub async fn page(
        &self,
        title: &str,
        section: Section,
        body: Markup,
    ) -> Result<Response, AppError> {
        self.page_with(StatusCode::OK, title, section, body).await
    }

    /// The end of a successful form POST: waits for the read models, keeps `message` for the
    /// next page and redirects (303) to `to`.
    pub async fn done(&self, message: impl Into<String>, to: &str) -> Result<Response, AppError> {
        done(&self.state, &self.session, message, to).await
    }
}
