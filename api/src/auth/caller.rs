//! The extractors of authenticated handlers.
//!
//! - [`SignedIn`]: a logged-in session (identity, and the current scope if one was chosen).
//! - [`Caller`]: who acts in which scope, from the session or from `Authorization: Bearer
//!   <token>`. Every scoped handler takes it; queries use [`Caller::read_scope`] and
//!   [`Caller::tenant`], never ids from the URL.
//!
//! Both check on every request that the scope still holds (see [`super::scopes`]) and that the
//! session is younger than the absolute timeout; otherwise the session row is deleted and the
//! request answered 401 (HTML routes turn that into a redirect to the login page).

use super::api_tokens;
use super::scopes::{scopes_of, still_effective};
use super::session::{self, ScopeRef, SessionUser};
use crate::AppState;
use crate::error::AppError;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use portal_domain::values::Email;
use portal_domain::{Actor, TenantId, UserId};
use portal_projections::models::Scope;
use tower_sessions::Session;

/// A logged-in session.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: SessionUser,
    pub scope: Option<ScopeRef>,
    pub session: Session,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, msg)| AppError::internal(msg))?;
        let Some((user, scope)) = session::current(state, &session).await? else {
            return Err(AppError::Unauthorized);
        };
        let holds = match &scope {
            Some(scope) => still_effective(&state.read, user.user_id, &user.email, scope).await?,
            None => !scopes_of(&state.read, &user.email).await?.is_empty(),
        };
        if !holds {
            session::end(&session).await?;
            return Err(AppError::Unauthorized);
        }
        Ok(Self {
            user,
            scope,
            session,
        })
    }
}

/// How the caller authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    BearerToken,
}

/// Who acts, in which scope.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: UserId,
    pub email: Email,
    pub scope: ScopeRef,
    /// Scopes of the identity (the header shows the switcher from 2).
    pub scope_count: usize,
    pub via: Via,
}

impl Caller {
    pub fn tenant(&self) -> &TenantId {
        self.scope.tenant()
    }

    /// The read-model scope: the whole tenant for staff, one customer for portal users.
    pub fn read_scope(&self) -> Scope {
        self.scope.read_scope()
    }

    pub fn actor(&self) -> Actor {
        self.scope.actor(self.user_id)
    }

    pub fn is_staff(&self) -> bool {
        self.scope.is_staff()
    }
}

/// The token of `Authorization: Bearer <token>`; `Some(None)` for another scheme or junk.
fn bearer(parts: &Parts) -> Option<Option<String>> {
    let value = parts.headers.get(header::AUTHORIZATION)?;
    Some(value.to_str().ok().and_then(|v| {
        let (scheme, token) = v.trim().split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned())
    }))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Already authenticated for this request (by the read-your-writes layer, to scope its
        // wait): one token or session look-up per request.
        if let Some(caller) = parts.extensions.get::<Self>() {
            return Ok(caller.clone());
        }
        if let Some(token) = bearer(parts) {
            let token = token.ok_or(AppError::Unauthorized)?;
            let now = time::OffsetDateTime::now_utc();
            let (user_id, email, scope) = api_tokens::authenticate(
                &state.store,
                &state.read,
                &state.db,
                &state.caches.tokens,
                &token,
                now,
            )
            .await?
            .ok_or(AppError::Unauthorized)?;
            return Ok(Self {
                user_id,
                email,
                scope,
                scope_count: 1,
                via: Via::BearerToken,
            });
        }
        let signed = SignedIn::from_request_parts(parts, state).await?;
        // Logged in but no scope chosen yet: the login page sends such sessions to the switcher.
        let scope = signed.scope.ok_or(AppError::Unauthorized)?;
        Ok(Self {
            user_id: signed.user.user_id,
            email: signed.user.email,
            scope,
            scope_count: signed.user.scope_count,
            via: Via::Session,
        })
    }
}
