//! What a session holds: the identity ([`SessionUser`]: user id, email, login instant) and the
//! current scope ([`ScopeRef`]: staff of a tenant, or a portal grant at one customer). Both are
//! plain JSON in the tower-sessions record, under the keys [`USER_KEY`] and [`SCOPE_KEY`], where
//! the store ([`portal_identity::sessions`]) finds the ids it copies out into columns so that
//! sessions can be ended by query.

use crate::AppState;
use crate::error::AppError;
use portal_domain::values::Email;
use portal_domain::{Actor, ContactId, CustomerId, TenantId, UserId};
use portal_identity::db::millis;
use portal_projections::models::Scope;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tower_sessions::Session;

pub use portal_identity::sessions::{SCOPE_KEY, USER_KEY};

/// The logged-in identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub user_id: UserId,
    pub email: Email,
    /// Unix milliseconds of the login (the absolute timeout counts from here).
    pub login_at: i64,
    /// Scopes the identity had when it last chose one (the header shows the switcher from 2).
    pub scope_count: usize,
}

/// The scope a request acts in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScopeRef {
    Staff {
        tenant: TenantId,
    },
    Portal {
        tenant: TenantId,
        customer_id: CustomerId,
        contact_id: ContactId,
    },
}

impl ScopeRef {
    pub fn tenant(&self) -> &TenantId {
        match self {
            Self::Staff { tenant } | Self::Portal { tenant, .. } => tenant,
        }
    }

    /// The read-model scope of queries.
    pub fn read_scope(&self) -> Scope {
        match self {
            Self::Staff { .. } => Scope::Tenant,
            Self::Portal { customer_id, .. } => Scope::Customer(*customer_id),
        }
    }

    pub fn is_staff(&self) -> bool {
        matches!(self, Self::Staff { .. })
    }

    /// Where this scope's pages start.
    pub fn home(&self) -> &'static str {
        match self {
            Self::Staff { .. } => "/staff",
            Self::Portal { .. } => "/portal",
        }
    }

    /// Who acts, for event metadata.
    pub fn actor(&self, user_id: UserId) -> Actor {
        match self {
            Self::Staff { .. } => Actor::Staff { user_id },
            Self::Portal { customer_id, .. } => Actor::PortalUser {
                user_id,
                customer_id: *customer_id,
            },
        }
    }

    /// A stable text form, the value of the switcher's buttons.
    pub fn key(&self) -> String {
        match self {
            Self::Staff { tenant } => format!("staff:{tenant}"),
            Self::Portal {
                tenant,
                customer_id,
                contact_id,
            } => format!("portal:{tenant}:{customer_id}:{contact_id}"),
        }
    }
}

/// The session's identity and scope, if it is logged in and younger than the absolute timeout;
/// an older session is ended here.
pub async fn current(
    state: &AppState,
    session: &Session,
) -> Result<Option<(SessionUser, Option<ScopeRef>)>, AppError> {
    let Some(user) = session.get::<SessionUser>(USER_KEY).await? else {
        return Ok(None);
    };
    let absolute = i64::try_from(state.auth.session_absolute.as_millis()).unwrap_or(i64::MAX);
    if millis(OffsetDateTime::now_utc()).saturating_sub(user.login_at) >= absolute {
        session.flush().await?;
        return Ok(None);
    }
    let scope = session.get::<ScopeRef>(SCOPE_KEY).await?;
    Ok(Some((user, scope)))
}

/// Starts a fresh session for `user` (a new id: whatever id the browser had is deleted, so a
/// planted session id never becomes a logged-in one).
pub async fn start(
    session: &Session,
    user: &SessionUser,
    scope: Option<&ScopeRef>,
) -> Result<(), AppError> {
    session.clear().await;
    session.cycle_id().await?;
    session.insert(USER_KEY, user).await?;
    if let Some(scope) = scope {
        session.insert(SCOPE_KEY, scope).await?;
    }
    Ok(())
}

/// Chooses the current scope.
pub async fn choose(
    session: &Session,
    scope: &ScopeRef,
    scope_count: usize,
) -> Result<(), AppError> {
    if let Some(mut user) = session.get::<SessionUser>(USER_KEY).await? {
        user.scope_count = scope_count;
        session.insert(USER_KEY, user).await?;
    }
    session.insert(SCOPE_KEY, scope).await?;
    Ok(())
}

/// Ends the session: the server-side row is deleted and the cookie removed.
pub async fn end(session: &Session) -> Result<(), AppError> {
    session.flush().await?;
    Ok(())
}
