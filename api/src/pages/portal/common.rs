//! What every portal page shares: the [`PortalCtx`] extractor (a portal user, or 404 for staff
//! and anyone else; the CSRF token; the session for flash messages) and the page frame with the
//! portal's tabs.

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::pages::layout::Section;
use crate::pages::staff::common::{done, framed};
use crate::web::CsrfToken;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use maud::Markup;
use portal_app::{PortalUser, portal_only};
use portal_domain::TenantId;
use tower_sessions::Session;

/// A request of a portal user.
#[derive(Debug, Clone)]
pub struct PortalCtx {
    pub state: AppState,
    pub caller: Caller,
    pub user: PortalUser,
    pub csrf: String,
    pub session: Session,
    /// The one-time id of the form posted (POST requests).
    pub form: crate::web::csrf::FormId,
}

impl FromRequestParts<AppState> for PortalCtx {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let user = portal_only(&caller.principal())?;
        let csrf = CsrfToken::from_request_parts(parts, state).await?;
        let Ok(form) = crate::web::csrf::FormId::from_request_parts(parts, state).await;
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, msg)| AppError::internal(msg))?;
        Ok(Self {
            state: state.clone(),
            caller,
            user,
            csrf: csrf.0,
            session,
            form,
        })
    }
}

impl PortalCtx {
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

    /// A page in `section` with the pending flash message, answered with `status`.
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

    /// Whether the customer shows charges on the portal.
    pub async fn shows_charges(&self) -> Result<bool, AppError> {
        Ok(portal_app::access::shows_charges(&self.state.app(), &self.caller.principal()).await?)
    }
}
