//! Fixed-window rate limits counted in table `rate_limits`, shared by every process on the
//! database. A bucket names the limit and its subject: the client IP, or the SHA-256 of an email
//! (no address is stored). One statement counts a hit and reads the count, atomically on both
//! backends.

use crate::db::{Db, millis};
use crate::error::IdentityError;
use portal_domain::values::Email;
use rand::Rng as _;
use sha2::{Digest, Sha256};
use sqlx::Row as _;
use std::net::IpAddr;
use std::time::Duration;
use time::OffsetDateTime;

/// One kind of attempt and its limits: how many per email and per client IP in each window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The first part of its buckets' names (`<name>:email:<sha-256>`, `<name>:ip:<address>`).
    pub name: &'static str,
    pub per_email: u32,
    pub per_ip: u32,
    pub window: Duration,
}

/// Counts one hit in `bucket`'s current window and returns the hits so far in it.
pub async fn hit(
    db: &Db,
    bucket: &str,
    window: Duration,
    now: OffsetDateTime,
) -> Result<i64, IdentityError> {
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

/// Counts an attempt under `limit` by `email` (if known) from `ip`; true while both counts are
/// within their limits.
pub async fn allow(
    db: &Db,
    limit: &Limit,
    email: Option<&Email>,
    ip: IpAddr,
    now: OffsetDateTime,
) -> Result<bool, IdentityError> {
    let mut ok = true;
    if let Some(email) = email {
        let digest = hex::encode(Sha256::digest(email.as_str().as_bytes()));
        let bucket = format!("{}:email:{digest}", limit.name);
        ok &= hit(db, &bucket, limit.window, now).await? <= i64::from(limit.per_email);
    }
    let bucket = format!("{}:ip:{ip}", limit.name);
    ok &= hit(db, &bucket, limit.window, now).await? <= i64::from(limit.per_ip);
    Ok(ok)
}
