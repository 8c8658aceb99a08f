//! Process-wide counters of webhook deliveries, for `/metrics` (like the notifier's).

use std::sync::atomic::{AtomicU64, Ordering};

/// Deliveries this process completed with a 2xx.
pub static SUCCEEDED: AtomicU64 = AtomicU64::new(0);
/// Deliveries this process gave up after their last attempt.
pub static FAILED: AtomicU64 = AtomicU64::new(0);
/// Attempts of this process that failed (each is retried or the delivery fails).
pub static FAILED_ATTEMPTS: AtomicU64 = AtomicU64::new(0);
/// Endpoints this process disabled after failing for too long.
pub static DISABLED: AtomicU64 = AtomicU64::new(0);

pub(crate) fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

/// A reading of every counter: (name, help, value).
pub fn snapshot() -> [(&'static str, &'static str, u64); 4] {
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    [
        (
            "portal_webhook_deliveries_succeeded",
            "webhook deliveries this process completed with a 2xx",
            get(&SUCCEEDED),
        ),
        (
            "portal_webhook_deliveries_failed",
            "webhook deliveries this process gave up after their last attempt",
            get(&FAILED),
        ),
        (
            "portal_webhook_failed_attempts",
            "failed webhook attempts of this process",
            get(&FAILED_ATTEMPTS),
        ),
        (
            "portal_webhook_endpoints_disabled",
            "webhook endpoints this process disabled after failing for too long",
            get(&DISABLED),
        ),
    ]
}
