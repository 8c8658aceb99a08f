//! Fixed-window rate limits counted in table `rate_limits`, shared by every process on the
//! database. A bucket names the limit and its subject: the client IP, or the SHA-256 of an email
//! (no address is stored). One statement counts a hit and reads the count, atomically on both
//! backends.

use crate::config::RateLimits;
use portal_domain::values::Email;
use portal_notifier::Db;
use portal_notifier::db::millis;
use rand::Rng as _;
use sha2::{Digest, Sha256};
use sqlx::Row as _;
use std::net::IpAddr;
use std::time::Duration;
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
    fn name(self) -> &'static str {
        match self {
            Self::Link => "link",
            Self::Password => "password",
        }
    }

    fn limits(self, l: &RateLimits) -> (u32, u32) {
        match self {
            Self::Link => (l.link_per_email, l.link_per_ip),
            Self::Password => (l.password_per_email, l.password_per_ip),
        }
    }
}

/// Counts one hit in `bucket`'s current window and returns the hits so far in it.
pub async fn hit(
    db: &Db,
    bucket: &str,
    window: Duration,
    now: OffsetDateTime,
) -> Result<i64, sqlx::Error> {
    let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX).max(1);
    let now_ms = millis(now);
    let start = now_ms - now_ms.rem_euclid(window_ms);
    let hits: i64 = sqlx::query(
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1 \
         RETURNING hits",
    )
    .bind(bucket)
    .bind(start)
    .fetch_one(db.pool())
    .await?
    .try_get(0)?;
    if rand::rng().random_ratio(1, 64) {
        sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
            .bind(start.saturating_sub(window_ms))
            .execute(db.pool())
            .await?;
    }
    Ok(hits)
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
) -> Result<bool, sqlx::Error> {
    let (per_email, per_ip) = action.limits(limits);
    let mut ok = true;
    if let Some(email) = email {
        let digest = hex::encode(Sha256::digest(email.as_str().as_bytes()));
        let bucket = format!("{}:email:{digest}", action.name());
        ok &= hit(db, &bucket, limits.window, now).await? <= i64::from(per_email);
    }
    let bucket = format!("{}:ip:{ip}", action.name());
    ok &= hit(db, &bucket, limits.window, now).await? <= i64::from(per_ip);
    Ok(ok)
}
