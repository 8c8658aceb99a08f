//! Which rate limit an attempt counts against ([`Action`]), with the configured limits
//! ([`RateLimits`]); the counting is [`portal_identity::rate_limits`].

use crate::config::RateLimits;
use portal_domain::values::Email;
use portal_identity::rate_limits::{self, Limit};
use portal_identity::{Db, IdentityError};
use std::net::IpAddr;
use time::OffsetDateTime;

/// What is being limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Login and password-reset link requests.
    Link,
    /// Password tries.
    Password,
}

impl Action {
    fn limit(self, l: &RateLimits) -> Limit {
        let (name, per_email, per_ip) = match self {
            Self::Link => ("link", l.link_per_email, l.link_per_ip),
            Self::Password => ("password", l.password_per_email, l.password_per_ip),
        };
        Limit {
            name,
            per_email,
            per_ip,
            window: l.window,
        }
    }
}

/// Counts an attempt of `action` by `email` (if known) from `ip`; true while both counts are
/// within their limits.
pub async fn allow(
    db: &Db,
    limits: &RateLimits,
    action: Action,
    email: Option<&Email>,
    ip: IpAddr,
    now: OffsetDateTime,
) -> Result<bool, IdentityError> {
    rate_limits::allow(db, &action.limit(limits), email, ip, now).await
}
