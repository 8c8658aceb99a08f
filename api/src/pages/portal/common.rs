//! What every portal page shares: the [`PortalCtx`] extractor (a portal user, or 404 for staff
//! and anyone else; the rest is the one [`PageCtx`] of every page).

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::pages::context::PageCtx;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use portal_app::{PortalUser, portal_only};

/// A request of a portal user (staff and anyone else get 404). Dereferences to its [`PageCtx`].
#[derive(Debug, Clone)]
pub struct PortalCtx {
    page: PageCtx,
    pub user: PortalUser,
}

impl FromRequestParts<AppState> for PortalCtx {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let user = portal_only(&caller.principal())?;
        let page = PageCtx::for_caller(parts, state, caller).await?;
        Ok(Self { page, user })
    }
}

impl std::ops::Deref for PortalCtx {
    type Target = PageCtx;

    fn deref(&self) -> &PageCtx {
        &self.page
    }
}

impl PortalCtx {
    /// Whether the customer shows charges on the portal.
    pub async fn shows_charges(&self) -> Result<bool, AppError> {
        Ok(portal_app::access::shows_charges(&self.state.app(), &self.caller.principal()).await?)
    }
}
